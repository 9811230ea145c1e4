import type { ChatMessage } from '@mpi/client';

/** Above the composer while a reply is being written: what it answers, and a way to cancel. */
export function ReplyPreview({ message, onCancel }: { message: ChatMessage; onCancel(): void }) {
  return (
    <div className="reply-preview" role="status">
      <span className="reply-preview-text">
        Replying to <strong>{message.senderId}</strong>:{' '}
        {message.deletedAt !== null ? 'Message deleted' : message.text}
      </span>
      <button type="button" className="link-button" onClick={onCancel} aria-label="Cancel reply">
        ✕
      </button>
    </div>
  );
}
