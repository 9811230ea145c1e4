import type { ChatListItem, ChatMessage, MessageStatus } from '@mpi/client';
import { Composer, useChat, useFileUploads, useVoiceRecorder } from '@mpi/react';
import { Fragment, type ReactNode, useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { AttachControls } from './attachments/attach-controls.js';
import { MessageAttachments } from './attachments/message-attachments.js';
import { UploadTray } from './attachments/upload-tray.js';
import { CallButtons, CallEntry } from './calls/call-buttons.js';
import { useUnreadDivider } from './chat/use-unread-divider.js';
import { EncryptedMark, EncryptionBanner, unreadableText } from './encryption.js';
import { chatTitle, clockTime, dayKey, dayLabel, dmPeer, fullDateTime } from './format.js';
import { ClockIcon } from './icons.js';
import { useJumpTarget } from './jump-to-message.js';
import { MessageActions, useLongPress } from './message-actions.js';
import { MessageContent } from './message-content.js';
import { type MessageUi, useMessageUi } from './message-ui.js';
import { Avatar } from './people/avatar.js';
import { MentionCompletion } from './people/mention-completion.js';
import { mentionsIn } from './people/mentions.js';
import { MuteToggle } from './people/mute-toggle.js';
import { presenceText } from './people/presence-text.js';
import { usePeople } from './people/use-people.js';
import { ReplyPreview } from './reply-preview.js';
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
  ui,
}: {
  message: ChatMessage;
  senderName: string;
  mentionsMe: boolean;
  showSender: boolean;
  onRetry(): void;
  onDiscard(): void;
  ui: MessageUi;
}) {
  const tick = message.status === 'received' ? null : TICK[message.status];
  const unreadable = unreadableText(message);
  const longPress = useLongPress(message, ui);
  return (
    <li
      className={`message ${message.own ? 'own' : 'theirs'}${mentionsMe ? ' mentions-me' : ''}`}
      data-status={message.status}
      data-seq={message.seq ?? undefined}
      data-encryption={message.encryption}
      data-message-id={message.id ?? undefined}
    >
      <div className="bubble" {...longPress}>
        {showSender && !message.own && <span className="sender">{senderName}</span>}
        <span className="visually-hidden">{message.own ? 'You' : senderName}: </span>
        {message.call && <CallEntry call={message.call} own={message.own} />}
        {message.attachments && message.deletedAt === null && (
          <MessageAttachments attachments={message.attachments} />
        )}
        {unreadable ? (
          <span className="text unreadable">{unreadable}</span>
        ) : (
          (message.text !== '' || message.deletedAt !== null || ui.editingId === message.id) && (
            <MessageContent message={message} ui={ui} />
          )
        )}
        <span className="meta">
          <time dateTime={message.createdAt} title={fullDateTime(message.createdAt)}>
            {clockTime(message.createdAt)}
          </time>
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
      <MessageActions message={message} ui={ui} />
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
  const ui = useMessageUi(chatId, me, item?.type === 'group');
  useJumpTarget(chatId, chat);
  const files = useFileUploads(chatId);
  const recorder = useVoiceRecorder();
  const [dragging, setDragging] = useState(false);
  const sendFiles = (list: readonly File[]) => {
    stickToBottom.current = true;
    for (const file of list) void files.send(file);
  };
  const [announcement, setAnnouncement] = useState('');
  const listRef = useRef<HTMLElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const headingId = useId();
  const people = usePeople();
  const nameOf = (userId: string) => people.displayName(userId);
  const peer = item ? dmPeer(item, me) : null;
  const members = item?.members ?? [];
  const now = useNow(peer !== null, 30_000); // "last seen 5 min ago" keeps up

  const title = item ? chatTitle(item, me, nameOf) : 'Chat';
  const isGroup = item?.type === 'group';
  const messages = chat.messages;
  const firstKey = messages[0]?.clientMessageId ?? null;
  const last = messages.at(-1);
  const lastKey = last?.clientMessageId ?? null;
  const dividerKey = useUnreadDivider(messages, chat.unreadCount);
  // Scrolled up from the latest: a "Jump to latest" button, with what arrived meanwhile.
  const [away, setAway] = useState(false);
  const [arrivedAway, setArrivedAway] = useState(0);

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
    const arrived = previousLast.current !== null && previousLast.current !== lastKey;
    if (previousLast.current === null && dividerKey !== null) {
      // Opened with unread messages: start at the first of them (or at the bottom if they all fit).
      list.scrollTop = list.scrollHeight;
      const divider = list.querySelector<HTMLElement>('.unread-divider');
      const above = divider ? divider.getBoundingClientRect().top - list.getBoundingClientRect().top : 0;
      if (above < 0) list.scrollTop += above - 8;
    } else if (stickToBottom.current || last?.own) {
      list.scrollTop = list.scrollHeight;
    } else if (arrived && !last?.own) {
      setArrivedAway((count) => count + 1);
    }
    // Announce messages that arrive while the chat is open (not the history that loads with it).
    if (arrived && last && !last.own) {
      setAnnouncement(
        `New message from ${people.displayName(last.senderId)}: ${unreadableText(last) ?? last.text}`,
      );
    }
    previousLast.current = lastKey;
  }, [lastKey, last, dividerKey, people]);

  const jumpToLatest = () => {
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight;
    stickToBottom.current = true;
    setAway(false);
    setArrivedAway(0);
  };

  const loadOlder = () => {
    const list = listRef.current;
    if (!chat.hasMore || chat.loadingOlder) return;
    if (list) anchor.current = { firstKey, fromBottom: list.scrollHeight - list.scrollTop };
    void chat.loadOlder();
  };

  const onScroll = () => {
    const list = listRef.current;
    if (!list) return;
    const fromBottom = list.scrollHeight - list.scrollTop - list.clientHeight;
    stickToBottom.current = fromBottom < 60;
    setAway(fromBottom > 240);
    if (stickToBottom.current) setArrivedAway(0);
    if (list.scrollTop < 60) loadOlder();
  };

  // Senders who are no longer members are not in the chat list's profiles.
  const senders = [...new Set(messages.map((message) => message.senderId))].join(' ');
  useEffect(() => {
    if (senders) void people.loadProfiles(senders.split(' '));
  }, [people, senders]);

  const typing = typingText(chat.typingUserIds.map(nameOf));
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
        {item?.type === 'dm' && <CallButtons chatId={chatId} />}
      </header>
      {item?.encrypted && <EncryptionBanner chatId={chatId} others={item.members.filter((m) => m !== me)} />}
      <div className="messages-pane">
        {/* The scrolling region is focusable, so the keyboard can scroll it (arrows, Page Up/Down). */}
        <section
          className="messages"
          ref={listRef}
          onScroll={onScroll}
          aria-label={`Messages with ${title}`}
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
          tabIndex={0}
        >
          <ol className="message-list">
            {chat.hasMore && (
              <li className="history-more">
                <button
                  type="button"
                  className="link-button"
                  onClick={loadOlder}
                  disabled={chat.loadingOlder}
                >
                  {chat.loadingOlder ? 'Loading…' : 'Load older messages'}
                </button>
              </li>
            )}
            {!chat.hasMore && messages.length === 0 && <li className="empty">No messages yet. Say hello!</li>}
            {messages.map((message, index) => (
              <Fragment key={message.clientMessageId}>
                {dayKey(message.createdAt) !== dayKey(messages[index - 1]?.createdAt ?? '') && (
                  <li className="day-separator">
                    <span>{dayLabel(message.createdAt)}</span>
                  </li>
                )}
                {message.clientMessageId === dividerKey && (
                  <li className="unread-divider">
                    <span>New messages</span>
                  </li>
                )}
                <MessageItem
                  message={message}
                  senderName={nameOf(message.senderId)}
                  mentionsMe={message.mentions.includes(me)}
                  showSender={isGroup}
                  onRetry={() => void chat.retry(message.clientMessageId)}
                  onDiscard={() => void chat.discard(message.clientMessageId)}
                  ui={ui}
                />
              </Fragment>
            ))}
          </ol>
        </section>
        {away && (
          <button type="button" className="jump-latest" onClick={jumpToLatest}>
            {arrivedAway > 0 ? `${arrivedAway} new · Jump to latest` : 'Jump to latest'}
          </button>
        )}
      </div>
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
      {ui.replyTo && <ReplyPreview message={ui.replyTo} onCancel={() => ui.setReplyTo(null)} />}
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
          jumpToLatest();
          const replyToId = ui.replyTo?.id ?? undefined;
          ui.setReplyTo(null);
          const mentions = mentionsIn(text, members, me);
          void chat.send(text, { ...(replyToId && { replyToId }), ...(mentions.length > 0 && { mentions }) });
        }}
        onDraftChange={chat.setDraft}
      />
    </section>
  );
}
