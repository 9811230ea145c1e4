import { LIMITS } from '@mpi/protocol';
import {
  type FormEvent,
  type KeyboardEvent,
  type ReactNode,
  type Ref,
  useId,
  useImperativeHandle,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';

export interface ComposerProps {
  /** Sends the trimmed text; the input is cleared at once (the message shows as pending). */
  onSend(text: string): void;
  /** Every change of the draft, for typing indicators (useChat's `setDraft`). */
  onDraftChange?(text: string): void;
  /** The input's accessible name (visually hidden). */
  label?: ReactNode;
  inputRef?: Ref<HTMLTextAreaElement | null>;
  /** The input grows with its text up to this many lines, then scrolls (default 6). */
  maxRows?: number;
}

/** Grows the text area with its text, up to `maxRows` lines, then lets it scroll. */
function fitToContent(element: HTMLTextAreaElement, maxRows: number): void {
  const style = getComputedStyle(element);
  const px = (value: string) => Number.parseFloat(value) || 0;
  const borders = px(style.borderTopWidth) + px(style.borderBottomWidth);
  const max =
    (px(style.lineHeight) || 20) * maxRows + px(style.paddingTop) + px(style.paddingBottom) + borders;
  element.style.height = 'auto';
  // scrollHeight leaves out the borders, which a border-box height includes.
  const wanted = element.scrollHeight + (style.boxSizing === 'border-box' ? borders : 0);
  element.style.height = `${Math.min(wanted, max)}px`;
  element.style.overflowY = wanted > max ? 'auto' : 'hidden';
}

/**
 * The message input with its Send button: a text area where Enter sends and Shift+Enter starts a new
 * line (as in WhatsApp Web and Slack); Enter while an input method is composing (Japanese, Chinese…)
 * confirms the composition and sends nothing. An empty draft cannot be sent.
 */
export function Composer({ onSend, onDraftChange, label = 'Message', inputRef, maxRows = 6 }: ComposerProps) {
  const [draft, setDraft] = useState('');
  const id = useId();
  const area = useRef<HTMLTextAreaElement>(null);
  useImperativeHandle(inputRef, () => area.current as HTMLTextAreaElement, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: measured again whenever the text changes
  useLayoutEffect(() => {
    if (area.current) fitToContent(area.current, maxRows);
  }, [draft, maxRows]);

  const submit = () => {
    const text = draft.trim();
    if (!text) return;
    setDraft('');
    onSend(text);
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // keyCode 229: the key went to an input method (Safari reports isComposing late).
    if (event.nativeEvent.isComposing || event.keyCode === 229) return;
    // A key already taken by something on the field (an @-completion list picking a member) sends nothing.
    if (event.defaultPrevented) return;
    if (event.key === 'Enter' && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      submit();
    }
  };
  return (
    <form className="composer" onSubmit={onSubmit}>
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <textarea
        id={id}
        ref={area}
        value={draft}
        rows={1}
        placeholder="Write a message"
        autoComplete="off"
        maxLength={LIMITS.messageTextMaxLength}
        enterKeyHint="send"
        onKeyDown={onKeyDown}
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
