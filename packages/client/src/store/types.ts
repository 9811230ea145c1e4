import type {
  AckOf,
  Attachment,
  CallRecord,
  ChatType,
  ErrorBody,
  MessageData,
  ReactionSummary,
  ReplyPreview,
} from '@mpi/protocol';
import type { UndecryptableReason } from '../e2e/plugin.js';

/**
 * Where a message stands, as this device sees it. Own messages go `pending` → `sent` → `delivered` →
 * `read` (or `failed`); everyone else's are `received`.
 */
export type MessageStatus = 'pending' | 'sent' | 'delivered' | 'read' | 'failed' | 'received';

/** A message in the chat store. Immutable: a change produces a new object. */
export interface ChatMessage {
  /** Server id; null while the message is pending or failed. */
  readonly id: string | null;
  readonly clientMessageId: string;
  readonly chatId: string;
  readonly senderId: string;
  readonly text: string;
  /** Server time once sent; the local time of `sendMessage` before. */
  readonly createdAt: string;
  /** Position in the chat; null while pending or failed. */
  readonly seq: number | null;
  readonly status: MessageStatus;
  /** True for the current user's messages (sent from any device). */
  readonly own: boolean;
  /** The server's error of a `failed` message. */
  readonly error: ErrorBody | null;
  /** Members the message @mentions (user ids); empty when none. */
  readonly mentions: readonly string[];
  /**
   * Only for messages of end-to-end encrypted chats: `decrypted` (`text` is the plaintext) or
   * `undecryptable` (`text` is empty; `undecryptable` says why).
   */
  readonly encryption?: 'decrypted' | 'undecryptable';
  readonly undecryptable?: UndecryptableReason;
  /** The chat's change counter at the message's last change; 0 when it never changed. */
  readonly version: number;
  /** When the sender last edited it (show "edited"), or null. */
  readonly editedAt: string | null;
  /** When it was deleted (show "message deleted"; `text` is empty), or null. */
  readonly deletedAt: string | null;
  /** The message this one answers, as it is now (edited, or `deleted`), or null. */
  readonly replyTo: ReplyPreview | null;
  /** Reactions, one entry per emoji, with who gave it. */
  readonly reactions: readonly ReactionSummary[];
  /**
   * An edit, deletion or reaction of this device waits in the outbox: the message shows it already
   * (optimistically) and settles when the server has it.
   */
  readonly syncing: boolean;
  /** The files of a sent message (absent without files). */
  readonly attachments?: readonly Attachment[];
  /** A call's entry in the history (written by the server when the call ended). */
  readonly call?: CallRecord;
}

/** One chat as the UI renders it. A new object only when something in it changed. */
export interface ChatSnapshot {
  readonly chatId: string;
  /** Sent messages in seq order, then pending and failed ones in send order. */
  readonly messages: readonly ChatMessage[];
  /** Older messages exist that are not held: `loadOlder()` fetches them. */
  readonly hasMore: boolean;
  readonly loadingOlder: boolean;
  /** Other users typing now, sorted. */
  readonly typingUserIds: readonly string[];
  /**
   * Other members with the chat open now, sorted: from the `join_chat` ack, then `user_joined` and
   * `user_left`. Empty while the chat is not joined or the connection is down (presence is unknown then).
   */
  readonly presentUserIds: readonly string[];
  readonly unreadCount: number;
}

/** One row of the chat list. */
export interface ChatListItem {
  readonly id: string;
  /** Null until the server described the chat (it appeared through an update first). */
  readonly type: ChatType | null;
  /** End-to-end encrypted; null until the server described the chat. */
  readonly encrypted: boolean | null;
  readonly name: string | null;
  readonly members: readonly string[];
  readonly lastMessage: MessageData | null;
  readonly unreadCount: number;
  /** The user muted the chat (on any device): it still counts unread, but should raise no alert. */
  readonly muted: boolean;
}

/** What the store needs from the service to load history, mark read and list chats. */
export interface ChatStoreTransport {
  getHistory(chatId: string, beforeSeq: number | undefined, limit: number): Promise<AckOf<'get_history'>>;
  markRead(chatId: string, upToSeq: number): Promise<AckOf<'mark_read'>>;
  listChats(): Promise<AckOf<'list_chats'>>;
  getMembers(chatId: string): Promise<AckOf<'get_members'>>;
}

/** The public face of the chat store (`service.chats`). */
export interface ChatStore {
  /** The user of `setupUser` (whose messages are `own`), or null before it. */
  readonly currentUserId: string | null;
  /** For `useSyncExternalStore`: runs `listener` after every change. Bound. */
  readonly subscribe: (listener: () => void) => () => void;
  /** For `useSyncExternalStore`: the chat's snapshot; the same object until the chat changes. Bound. */
  readonly getChatSnapshot: (chatId: string) => ChatSnapshot;
  /** For `useSyncExternalStore`: the chat list, most recently active first. Bound. */
  readonly getChatListSnapshot: () => readonly ChatListItem[];
  /** Fetches the page before the oldest held message (`get_history`); resolves with `hasMore`. */
  loadOlder(chatId: string): Promise<boolean>;
  /** Marks every held message of the chat read (`mark_read`); unread becomes 0 at once. */
  markChatRead(chatId: string): Promise<boolean>;
  /** Loads the chat list (`list_chats`); after this, the list also refreshes after each reconnect. */
  loadChats(): Promise<boolean>;
  /** Loads members' read and delivery marks (`get_members`), for the status of older own messages. */
  loadMembers(chatId: string): Promise<boolean>;
  listenerCount(): number;
}
