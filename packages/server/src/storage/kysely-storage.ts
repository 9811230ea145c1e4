import type { ChatInfo, ChatSummary, MessageData, UserProfile } from '@mpi/protocol';
import { type Kysely, sql } from 'kysely';
import * as chats from './chat-store.js';
import * as cursors from './cursor-store.js';
import { openDeviceCatchUp } from './device-catch-up-store.js';
import * as groups from './group-store.js';
import { createIdFactory } from './ids.js';
import { KyselyNotificationStorage } from './kysely-notifications.js';
import * as messages from './message-store.js';
import { migrateToLatest } from './migrations.js';
import type { NotificationStorage } from './notification-storage.js';
import { ReceiptQueries, recordReceiptIn } from './receipt-store.js';
import { assertSeq, type IdFactory } from './rows.js';
import type { Database } from './schema.js';
import type {
  AppendMessageInput,
  AppendMessageResult,
  CatchUpCursor,
  ChatState,
  CreateGroupInput,
  DeviceCatchUp,
  HistoryPage,
  HistoryQuery,
  MemberState,
  PrunedGap,
  ReadMarkResult,
  ReceiptInput,
  ReceiptResult,
  Storage,
} from './storage.js';
import * as users from './user-store.js';
import { WriteBatcher } from './write-batcher.js';

export { StorageError } from './storage-error.js';

/**
 * The one {@link Storage} implementation: the same Kysely queries run on SQLite and PostgreSQL. Build it
 * with `openStorage()`, which picks the dialect and runs migrations. The queries live in one module per
 * concern (users, chats, groups, messages, cursors); this class only owns the connection and the ids.
 */
export class KyselyStorage implements Storage {
  private readonly nextId: IdFactory = createIdFactory();
  private closed = false;
  readonly notifications: NotificationStorage;
  /** Group commit of the hot writes: appends and receipts of one event-loop turn share a transaction. */
  private readonly writes: WriteBatcher;
  private readonly messageQueries: messages.MessageQueries;
  private readonly receiptQueries: ReceiptQueries;

  constructor(
    private readonly db: Kysely<Database>,
    readonly dialect: 'sqlite' | 'postgres',
  ) {
    this.writes = new WriteBatcher(db);
    this.messageQueries = new messages.MessageQueries(db);
    this.receiptQueries = new ReceiptQueries(db);
    this.notifications = new KyselyNotificationStorage(db, dialect, this.nextId, this.writes);
  }

  async migrate(): Promise<void> {
    await migrateToLatest(this.db);
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writes.drain();
    await this.db.destroy();
  }

  upsertUser(user: UserProfile): Promise<UserProfile> {
    return this.writes.submit((trx) => users.upsertUser(this.db, user, trx));
  }

  getUser(userId: string): Promise<UserProfile | null> {
    return users.getUser(this.db, userId);
  }

  openDm(userA: string, userB: string): Promise<ChatInfo> {
    return chats.openDm(this.db, this.nextId, userA, userB);
  }

  getChat(chatId: string): Promise<ChatInfo | null> {
    return chats.getChat(this.db, chatId);
  }

  getChatState(chatId: string): Promise<ChatState | null> {
    return chats.getChatState(this.db, chatId);
  }

  isMember(chatId: string, userId: string): Promise<boolean> {
    return chats.isMember(this.db, chatId, userId);
  }

  createGroup(input: CreateGroupInput): Promise<ChatInfo> {
    return groups.createGroup(this.db, this.nextId, input);
  }

  addMembers(chatId: string, userIds: string[]): Promise<string[]> {
    return groups.addMembers(this.db, chatId, userIds);
  }

  removeMember(chatId: string, userId: string): Promise<boolean> {
    return groups.removeMember(this.db, chatId, userId);
  }

  renameChat(chatId: string, name: string): Promise<ChatInfo> {
    return groups.renameChat(this.db, chatId, name);
  }

  listMembers(chatId: string): Promise<MemberState[]> {
    return chats.listMembers(this.db, chatId);
  }

  listChats(userId: string): Promise<ChatSummary[]> {
    return chats.listChats(this.db, userId);
  }

  appendMessage(input: AppendMessageInput): Promise<AppendMessageResult> {
    return this.writes.submit((trx) =>
      messages.appendMessageIn(trx, this.messageQueries, this.nextId, input),
    );
  }

  getHistory(chatId: string, query: HistoryQuery): Promise<HistoryPage> {
    return messages.getHistory(this.db, chatId, query);
  }

  getMessageRange(chatId: string, afterSeq: number, upToSeq: number): Promise<MessageData[]> {
    return messages.getMessageRange(this.db, this.messageQueries, chatId, afterSeq, upToSeq);
  }

  async recordReceipt(input: ReceiptInput): Promise<ReceiptResult> {
    assertSeq(input.upToSeq, 'upToSeq');
    return this.writes.submit((trx) => recordReceiptIn(trx, this.receiptQueries, input));
  }

  markRead(chatId: string, userId: string, upToSeq: number): Promise<ReadMarkResult> {
    return cursors.markRead(this.db, chatId, userId, upToSeq);
  }

  initDeviceCursors(userId: string, deviceId: string): Promise<boolean> {
    return cursors.initDeviceCursors(this.db, userId, deviceId);
  }

  deviceCursors(userId: string, deviceId: string): Promise<CatchUpCursor[]> {
    return cursors.deviceCursors(this.db, userId, deviceId);
  }

  pendingForDevice(
    userId: string,
    deviceId: string,
    after: CatchUpCursor | null,
    limit: number,
  ): Promise<MessageData[]> {
    return cursors.pendingForDevice(this.db, userId, deviceId, after, limit);
  }

  openDeviceCatchUp(userId: string, deviceId: string): Promise<DeviceCatchUp> {
    return openDeviceCatchUp(this.db, (write) => this.writes.submit(write), userId, deviceId);
  }

  prunedGapsForDevice(userId: string, deviceId: string): Promise<PrunedGap[]> {
    return cursors.prunedGapsForDevice(this.db, userId, deviceId);
  }

  pruneMessages(olderThan: Date): Promise<{ deleted: number }> {
    return cursors.pruneMessages(this.db, olderThan);
  }
}
