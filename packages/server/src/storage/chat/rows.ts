import type { Attachment, CallRecord, ChatInfo, MessageData, UserProfile, UserSettings } from '@mpi/protocol';
import type { Kysely } from 'kysely';
import type { ChatRow, Database, MessageRow, UserRow } from '../db/schema.js';
import { StorageError } from '../db/storage-error.js';
import { statement, type WriteProgram } from '../db/write-program.js';
import type { MemberState } from './chat-storage.js';

// Row mapping and small queries shared by the chat storage's modules.

/** CHAT_NOT_FOUND when the chat is missing, NOT_A_MEMBER when it exists without the user. */
export function* membershipError(db: Kysely<Database>, chatId: string): WriteProgram<StorageError> {
  const { rows } = yield* statement(db.selectFrom('chats').select('id').where('id', '=', chatId));
  return new StorageError(rows.length > 0 ? 'NOT_A_MEMBER' : 'CHAT_NOT_FOUND');
}

export function toMessage(row: MessageRow): MessageData {
  return {
    id: row.id,
    clientMessageId: row.client_message_id,
    chatId: row.chat_id,
    senderId: row.sender_id,
    text: row.text,
    createdAt: row.created_at,
    seq: Number(row.seq),
    ...(row.mentions !== null && { mentions: JSON.parse(row.mentions) as string[] }),
    ...(row.envelope !== null && { envelope: JSON.parse(row.envelope) }),
    ...(Number(row.version) > 0 && { version: Number(row.version) }),
    ...(row.edited_at !== null && { editedAt: row.edited_at }),
    ...(row.deleted_at !== null && { deletedAt: row.deleted_at }),
    ...(row.attachments !== null && { attachments: JSON.parse(row.attachments) as Attachment[] }),
    ...(row.call !== null && { call: JSON.parse(row.call) as CallRecord }),
  };
}

/** The stored form of a message's mentions: null when there are none. */
export function mentionsColumn(mentions: readonly string[]): string | null {
  return mentions.length > 0 ? JSON.stringify(mentions) : null;
}

export function toChatInfo(chat: ChatRow, members: string[]): ChatInfo {
  return {
    id: chat.id,
    type: chat.type,
    name: chat.name,
    members,
    createdAt: chat.created_at,
    lastSeq: Number(chat.last_seq),
    encrypted: Number(chat.encrypted) === 1,
  };
}

export function toMemberState(row: {
  user_id: string;
  role: 'admin' | 'member';
  delivered_seq: number;
  read_seq: number;
}): MemberState {
  return {
    userId: row.user_id,
    role: row.role,
    deliveredSeq: Number(row.delivered_seq),
    readSeq: Number(row.read_seq),
  };
}

export function toProfile(row: UserRow): UserProfile {
  return {
    id: row.id,
    ...(row.name !== null && { name: row.name }),
    ...(row.avatar_url !== null && { avatarUrl: row.avatar_url }),
  };
}

export function toSettings(row: { hide_presence: number }): UserSettings {
  return { hidePresence: Number(row.hide_presence) === 1 };
}
