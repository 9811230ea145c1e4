import type { Generated, Kysely, Selectable, Transaction } from 'kysely';

/**
 * Tables as Kysely sees them. Timestamps are ISO 8601 UTC strings (`Date#toISOString()`) in both
 * dialects, so they sort as text; seqs are integers.
 */
export interface Database {
  users: UsersTable;
  chats: ChatsTable;
  chat_members: ChatMembersTable;
  messages: MessagesTable;
  message_reactions: MessageReactionsTable;
  device_receipts: DeviceReceiptsTable;
  devices: DevicesTable;
  device_keys: DeviceKeysTable;
  notification_counter: NotificationCounterTable;
  notifications: NotificationsTable;
  notification_recipients: NotificationRecipientsTable;
  notification_reads: NotificationReadsTable;
  notification_users: NotificationUsersTable;
  notification_device_cursors: NotificationDeviceCursorsTable;
  notification_opt_outs: NotificationOptOutsTable;
  notification_reminders: NotificationRemindersTable;
  audience_groups: AudienceGroupsTable;
  audience_group_members: AudienceGroupMembersTable;
  ingest_deliveries: IngestDeliveriesTable;
  erased_users: ErasedUsersTable;
  push_subscriptions: PushSubscriptionsTable;
  files: FilesTable;
  calls: CallsTable;
}

interface UsersTable {
  id: string;
  name: string | null;
  avatar_url: string | null;
  created_at: string;
  updated_at: string;
  /** When the user's last connection closed (null: never, or connected since the column exists). */
  last_seen_at: Generated<string | null>;
  /** 1: others see neither online nor last seen of this user (who sees no one's last seen either). */
  hide_presence: Generated<number>;
}

interface ChatsTable {
  id: string;
  type: 'dm' | 'group';
  name: string | null;
  /** Only for DMs: `JSON.stringify` of the sorted member pair, unique so a pair has one DM. */
  dm_key: string | null;
  /** Seq of the newest message; incremented (and row-locked) by every append. */
  last_seq: Generated<number>;
  /** The chat's change counter: every edit, delete and reaction takes the next one (row-locked, as seqs). */
  last_version: Generated<number>;
  /** Highest seq deleted by retention; every message with a seq up to it may be gone. Never lowered. */
  pruned_seq: Generated<number>;
  created_by: string;
  created_at: string;
  /** 1 for an end-to-end encrypted chat; fixed at creation. */
  encrypted: Generated<number>;
}

interface ChatMembersTable {
  chat_id: string;
  user_id: string;
  role: 'admin' | 'member';
  joined_at: string;
  /** The chat's last seq when the user joined: catch-up and unread counts start after it. */
  joined_seq: Generated<number>;
  read_seq: Generated<number>;
  /** Max of `device_receipts.received_seq` over the user's devices. */
  delivered_seq: Generated<number>;
  /** 1: the member muted the chat (unread still counts; no alert). */
  muted: Generated<number>;
}

interface MessagesTable {
  /** A ULID. */
  id: string;
  chat_id: string;
  seq: number;
  sender_id: string;
  client_message_id: string;
  /** Empty once deleted, and in end-to-end encrypted chats. */
  text: string;
  created_at: string;
  /** JSON array of the user ids the message @mentions; null when none. */
  mentions: string | null;
  /** JSON of the E2eEnvelope in end-to-end encrypted chats, stored as the sender made it; else null. */
  envelope: string | null;
  /** The chat's change counter at the message's last change; 0 when it never changed. */
  version: Generated<number>;
  edited_at: string | null;
  deleted_at: string | null;
  /** The message this one answers (same chat), with its seq and sender, which outlive its deletion. */
  reply_to_id: string | null;
  reply_to_seq: number | null;
  reply_to_sender: string | null;
  /** JSON of the message's `Attachment[]`, or null without files (migration 0008). */
  attachments: string | null;
  /** JSON of the `CallRecord` of a call's history entry, else null (migration 0008). */
  call: string | null;
}

interface MessageReactionsTable {
  message_id: string;
  user_id: string;
  emoji: string;
  created_at: string;
}

/** A 1:1 call: `ringing` → `active` → `ended`, or `ringing` → `ended`. */
interface CallsTable {
  id: string;
  chat_id: string;
  caller_id: string;
  callee_id: string;
  media: 'audio' | 'video';
  status: 'ringing' | 'active' | 'ended';
  /** The sockets of the two parties: signals are relayed to them only. */
  caller_socket: string;
  callee_socket: string | null;
  created_at: string;
  answered_at: string | null;
  ended_at: string | null;
  end_reason: string | null;
}

