import type { ChatListItem, ChatMessage, MessageStatus } from '@mpi/client';
import { Composer, useChat } from '@mpi/react';
import { type ReactNode, useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { EncryptedMark, EncryptionBanner, unreadableText } from './encryption.js';
import { chatTitle, clockTime, dmPeer } from './format.js';
import { ClockIcon } from './icons.js';
import { Avatar } from './people/avatar.js';
import { MentionCompletion } from './people/mention-completion.js';
import { mentionsIn } from './people/mentions.js';
import { MuteToggle } from './people/mute-toggle.js';
import { presenceText } from './people/presence-text.js';
import { usePeople } from './people/use-people.js';
import { navigate } from './router.js';
import { useNow } from './use-now.js';
import { usePageVisible } from './use-page-visible.js';

const TICK: Record<Exclude<MessageStatus, 'received'>, { mark: ReactNode; label: string }> = {
  pending: { mark: <ClockIcon />, label: 'Sending' },
  sent: { mark: '✓', label: 'Sent' },
  delivered: { mark: '✓✓', label: 'Delivered' },
  read: { mark: '✓✓', label: 'Read' },
  failed: { mark: '!', label: 'Not sent' },
};

function MessageItem({
  message,
  senderName,
  mentionsMe,
  showSender,
  onRetry,
  onDiscard,
}: {
  message: ChatMessage;
  senderName: string;
  mentionsMe: boolean;
  showSender: boolean;
  onRetry(): void;
  onDiscard(): void;
}) {
  const tick = message.status === 'received' ? null : TICK[message.status];
  const unreadable = unreadableText(message);
  return (
    <li
      className={`message ${message.own ? 'own' : 'theirs'}${mentionsMe ? ' mentions-me' : ''}`}
      data-status={message.status}
      data-seq={message.seq ?? undefined}
      data-encryption={message.encryption}
    >
      <div className="bubble">
        {showSender && !message.own && <span className="sender">{senderName}</span>}
        <span className="visually-hidden">{message.own ? 'You' : senderName}: </span>
        {unreadable ? (
          <span className="text unreadable">{unreadable}</span>
        ) : (
          <span className="text">{message.text}</span>
        )}
        <span className="meta">
          <time dateTime={message.createdAt}>{clockTime(message.createdAt)}</time>
          {tick && (
            <span
              className={`tick tick-${message.status}`}
              role="img"
              aria-label={tick.label}
              title={tick.label}
            >
              {tick.mark}
            </span>
          )}
        </span>
      </div>
      {message.status === 'failed' && (
        <div className="failure" role="alert">
          <span>Not sent{message.error ? `: ${message.error.message}` : '.'}</span>
          <button type="button" className="link-button" onClick={onRetry}>
            Retry
          </button>
          <button type="button" className="link-button" onClick={onDiscard}>
            Discard
          </button>
        </div>
      )}
    </li>
  );
}

/** Who else has the chat open (from the join and then user_joined / user_left). */
function presence(isGroup: boolean, present: number): string {
  if (present === 0) return '';
  return isGroup ? ` · ${present} here now` : ' · here now';
}

function typingText(userIds: readonly string[]): string {
  if (userIds.length === 0) return '';
  if (userIds.length === 1) return `${userIds[0]} is typing…`;
  if (userIds.length <= 3) return `${userIds.join(', ')} are typing…`;
  return `${userIds.length} people are typing…`;
}

/**
 * One conversation (DM or group), composed from `useChat`: optimistic sending with ✓ / ✓✓ / read ticks,
 * retry of failed messages, typing indicator, older history on scroll, read marks while shown.
 */
export function ChatView({
  chatId,
  me,
  item,
}: {
  chatId: string;
  me: string;
  /** The chat's row of the chat list (title, type, members), once known. */
  item: ChatListItem | undefined;
}) {
  // Read marks only while the user can see the chat (a background tab reads nothing).
  const chat = useChat(chatId, { markReadOnView: usePageVisible() });
  const [announcement, setAnnouncement] = useState('');
  const listRef = useRef<HTMLOListElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const headingId = useId();
  const people = usePeople();
  const nameOf = (userId: string) => people.displayName(userId);
  const peer = item ? dmPeer(item, me) : null;
  const now = useNow(peer !== null, 30_000); // "last seen 5 min ago" keeps up
  const members = item?.members ?? [];

  const title = item ? chatTitle(item, me, nameOf) : 'Chat';
  const isGroup = item?.type === 'group';
  const messages = chat.messages;
  const firstKey = messages[0]?.clientMessageId ?? null;
  const last = messages.at(-1);
  const lastKey = last?.clientMessageId ?? null;

  // Focus the composer when a chat opens, so typing can start at once.
  useEffect(() => {
    if (chatId) inputRef.current?.focus();
  }, [chatId]);

  // Keep the reading position when older messages are put above it.
  const anchor = useRef<{ firstKey: string | null; fromBottom: number } | null>(null);
  useLayoutEffect(() => {
    const list = listRef.current;
    const saved = anchor.current;
    if (list && saved && saved.firstKey !== firstKey) {
      list.scrollTop = list.scrollHeight - saved.fromBottom;
    }
    anchor.current = null;
  }, [firstKey]);

  // Follow new messages when the reader is at the bottom, or sent one themselves.
  const stickToBottom = useRef(true);
  const previousLast = useRef<string | null>(null);
  useLayoutEffect(() => {
    const list = listRef.current;
    if (!list || lastKey === null) return;
    if (stickToBottom.current || last?.own) list.scrollTop = list.scrollHeight;
    // Announce messages that arrive while the chat is open (not the history that loads with it).
    if (previousLast.current !== null && previousLast.current !== lastKey && last && !last.own) {
      setAnnouncement(
        `New message from ${people.displayName(last.senderId)}: ${unreadableText(last) ?? last.text}`,
      );
    }
    previousLast.current = lastKey;
  }, [lastKey, last, people]);

  const loadOlder = () => {
    const list = listRef.current;
    if (!chat.hasMore || chat.loadingOlder) return;
    if (list) anchor.current = { firstKey, fromBottom: list.scrollHeight - list.scrollTop };
    void chat.loadOlder();
  };

  const onScroll = () => {
    const list = listRef.current;
    if (!list) return;
    stickToBottom.current = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
    if (list.scrollTop < 60) loadOlder();
  };

  // Senders who are no longer members are not in the chat list's profiles.
  const senders = [...new Set(messages.map((message) => message.senderId))].join(' ');
  useEffect(() => {
    if (senders) void people.loadProfiles(senders.split(' '));
  }, [people, senders]);

  const typing = typingText(chat.typingUserIds.map(nameOf));
  return (
    <section className="chat" aria-labelledby={headingId} data-chat-id={chatId}>
      <header className="chat-head">
        <button
          type="button"
          className="back-button"
          onClick={() => navigate({ name: 'chats' })}
          aria-label="Back to chats"
        >
          ←
        </button>
        {peer && (
          <Avatar userId={peer} profile={people.getProfile(peer)} presence={people.getPresence(peer)} />
        )}
        <div className="chat-head-text">
          <h2 id={headingId}>
            {title}
            {item?.encrypted && <EncryptedMark />}
          </h2>
          <p className="chat-subtitle">
            {isGroup ? `Group · ${item?.members.length ?? 0} members` : 'Direct message'}
            {presence(isGroup, chat.presentUserIds.length)}
          </p>
          {peer && (
            <p className="chat-presence" data-testid="peer-presence">
              {presenceText(people.getPresence(peer), now)}
            </p>
          )}
        </div>
        <MuteToggle chatId={chatId} />
      </header>
      {item?.encrypted && <EncryptionBanner chatId={chatId} others={item.members.filter((m) => m !== me)} />}
      <ol className="messages" ref={listRef} onScroll={onScroll} aria-label={`Messages with ${title}`}>
        {chat.hasMore && (
          <li className="history-more">
            <button type="button" className="link-button" onClick={loadOlder} disabled={chat.loadingOlder}>
              {chat.loadingOlder ? 'Loading…' : 'Load older messages'}
            </button>
          </li>
        )}
        {!chat.hasMore && messages.length === 0 && <li className="empty">No messages yet. Say hello!</li>}
        {messages.map((message) => (
          <MessageItem
            key={message.clientMessageId}
            message={message}
            senderName={nameOf(message.senderId)}
            mentionsMe={message.mentions.includes(me)}
            showSender={isGroup}
            onRetry={() => void chat.retry(message.clientMessageId)}
            onDiscard={() => void chat.discard(message.clientMessageId)}
          />
        ))}
      </ol>
      <p className="typing" aria-live="polite">
        {typing}
      </p>
      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>
      <MentionCompletion
        fieldRef={inputRef}
        candidates={members
          .filter((id) => id !== me)
          .map((userId) => ({ userId, name: people.getProfile(userId)?.name }))}
      />
      <Composer
        label={`Message to ${title}`}
        inputRef={inputRef}
        onSend={(text) => {
          stickToBottom.current = true;
          void chat.send(text, { mentions: mentionsIn(text, members, me) });
        }}
        onDraftChange={chat.setDraft}
      />
    </section>
  );
}
