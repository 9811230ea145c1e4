import type { ChatMessage } from '@mpi/client';
import { LIMITS } from '@mpi/protocol';
import { useMessageActions } from '@mpi/react';
import { type FormEvent, useState } from 'react';
import { MessageText } from './chat/message-text.js';
import { ClockIcon } from './icons.js';
import { jumpToMessage } from './jump-to-message.js';
import type { MessageUi } from './message-ui.js';

/** Inside a bubble: the quote of the message it answers, then the text (or its edit form, or the tombstone). */
export function MessageContent({ message, ui }: { message: ChatMessage; ui: MessageUi }) {
  // A deleted reply is only its tombstone, as in the apps people know.
  const quote = message.deletedAt === null ? message.replyTo : null;
  return (
    <>
      {quote && (
        <button
          type="button"
          className="quote"
          onClick={() => jumpToMessage(message.chatId, quote.messageId)}
          aria-label={`Reply to ${quote.senderId}: ${quote.deleted ? 'message deleted' : quote.text}`}
        >
          <span className="quote-sender">{quote.senderId}</span>
          <span className={`quote-text${quote.deleted ? ' deleted' : ''}`}>
            {quote.deleted ? 'Message deleted' : quote.text}
          </span>
        </button>
      )}
      {message.deletedAt !== null ? (
        <span className="text deleted">Message deleted</span>
      ) : ui.editingId === message.id && message.id !== null ? (
        <EditForm message={message} ui={ui} />
      ) : (
        <MessageText text={message.text} />
      )}
      {message.editedAt !== null && message.deletedAt === null && <span className="edited">edited</span>}
      {message.syncing && (
        <span className="syncing" role="img" aria-label="Not saved yet" title="Not saved yet">
          <ClockIcon />
        </span>
      )}
    </>
  );
}

function EditForm({ message, ui }: { message: ChatMessage; ui: MessageUi }) {
  const actions = useMessageActions(message.chatId);
  const [draft, setDraft] = useState(message.text);
  const save = (event: FormEvent) => {
    event.preventDefault();
    const text = draft.trim();
    ui.setEditingId(null);
    if (text !== '' && text !== message.text && message.id !== null) void actions.edit(message.id, text);
  };
  return (
    <form className="edit-form" onSubmit={save}>
      <label className="visually-hidden" htmlFor={`edit-${message.id}`}>
        Edit message
      </label>
      <input
        id={`edit-${message.id}`}
        value={draft}
        maxLength={LIMITS.messageTextMaxLength}
        // biome-ignore lint/a11y/noAutofocus: the user just chose to edit this message
        autoFocus
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') ui.setEditingId(null);
        }}
      />
      <button type="submit">Save</button>
      <button type="button" className="link-button" onClick={() => ui.setEditingId(null)}>
        Cancel
      </button>
    </form>
  );
}
