import type { ChatInfo, ChatSummary, MessageData, UserProfile } from '@mpi/protocol';

export interface AppendMessageInput {
  chatId: string;
  senderId: string;
  clientMessageId: string;
  text: string;
}

export interface AppendMessageResult {
  message: MessageData;
  /** True when the sender had already sent this clientMessageId: nothing new was stored. */
  duplicate: boolean;
}

export interface HistoryQuery {
  /** Only messages with a seq below this; undefined for the newest page. */
  beforeSeq?: number | undefined;
  limit: number;
}

export interface HistoryPage {
  /** Newest first. */
  messages: MessageData[];
  hasMore: boolean;
}

export interface ReceiptInput {
  chatId: string;
  userId: string;
  deviceId: string;
  upToSeq: number;
}

export interface ReceiptResult {
  /** The user's highest received seq over all devices, before and after this receipt. */
  previousUserSeq: number;
  userSeq: number;
}

export interface ReadMarkResult {
  readSeq: number;
  unreadCount: number;
}

export interface MemberState {
  userId: string;
  role: 'admin' | 'member';
  /** Highest seq received on at least one device. */
  deliveredSeq: number;
  readSeq: number;
}

/**
 * Everything the server persists, behind one interface with two implementations (SQLite and PostgreSQL)
 * that share one set of Kysely queries. Every method is safe to call concurrently.
 */
export interface Storage {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs pending migrations; idempotent. */
  migrate(): Promise<void>;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;

  upsertUser(user: UserProfile): Promise<UserProfile>;
  getUser(userId: string): Promise<UserProfile | null>;

  /** The DM chat of the pair, created on first call; concurrent calls return the same chat. */
  openDm(userA: string, userB: string): Promise<ChatInfo>;
  getChat(chatId: string): Promise<ChatInfo | null>;
  isMember(chatId: string, userId: string): Promise<boolean>;
  listMembers(chatId: string): Promise<MemberState[]>;
  /** The user's chats with last message and unread count, most recently active first. */
  listChats(userId: string): Promise<ChatSummary[]>;

  /**
   * Persists a message with the chat's next seq, atomically. Idempotent per
   * (chatId, senderId, clientMessageId): a repeat returns the stored message with `duplicate: true`.
   * Throws StorageError('CHAT_NOT_FOUND') when the chat does not exist.
   */
  appendMessage(input: AppendMessageInput): Promise<AppendMessageResult>;
  getHistory(chatId: string, query: HistoryQuery): Promise<HistoryPage>;
  /** Messages of a chat with afterSeq < seq <= upToSeq, oldest first. */
  getMessageRange(chatId: string, afterSeq: number, upToSeq: number): Promise<MessageData[]>;

  /** Cumulative receipt of one device; never moves a cursor backwards; clamps to the chat's last seq. */
  recordReceipt(input: ReceiptInput): Promise<ReceiptResult>;
  /** Cumulative read mark of a user; never moves backwards; clamps to the chat's last seq. */
  markRead(chatId: string, userId: string, upToSeq: number): Promise<ReadMarkResult>;
}
