import { LIMITS } from '@mpi/protocol';
import { type FormEvent, type ReactNode, type Ref, useId, useState } from 'react';

export interface ComposerProps {
  /** Sends the trimmed text; the input is cleared at once (the message shows as pending). */
  onSend(text: string): void;
  /** Every change of the draft, for typing indicators (useChat's `setDraft`). */
  onDraftChange?(text: string): void;
  /** The input's accessible name (visually hidden). */
  label?: ReactNode;
  inputRef?: Ref<HTMLInputElement>;
}

/** The message input with its Send button: Enter sends, an empty draft cannot be sent. */
export function Composer({ onSend, onDraftChange, label = 'Message', inputRef }: ComposerProps) {
  const [draft, setDraft] = useState('');
  const id = useId();
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const text = draft.trim();
    if (!text) return;
    setDraft('');
    onSend(text);
  };
  return (
    <form className="composer" onSubmit={onSubmit}>
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <input
        id={id}
        ref={inputRef}
        value={draft}
        placeholder="Write a message"
        autoComplete="off"
        maxLength={LIMITS.messageTextMaxLength}
        enterKeyHint="send"
        onChange={(event) => {
          setDraft(event.target.value);
          onDraftChange?.(event.target.value);
        }}
      />
      <button type="submit" disabled={draft.trim().length === 0}>
        Send
      </button>
    </form>
  );
}
