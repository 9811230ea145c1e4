import type { Generated, Insertable, Selectable } from 'kysely';

/**
 * Tables as Kysely sees them. Timestamps are ISO 8601 UTC strings (`Date#toISOString()`) in both
 * dialects, so they sort as text; seqs are integers.
 */
export interface Database {
  users: UsersTable;
  chats: ChatsTable;
  chat_members: ChatMembersTable;
  messages: MessagesTable;
  device_receipts: DeviceReceiptsTable;
  devices: DevicesTable;
}

export interface UsersTable {
  id: string;
  name: string | null;
  avatar_url: string | null;
  created_at: string;
  updated_at: string;
}

export interface ChatsTable {
  id: string;
  type: 'dm' | 'group';
  name: string | null;
  /** Only for DMs: `JSON.stringify` of the sorted member pair, unique so a pair has one DM. */
  dm_key: string | null;
  /** Seq of the newest message; incremented (and row-locked) by every append. */
  last_seq: Generated<number>;
  /** Highest seq deleted by retention; every message with a seq up to it may be gone. Never lowered. */
  pruned_seq: Generated<number>;
  created_by: string;
  created_at: string;
}

export interface ChatMembersTable {
  chat_id: string;
  user_id: string;
  role: 'admin' | 'member';
  joined_at: string;
  /** The chat's last seq when the user joined: catch-up and unread counts start after it. */
  joined_seq: Generated<number>;
  read_seq: Generated<number>;
  /** Max of `device_receipts.received_seq` over the user's devices. */
  delivered_seq: Generated<number>;
}

export interface MessagesTable {
  /** A ULID. */
  id: string;
  chat_id: string;
  seq: number;
  sender_id: string;
  client_message_id: string;
  text: string;
  created_at: string;
}

export interface DeviceReceiptsTable {
  user_id: string;
  device_id: string;
  chat_id: string;
  received_seq: number;
  updated_at: string;
}

/** Devices that have been set up once (`initDeviceCursors`), with or without chats at the time. */
export interface DevicesTable {
  user_id: string;
  device_id: string;
  created_at: string;
}

export type UserRow = Selectable<UsersTable>;
export type ChatRow = Selectable<ChatsTable>;
export type MemberRow = Selectable<ChatMembersTable>;
export type MessageRow = Selectable<MessagesTable>;
export type NewMessage = Insertable<MessagesTable>;
