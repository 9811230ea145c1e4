import type { Attachment, CallRecord, ChatInfo, ChatSummary, MessageData, UserProfile } from '@mpi/protocol';

export interface AppendMessageInput {
  chatId: string;
  senderId: string;
  clientMessageId: string;
  text: string;
  /** Checked beforehand (FileStorage#attachable); stored with the message and bound to it. */
  attachments?: Attachment[];
  /** Only the server's own history entry of a call. */
  call?: CallRecord;
}

export interface AppendMessageResult {
  message: MessageData;
  /** True when the sender had already sent this clientMessageId: nothing new was stored. */
  duplicate: boolean;
  /** The chat's members as of the append, with their read marks (the sender's already moved). */
  members: Array<{ userId: string; readSeq: number }>;
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

export interface ChatState {
  chat: ChatInfo;
  members: MemberState[];
}

export interface CreateGroupInput {
  creatorId: string;
  name: string;
  /** Other members; the creator is added as admin whether listed or not. */
  memberIds: string[];
}

/** Where a device's catch-up page ends; the next page starts after it. */
export interface CatchUpCursor {
  chatId: string;
  seq: number;
}

export interface PrunedGap {
  chatId: string;
  /** Messages up to this seq were deleted by retention before this device received them. */
  prunedSeq: number;
}

/** Where a device's chat catch-up starts; see {@link ChatStorage.openDeviceCatchUp}. */
export interface DeviceCatchUp {
  /** The device was set up for the first time: its cursors start at every chat's last seq. */
  newDevice: boolean;
  /** Per chat of the user, where the catch-up starts: max(device cursor or 0, joined_seq), by chat id. */
  cursors: CatchUpCursor[];
  /** Chats where retention deleted messages this device never received (cursor < pruned_seq); empty for a new device. */
  prunedGaps: PrunedGap[];
  /**
   * The `after` of the first {@link ChatStorage.pendingForDevice} page, or null when no chat has a message
   * above the device's cursor (and for a new device): then there is nothing to queue.
   */
  pendingAfter: CatchUpCursor | null;
}

export interface MemberState {
  userId: string;
  role: 'admin' | 'member';
  /** Highest seq received on at least one device. */
  deliveredSeq: number;
  readSeq: number;
}

/**
 * What chat persists: profiles, chats and members, messages, receipts and read marks, device catch-up
 * and retention. Every method is safe to call concurrently.
 */
export interface ChatStorage {
  upsertUser(user: UserProfile): Promise<UserProfile>;

  /** The DM chat of the pair, created on first call; concurrent calls return the same chat. */
  openDm(userA: string, userB: string): Promise<ChatInfo>;
  getChat(chatId: string): Promise<ChatInfo | null>;
  /** The chat with every member's role and cursors, in one round trip where the dialect allows. */
  getChatState(chatId: string): Promise<ChatState | null>;

  /** A group chat with the creator as admin; its `joined_seq` for all is 0. */
  createGroup(input: CreateGroupInput): Promise<ChatInfo>;
  /**
   * Adds members (ignoring those already in) with role 'member'; a new member's `joined_seq`, `read_seq`
   * and `delivered_seq` start at the chat's last seq, so catch-up and unread counts begin at the join.
   * Throws CHAT_NOT_FOUND, or VALIDATION_FAILED for a DM. Returns the user ids actually added.
   */
  addMembers(chatId: string, userIds: string[]): Promise<string[]>;
  /**
   * Removes a member (and their device cursors of that chat). When the last admin goes, the
   * longest-standing remaining member becomes admin. Returns false when the user was not a member.
   * Throws VALIDATION_FAILED for a DM.
   */
  removeMember(chatId: string, userId: string): Promise<boolean>;
  /** Renames a group; throws VALIDATION_FAILED for a DM, CHAT_NOT_FOUND when missing. */
  renameChat(chatId: string, name: string): Promise<ChatInfo>;
  listMembers(chatId: string): Promise<MemberState[]>;
  /** The user's chats with last message and unread count, most recently active first. */
  listChats(userId: string): Promise<ChatSummary[]>;

  /**
   * Persists a message with the chat's next seq, atomically, and moves the sender's read mark to it
   * (sending in a chat means having read it). Idempotent per
   * (chatId, senderId, clientMessageId): a repeat returns the stored message with `duplicate: true`.
   * Throws StorageError('CHAT_NOT_FOUND') when the chat does not exist and NOT_A_MEMBER when the sender is
   * not a member (checked inside the transaction, so a concurrent removal cannot slip through).
   */
  appendMessage(input: AppendMessageInput): Promise<AppendMessageResult>;
  getHistory(chatId: string, query: HistoryQuery): Promise<HistoryPage>;
  /** Messages of a chat with afterSeq < seq <= upToSeq, oldest first. */
  getMessageRange(chatId: string, afterSeq: number, upToSeq: number): Promise<MessageData[]>;

  /** Cumulative receipt of one device; never moves a cursor backwards; clamps to the chat's last seq. */
  recordReceipt(input: ReceiptInput): Promise<ReceiptResult>;
  /** Cumulative read mark of a user; never moves backwards; clamps to the chat's last seq. */
  markRead(chatId: string, userId: string, upToSeq: number): Promise<ReadMarkResult>;

  /**
   * One page of messages this device has not confirmed, over all the user's chats, ordered by
   * (chatId, seq), strictly after `after`: seq > the device's cursor of the chat (0 without a row) and
   * seq > the member's joined_seq. Includes the user's own messages sent from other devices.
   */
  pendingForDevice(
    userId: string,
    deviceId: string,
    after: CatchUpCursor | null,
    limit: number,
  ): Promise<MessageData[]>;
  /**
   * Where a device's catch-up starts, in one read for a known device (two or three statements for a new
   * one). On a device's first setup (never set up before, and no receipts of it at all) it records the
   * device and creates its cursors at every chat's last seq, so a new device starts from now and loads
   * older messages through history; a device set up while its user had no chat is known afterwards.
   */
  openDeviceCatchUp(userId: string, deviceId: string): Promise<DeviceCatchUp>;
  /** Deletes messages created before `olderThan`; records each chat's highest deleted seq. */
  pruneMessages(olderThan: Date): Promise<{ deleted: number }>;
}