/** One tus upload: `uploading` until its last byte, then `complete` with what the server computed. */
interface FilesTable {
  /** The tus upload id (32 hex digits), also the key of its bytes in the blob store. */
  id: string;
  owner_id: string;
  chat_id: string;
  name: string;
  type: string;
  /** Declared total bytes (Upload-Length). */
  size: number;
  status: 'uploading' | 'complete';
  sha256: string | null;
  width: number | null;
  height: number | null;
  has_thumbnail: Generated<number>;
  duration_ms: number | null;
  /** Comma-separated levels 0–255. */
  waveform: string | null;
  /** The message it was sent with; null until then. */
  message_id: string | null;
  created_at: string;
  completed_at: string | null;
}

interface DeviceReceiptsTable {
  user_id: string;
  device_id: string;
  chat_id: string;
  received_seq: number;
  /** Every change of the chat up to this version is on the device (`changes_received`). */
  received_version: Generated<number>;
  updated_at: string;
}

/** Devices that have been set up once (`initDeviceCursors`), with or without chats at the time. */
interface DevicesTable {
  user_id: string;
  device_id: string;
  created_at: string;
}

/** Each device's current public key for end-to-end encrypted chats (ECDH P-256, raw, base64url). */
interface DeviceKeysTable {
  user_id: string;
  device_id: string;
  public_key: string;
  created_at: string;
}

/** One row (id 1): the last notification seq. Incremented, row-locked, by every new notification. */
interface NotificationCounterTable {
  id: number;
  last_seq: number;
}

/** Every notification once, whatever its audience. */
interface NotificationsTable {
  seq: number;
  /** A ULID: the public id. */
  id: string;
  /** The spec's event name, e.g. `match:scheduled`. */
  event: string;
  channel: string;
  /** JSON of the exact payload sent on the wire. */
  payload: string;
  audience: 'everyone' | 'users' | 'groups';
  /** `api`, `webhook:<source>` or `reminder`. */
  source: string;
  created_at: string;
}

/** Who a targeted (users / groups) notification is for; `everyone` notifications have no rows. */
interface NotificationRecipientsTable {
  user_id: string;
  seq: number;
}

/** Items a user marked read one by one (above their `read_up_to_seq`). */
interface NotificationReadsTable {
  user_id: string;
  seq: number;
  read_at: string;
}

/** Users known to the notification inbox. */
interface NotificationUsersTable {
  user_id: string;
  /** `everyone` notifications with a seq above this are in the user's inbox (the last seq at first sight). */
  broadcast_from_seq: number;
  /** Everything up to this seq is read (`mark_notifications_read { all: true }`). */
  read_up_to_seq: number;
  created_at: string;
}

/** Per device: every notification up to `seq` was received (`notifications_received`). */
interface NotificationDeviceCursorsTable {
  user_id: string;
  device_id: string;
  seq: number;
  updated_at: string;
}

/**
 * Consent: while the user is unsubscribed from a channel there is an open period (`until_seq` null).
 * Notifications of the channel with `from_seq < seq <= until_seq` are not the user's, ever.
 */
interface NotificationOptOutsTable {
  user_id: string;
  channel: string;
  from_seq: number;
  until_seq: number | null;
  created_at: string;
}

/** A pending reminder of a scheduled item; deleted when it fires, is skipped, or its item changes. */
export interface NotificationRemindersTable {
  id: string;
  kind: 'calendar' | 'match' | 'training';
  item_id: string;
  lead_ms: number;
  due_at: string;
  starts_at: string;
  /** JSON of the CalendarEvent / Match / Training. */
  item: string;
  /** JSON of the audience, resolved when the reminder fires. */
  audience: string;
  created_at: string;
}

interface AudienceGroupsTable {
  id: string;
  created_at: string;
  updated_at: string;
}

interface AudienceGroupMembersTable {
  group_id: string;
  user_id: string;
}

/** Signed requests already handled, by delivery id, with the answer they got. */
interface IngestDeliveriesTable {
  delivery_id: string;
  /** SHA-256 of method, path and body: the same id with another request is refused. */
  fingerprint: string;
  status: number;
  response: string;
  created_at: string;
}

/** Users whose data was erased; tokens issued up to `erased_at` are refused. */
interface ErasedUsersTable {
  /** SHA-256 (hex) of the user id: the id itself is not kept. */
  user_hash: string;
  erased_at: string;
}

/** One Web Push subscription per device (migration 0006). */
interface PushSubscriptionsTable {
  endpoint: string;
  user_id: string;
  device_id: string;
  p256dh: string;
  auth: string;
  created_at: string;
}

export type UserRow = Selectable<UsersTable>;
export type ChatRow = Selectable<ChatsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type FileRow = Selectable<FilesTable>;
export type CallRow = Selectable<CallsTable>;

/** The database or a transaction of it: what a query runs on. */
export type Db = Kysely<Database> | Transaction<Database>;
