import type { ChatListItem } from '@mpi/client';
import type { MouseEvent } from 'react';
import { previewText } from './attachments/attachment-format.js';
import { callText } from './calls/call-buttons.js';
import { chatTitle, shortTime } from './format.js';
import { NewChat } from './new-chat.js';
import { navigate, routePath } from './router.js';

/** The user's chats, most recently active first, with unread badges; live. */
export function ChatList({
  chats,
  me,
  activeChatId,
}: {
  /** From `useChatList()` (called once, in the shell). */
  chats: readonly ChatListItem[];
  me: string;
  activeChatId: string | null;
}) {
  const open = (event: MouseEvent<HTMLAnchorElement>, chatId: string) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate({ name: 'chat', chatId });
  };

  return (
    <nav className="sidebar" aria-labelledby="chats-heading">
      <div className="sidebar-head">
        <h2 id="chats-heading">Chats</h2>
      </div>
      <NewChat />
      {chats.length === 0 ? (
        <p className="empty">No chats yet. Start one with a user id above.</p>
      ) : (
        <ul className="chat-list">
          {chats.map((chat) => {
            const title = chatTitle(chat, me);
            const last = chat.lastMessage;
            const preview = !last
              ? 'No messages yet'
              : last.call
                ? callText(last.call, last.senderId === me)
                : `${last.senderId === me ? 'You: ' : ''}${previewText(last)}`;
            const active = chat.id === activeChatId;
            return (
              <li key={chat.id} data-chat-id={chat.id}>
                <a
                  href={routePath({ name: 'chat', chatId: chat.id })}
                  className={`chat-item${active ? ' active' : ''}${chat.unreadCount > 0 ? ' unread' : ''}`}
                  aria-current={active ? 'page' : undefined}
                  onClick={(event) => open(event, chat.id)}
                >
                  <span className="avatar" aria-hidden="true">
                    {chat.type === 'group' ? '#' : title.slice(0, 1).toUpperCase()}
                  </span>
                  <span className="chat-item-main">
                    <span className="chat-item-title">{title}</span>
                    <span className="chat-item-preview">{preview}</span>
                  </span>
                  <span className="chat-item-side">
                    {last && (
                      <time className="chat-item-time" dateTime={last.createdAt}>
                        {shortTime(last.createdAt)}
                      </time>
                    )}
                    {chat.unreadCount > 0 && (
                      <span className="badge" data-testid="unread-badge">
                        {chat.unreadCount > 99 ? '99+' : chat.unreadCount}
                        <span className="visually-hidden"> unread</span>
                      </span>
                    )}
                  </span>
                </a>
              </li>
            );
          })}
        </ul>
      )}
    </nav>
  );
}
