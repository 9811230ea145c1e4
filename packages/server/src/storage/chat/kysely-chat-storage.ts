import type {
  ChatInfo,
  ChatSummary,
  DeviceKey,
  MessageData,
  SearchPage,
  UserProfile,
  UserSettings,
} from '@mpi/protocol';
import type { Kysely } from 'kysely';
import type { IdFactory } from '../db/ids.js';
import type { Database } from '../db/schema.js';
import { assertSeq } from '../db/storage-error.js';
import type { WriteBatcher } from '../db/write-batcher.js';
import type {
  AppendMessageInput,
  AppendMessageResult,
  CatchUpCursor,
  ChangesReceivedInput,
  ChatState,
  ChatStorage,
  CoMember,
  CreateGroupInput,
  DeleteInput,
  DeviceCatchUp,
  EditInput,
  HistoryPage,
  HistoryQuery,
  MemberState,
  MessageChange,
  PersonRecord,
  ReactionInput,
  ReadMarkResult,
  ReceiptInput,
  ReceiptResult,
  SavedProfile,
  SearchQuery,
  VersionCursor,
} from './chat-storage.js';
import * as chats from './chats.js';
import * as catchUp from './device-catch-up.js';
import * as deviceKeys from './device-keys.js';
import * as groups from './groups.js';
import { lockKeys } from './lock-keys.js';
import * as actions from './message-actions.js';
import * as messages from './messages.js';
import * as people from './people.js';
import { markRead, ReadMarkQueries } from './read-marks.js';
import { ReceiptQueries, recordReceipt } from './receipts.js';
import { pruneMessages } from './retention.js';
import { searchMessages } from './search.js';
import { recordLastSeen, setPresenceHidden, UserQueries, upsertUser } from './users.js';

/**
 * {@link ChatStorage} over Kysely. The queries live in one module per table group; this class holds
 * their prepared statements and sends the hot writes (profiles, appends, receipts, a new device's
 * cursors, read marks) to the group commit.
 */
export class KyselyChatStorage implements ChatStorage {
  private readonly messageQueries: messages.MessageQueries;
  private readonly receiptQueries: ReceiptQueries;
  private readonly userQueries: UserQueries;
  private readonly catchUpQueries: catchUp.DeviceCatchUpQueries;
  private readonly readMarkQueries: ReadMarkQueries;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
    private readonly nextId: IdFactory,
    private readonly writes: WriteBatcher,
  ) {
    this.messageQueries = new messages.MessageQueries(db);
    this.receiptQueries = new ReceiptQueries(db);
    this.userQueries = new UserQueries(db);
    this.catchUpQueries = new catchUp.DeviceCatchUpQueries(db);
    this.readMarkQueries = new ReadMarkQueries(db);
  }

  upsertUser(user: UserProfile): Promise<SavedProfile> {
    return this.writes.submit(() => upsertUser(this.userQueries, user), ['user', user.id]);
  }

  setPresenceHidden(userId: string, hidden: boolean): Promise<UserSettings> {
    return this.writes.submit(() => setPresenceHidden(this.userQueries, userId, hidden), ['user', userId]);
  }

  recordLastSeen(userId: string, at: string): Promise<void> {
    return this.writes.submit(() => recordLastSeen(this.userQueries, userId, at), ['user', userId]);
  }

  getPeople(userIds: readonly string[]): Promise<PersonRecord[]> {
    return people.getPeople(this.db, userIds);
  }

  coMembers(userId: string): Promise<CoMember[]> {
    return people.coMembers(this.db, userId);
  }

  setMuted(chatId: string, userId: string, muted: boolean): Promise<void> {
    return people.setMuted(this.db, chatId, userId, muted);
  }

  mutedAmong(chatId: string, userIds: readonly string[]): Promise<Set<string>> {
    return people.mutedAmong(this.db, chatId, userIds);
  }

  openDm(userA: string, userB: string, options: { encrypted?: boolean | undefined } = {}): Promise<ChatInfo> {
    return chats.openDm(this.db, this.nextId, userA, userB, options.encrypted);
  }

  getChat(chatId: string): Promise<ChatInfo | null> {
    return chats.getChat(this.db, chatId);
  }

  getChatState(chatId: string): Promise<ChatState | null> {
    return chats.getChatState(this.db, chatId);
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
    return this.writes.submit(
      () => messages.appendMessage(this.messageQueries, this.nextId, input),
      lockKeys.append(input.chatId),
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
    return this.writes.submit(
      () => recordReceipt(this.receiptQueries, input),
      lockKeys.receipt(input.chatId, input.userId, input.deviceId),
    );
  }

  async markRead(chatId: string, userId: string, upToSeq: number): Promise<ReadMarkResult> {
    assertSeq(upToSeq, 'upToSeq');
    return this.writes.submit(
      () => markRead(this.readMarkQueries, chatId, userId, upToSeq),
      lockKeys.readMark(chatId, userId),
    );
  }

  pendingForDevice(
    userId: string,
    deviceId: string,
    after: CatchUpCursor | null,
    limit: number,
  ): Promise<MessageData[]> {
    return catchUp.pendingForDevice(this.db, userId, deviceId, after, limit);
  }

  openDeviceCatchUp(userId: string, deviceId: string): Promise<DeviceCatchUp> {
    return catchUp.openDeviceCatchUp(this.db, this.catchUpQueries, this.writes, userId, deviceId);
  }

  publishDeviceKey(userId: string, deviceId: string, publicKey: string): Promise<DeviceKey> {
    return deviceKeys.publishDeviceKey(this.db, userId, deviceId, publicKey);
  }

  chatDeviceKeys(chatId: string): Promise<DeviceKey[]> {
    return deviceKeys.chatDeviceKeys(this.db, chatId);
  }

  editMessage(input: EditInput): Promise<MessageChange> {
    return this.writes.submit(() => actions.editMessage(this.db, input), lockKeys.append(input.chatId));
  }

  deleteMessage(input: DeleteInput): Promise<MessageChange> {
    return this.writes.submit(() => actions.deleteMessage(this.db, input), lockKeys.append(input.chatId));
  }

  reactToMessage(input: ReactionInput): Promise<MessageChange> {
    return this.writes.submit(() => actions.reactToMessage(this.db, input), lockKeys.append(input.chatId));
  }

  async recordChangesReceived(input: ChangesReceivedInput): Promise<{ version: number }> {
    assertSeq(input.upToVersion, 'upToVersion');
    return this.writes.submit(
      () => actions.recordChangesReceived(this.db, input),
      lockKeys.receipt(input.chatId, input.userId, input.deviceId),
    );
  }

  updatesForDevice(
    userId: string,
    deviceId: string,
    after: VersionCursor | null,
    limit: number,
  ): Promise<MessageData[]> {
    return catchUp.updatesForDevice(this.db, userId, deviceId, after, limit);
  }

  searchMessages(query: SearchQuery): Promise<SearchPage> {
    return searchMessages(this.db, this.dialect, query);
  }

  pruneMessages(olderThan: Date): Promise<{ deleted: number }> {
    return pruneMessages(this.db, olderThan);
  }
}
