import type { ChatListItem } from '@mpi/client';
import type { MouseEvent } from 'react';
import { previewText as attachmentPreview } from './attachments/attachment-format.js';
import { callText } from './calls/call-buttons.js';
import { EncryptedMark, previewText } from './encryption.js';
import { chatTitle, dmPeer, fullDateTime, shortTime } from './format.js';
import { BellOffIcon } from './icons.js';
import { NewChat } from './new-chat.js';
import { Avatar } from './people/avatar.js';
import { PresenceSetting } from './people/presence-setting.js';
import { usePeople } from './people/use-people.js';
import { navigate, routePath } from './router.js';
import { SearchBox } from './search-box.js';
import { useNow } from './use-now.js';

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
  const people = usePeople();
  const nameOf = (userId: string) => people.displayName(userId);
  // Relative dates ("Yesterday", "Monday") move on at midnight without any new message.
  const now = new Date(useNow(true, 60_000));
  const open = (event: MouseEvent<HTMLAnchorElement>, chatId: string) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate({ name: 'chat', chatId });
  };

  return (
    <nav className="sidebar" aria-labelledby="chats-heading">
      <div className="sidebar-head">
        <h2 id="chats-heading">Chats</h2>
        <PresenceSetting />
      </div>
      <NewChat />
      <SearchBox chats={chats} me={me} />
      {chats.length === 0 ? (
        <p className="empty">No chats yet. Start one with a user id above.</p>
      ) : (
        <ul className="chat-list">
          {chats.map((chat) => {
            const title = chatTitle(chat, me, nameOf);
            const last = chat.lastMessage;
            const from = last && chat.type === 'group' ? `${nameOf(last.senderId)}: ` : '';
            const preview = !last
              ? 'No messages yet'
              : last.call
                ? callText(last.call, last.senderId === me)
                : `${last.senderId === me ? 'You: ' : from}${attachmentPreview({ ...last, text: previewText(last) })}`;
            const peer = dmPeer(chat, me);
            const active = chat.id === activeChatId;
            return (
              <li key={chat.id} data-chat-id={chat.id}>
                <a
                  href={routePath({ name: 'chat', chatId: chat.id })}
                  className={`chat-item${active ? ' active' : ''}${chat.unreadCount > 0 ? ' unread' : ''}`}
                  aria-current={active ? 'page' : undefined}
                  onClick={(event) => open(event, chat.id)}
                >
                  {peer ? (
                    <Avatar
                      userId={peer}
                      profile={people.getProfile(peer)}
                      presence={people.getPresence(peer)}
                    />
                  ) : (
                    <span className="avatar" aria-hidden="true">
                      #
                    </span>
                  )}
                  <span className="chat-item-main">
                    <span className="chat-item-title">
                      {title}
                      {chat.encrypted && <EncryptedMark />}
                    </span>
                    <span className="chat-item-preview">{preview}</span>
                  </span>
                  <span className="chat-item-side">
                    {last && (
                      <time
                        className="chat-item-time"
                        dateTime={last.createdAt}
                        title={fullDateTime(last.createdAt)}
                      >
                        {shortTime(last.createdAt, now)}
                      </time>
                    )}
                    {chat.muted && (
                      <span className="muted-mark" title="Muted" data-testid="muted-mark">
                        <BellOffIcon size={14} />
                        <span className="visually-hidden"> muted</span>
                      </span>
                    )}
                    {chat.unreadCount > 0 && (
                      <span className={`badge${chat.muted ? ' badge-muted' : ''}`} data-testid="unread-badge">
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
