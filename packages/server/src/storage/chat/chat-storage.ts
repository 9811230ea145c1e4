import type {
  Attachment,
  CallRecord,
  ChatInfo,
  ChatSummary,
  DeviceKey,
  E2eEnvelope,
  MessageData,
  SearchPage,
  UserProfile,
  UserSettings,
} from '@mpi/protocol';

export interface AppendMessageInput {
  chatId: string;
  senderId: string;
  clientMessageId: string;
  /** Empty with an envelope. */
  text: string;
  /** User ids the sender @mentions; those who are not other members of the chat are dropped. */
  mentions?: readonly string[] | undefined;
  /** The end-to-end encrypted body, stored as it is. */
  envelope?: E2eEnvelope | undefined;
  /** The message of the same chat this one answers. */
  replyToId?: string | undefined;
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

export interface SavedProfile {
  user: UserProfile;
  settings: UserSettings;
  /** The name or avatar of a known user changed (false for a user seen for the first time). */
  changed: boolean;
}

/** What others may learn of a user: the profile, and the presence facts the viewer's rules filter. */
export interface PersonRecord {
  profile: UserProfile;
  /** When the user's last connection closed; null when never recorded. */
  lastSeenAt: string | null;
  hidePresence: boolean;
}

/** Someone who shares at least one chat with a user, with their presence setting. */
export interface CoMember {
  userId: string;
  hidePresence: boolean;
}

export interface MessageActionInput {
  chatId: string;
  messageId: string;
  /** Who acts: a member of the chat. */
  userId: string;
}

export interface EditInput extends MessageActionInput {
  text: string;
  /** How long after it was sent a message can be edited. */
  editWindowMs: number;
}

export type DeleteInput = MessageActionInput;

export interface ReactionInput extends MessageActionInput {
  emoji: string;
  action: 'add' | 'remove';
}

export interface MessageChange {
  /** The message as it is after the action, with its reply preview and reactions. */
  message: MessageData;
  /** False for a repeat: the message already was in this state and nothing was stored. */
  changed: boolean;
  /** The chat's members, at the time of the action. */
  memberIds: string[];
  /** The chat's last seq: the message is the chat's last one when its seq equals it. */
  lastSeq: number;
}

export interface ChangesReceivedInput {
  chatId: string;
  userId: string;
  deviceId: string;
  upToVersion: number;
}

export interface SearchQuery {
  userId: string;
  text: string;
  chatId?: string | undefined;
  /** Only messages with an id below this (the last of the previous page). */
  cursor?: string | undefined;
  limit: number;
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
  encrypted?: boolean | undefined;
}

/** Where a device's catch-up page ends; the next page starts after it. */
export interface CatchUpCursor {
  chatId: string;
  seq: number;
}

/** Where a device's change catch-up page ends, or where a chat's change cursor stands. */
export interface VersionCursor {
  chatId: string;
  version: number;
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
  /** Per chat of the user, its last version now: the device holds every change up to it after catch-up. */
  versions: VersionCursor[];
  /**
   * The `after` of the first {@link ChatStorage.updatesForDevice} page, or null when no chat changed after
   * the device's change cursor (and for a new device).
   */
  updatesAfter: VersionCursor | null;
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
  /** Stores the profile (created on first sight); fields left undefined keep their stored value. */
  upsertUser(user: UserProfile): Promise<SavedProfile>;
  setPresenceHidden(userId: string, hidden: boolean): Promise<UserSettings>;
  /** When the user's last connection closed (a user never set up is not recorded). */
  recordLastSeen(userId: string, at: string): Promise<void>;
  /** The known users among `userIds` (unknown ids are left out), by id. */
  getPeople(userIds: readonly string[]): Promise<PersonRecord[]>;
  /** Everyone sharing a chat with the user, the user excluded, by id. */
  coMembers(userId: string): Promise<CoMember[]>;
  /** Mutes or unmutes the chat for one member; throws CHAT_NOT_FOUND or NOT_A_MEMBER. */
  setMuted(chatId: string, userId: string, muted: boolean): Promise<void>;
  /** The members among `userIds` who muted the chat. */
  mutedAmong(chatId: string, userIds: readonly string[]): Promise<Set<string>>;

  /**
   * The DM chat of the pair, created on first call; concurrent calls return the same chat. The pair's
   * end-to-end encrypted DM (`encrypted`) is another chat, with its own history.
   */
  openDm(userA: string, userB: string, options?: { encrypted?: boolean | undefined }): Promise<ChatInfo>;
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
  /**
   * Publishes a device's public key, replacing the one it had; beyond `E2E_LIMITS.maxDevicesPerUser`
   * keys of the user, the oldest ones are dropped.
   */
  publishDeviceKey(userId: string, deviceId: string, publicKey: string): Promise<DeviceKey>;
  /** The current device keys of the chat's members, by user and device id. */
  chatDeviceKeys(chatId: string): Promise<DeviceKey[]>;
  /**
   * Message actions, each atomic under the chat's lock and idempotent (a repeat returns `changed: false`).
   * They throw StorageError: CHAT_NOT_FOUND, NOT_A_MEMBER, MESSAGE_NOT_FOUND, and per action FORBIDDEN
   * (not the sender; for a delete, nor an admin of the group), MESSAGE_DELETED, EDIT_WINDOW_CLOSED,
   * REACTION_LIMIT. Each change takes the chat's next version.
   */
  editMessage(input: EditInput): Promise<MessageChange>;
  /** Leaves a tombstone: empty text, `deleted_at`, no reactions. */
  deleteMessage(input: DeleteInput): Promise<MessageChange>;
  reactToMessage(input: ReactionInput): Promise<MessageChange>;
  /** Moves a device's change cursor of a chat (cumulative, never backwards, clamped to the last version). */
  recordChangesReceived(input: ChangesReceivedInput): Promise<{ version: number }>;
  /**
   * One page of changed messages the device holds, current state, ordered by (chatId, version), after
   * `after`: version > the device's change cursor, and seq at most its cursor or the user's joined_seq.
   */
  updatesForDevice(
    userId: string,
    deviceId: string,
    after: VersionCursor | null,
    limit: number,
  ): Promise<MessageData[]>;
  /** Full-text search over the user's chats, newest first. */
  searchMessages(query: SearchQuery): Promise<SearchPage>;

  /** Deletes messages created before `olderThan`; records each chat's highest deleted seq. */
  pruneMessages(olderThan: Date): Promise<{ deleted: number }>;
}
