import type { ChatMessage, MessageStatus } from '@mpi/client';
import { type ReactNode, type UIEvent, useEffect, useRef } from 'react';
import { Composer } from './composer.js';
import { useChat } from './use-chat.js';

const STATUS_LABEL: Record<MessageStatus, string> = {
  pending: 'Sending…',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Not sent',
  received: '',
};
const STATUS_MARK: Record<MessageStatus, string> = {
  pending: '🕓',
  sent: '✓',
  delivered: '✓✓',
  read: '✓✓',
  failed: '⚠',
  received: '',
};

export interface DMChatProps {
  chatId: string;
  /** Heading of the conversation, e.g. the other person's name. */
  title?: ReactNode;
  /** How to show a user id (default: the id itself). */
  displayName?: (userId: string) => string;
}

function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? ''
    : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function MessageRow({
  message,
  name,
  onRetry,
  onDiscard,
}: {
  message: ChatMessage;
  name: string;
  onRetry(): void;
  onDiscard(): void;
}) {
  return (
    <li
      className={`message ${message.own ? 'own' : 'theirs'} status-${message.status}`}
      data-status={message.status}
      data-seq={message.seq ?? undefined}
    >
      {!message.own && <span className="sender">{name}</span>}
      <span className="text">
        {message.deletedAt !== null
          ? 'Message deleted'
          : message.encryption === 'undecryptable'
            ? 'This message cannot be read on this device.'
            : message.text}
      </span>
      {message.editedAt !== null && message.deletedAt === null && <span className="edited"> (edited)</span>}
      <span className="meta">
        <time dateTime={message.createdAt}>{formatTime(message.createdAt)}</time>
        {message.own && (
          <span
            className="tick"
            role="img"
            title={STATUS_LABEL[message.status]}
            aria-label={STATUS_LABEL[message.status]}
          >
            {STATUS_MARK[message.status]}
          </span>
        )}
      </span>
      {message.status === 'failed' && (
        <span className="failure" role="alert">
          {message.error?.message ?? 'Not sent.'}{' '}
          <button type="button" onClick={onRetry}>
            Retry
          </button>{' '}
          <button type="button" onClick={onDiscard}>
            Discard
          </button>
        </span>
      )}
    </li>
  );
}

function typingText(userIds: readonly string[], displayName: (id: string) => string): string {
  if (userIds.length === 0) return '';
  const names = userIds.map(displayName);
  return names.length === 1 ? `${names[0]} is typing…` : `${names.join(', ')} are typing…`;
}

/** A complete conversation view: history on scroll, optimistic sending, ticks, typing, retry. */
export function DMChat({ chatId, title, displayName = (id) => id }: DMChatProps) {
  const chat = useChat(chatId);
  const listRef = useRef<HTMLOListElement>(null);
  const lastKey = chat.messages.at(-1)?.clientMessageId;

  // Keep the newest message in view when one arrives.
  useEffect(() => {
    if (!lastKey) return;
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [lastKey]);

  const onScroll = (event: UIEvent<HTMLOListElement>) => {
    if (event.currentTarget.scrollTop < 40 && chat.hasMore && !chat.loadingOlder) void chat.loadOlder();
  };

  const typing = typingText(chat.typingUserIds, displayName);
  return (
    <section className="dm-chat" aria-label={typeof title === 'string' ? `Chat with ${title}` : 'Chat'}>
      {title && <h2 className="chat-title">{title}</h2>}
      {chat.hasMore && (
        <button
          type="button"
          className="load-older"
          onClick={() => void chat.loadOlder()}
          disabled={chat.loadingOlder}
        >
          {chat.loadingOlder ? 'Loading…' : 'Load older messages'}
        </button>
      )}
      <ol className="messages" ref={listRef} onScroll={onScroll} aria-label="Messages" aria-live="polite">
        {chat.messages.map((message) => (
          <MessageRow
            key={message.clientMessageId}
            message={message}
            name={displayName(message.senderId)}
            onRetry={() => void chat.retry(message.clientMessageId)}
            onDiscard={() => void chat.discard(message.clientMessageId)}
          />
        ))}
      </ol>
      <p className="typing" aria-live="polite">
        {typing}
      </p>
      <Composer onSend={(text) => void chat.send(text)} onDraftChange={chat.setDraft} />
    </section>
  );
}
