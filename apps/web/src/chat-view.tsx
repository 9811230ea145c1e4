import type { ChatListItem, ChatMessage, MessageStatus } from '@mpi/client';
import { Composer, useChat, useFileUploads, useVoiceRecorder } from '@mpi/react';
import { type ReactNode, useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { AttachControls } from './attachments/attach-controls.js';
import { MessageAttachments } from './attachments/message-attachments.js';
import { UploadTray } from './attachments/upload-tray.js';
import { CallButtons, CallEntry } from './calls/call-buttons.js';
import { chatTitle, clockTime } from './format.js';
import { ClockIcon } from './icons.js';
import { navigate } from './router.js';
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
  showSender,
  onRetry,
  onDiscard,
}: {
  message: ChatMessage;
  showSender: boolean;
  onRetry(): void;
  onDiscard(): void;
}) {
  const tick = message.status === 'received' ? null : TICK[message.status];
  return (
    <li
      className={`message ${message.own ? 'own' : 'theirs'}`}
      data-status={message.status}
      data-seq={message.seq ?? undefined}
    >
      <div className="bubble">
        {showSender && !message.own && <span className="sender">{message.senderId}</span>}
        <span className="visually-hidden">{message.own ? 'You' : message.senderId}: </span>
        {message.call && <CallEntry call={message.call} own={message.own} />}
        {message.attachments && <MessageAttachments attachments={message.attachments} />}
        {message.text !== '' && <span className="text">{message.text}</span>}
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
  const files = useFileUploads(chatId);
  const recorder = useVoiceRecorder();
  const [dragging, setDragging] = useState(false);
  const sendFiles = (list: readonly File[]) => {
    stickToBottom.current = true;
    for (const file of list) void files.send(file);
  };
  const [announcement, setAnnouncement] = useState('');
  const listRef = useRef<HTMLOListElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const headingId = useId();

  const title = item ? chatTitle(item, me) : 'Chat';
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
      setAnnouncement(`New message from ${last.senderId}: ${last.text}`);
    }
    previousLast.current = lastKey;
  }, [lastKey, last]);

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

  const typing = typingText(chat.typingUserIds);
  return (
    <section
      className={`chat${dragging ? ' dragging' : ''}`}
      aria-labelledby={headingId}
      data-chat-id={chatId}
      // Files dropped on the conversation or pasted into it are sent to it.
      onDragOver={(event) => {
        if (!event.dataTransfer.types.includes('Files')) return;
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(event) => {
        if (event.dataTransfer.files.length === 0) return;
        event.preventDefault();
        setDragging(false);
        sendFiles([...event.dataTransfer.files]);
      }}
      onPaste={(event) => {
        const pasted = [...event.clipboardData.files];
        if (pasted.length === 0) return;
        event.preventDefault();
        sendFiles(pasted);
      }}
    >
      <header className="chat-head">
        <button
          type="button"
          className="back-button"
          onClick={() => navigate({ name: 'chats' })}
          aria-label="Back to chats"
        >
          ←
        </button>
        <div className="chat-head-text">
          <h2 id={headingId}>{title}</h2>
          <p className="chat-subtitle">
            {isGroup ? `Group · ${item?.members.length ?? 0} members` : 'Direct message'}
            {presence(isGroup, chat.presentUserIds.length)}
          </p>
        </div>
        {item?.type === 'dm' && <CallButtons chatId={chatId} />}
      </header>
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
      <UploadTray uploads={files.uploads} onCancel={files.cancel} onDismiss={files.dismiss} />
      <AttachControls
        onFiles={sendFiles}
        recorder={recorder}
        onVoice={(voice) => {
          stickToBottom.current = true;
          const extension = voice.blob.type.includes('ogg') ? 'ogg' : 'webm';
          void files.send(voice.blob, {
            name: `voice-message.${extension}`,
            voice: { durationMs: voice.durationMs, waveform: voice.waveform },
          });
        }}
      />
      <Composer
        label={`Message to ${title}`}
        inputRef={inputRef}
        onSend={(text) => {
          stickToBottom.current = true;
          void chat.send(text);
        }}
        onDraftChange={chat.setDraft}
      />
    </section>
  );
}
