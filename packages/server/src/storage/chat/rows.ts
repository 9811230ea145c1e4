import type { ChatInfo, MessageData, UserProfile } from '@mpi/protocol';
import type { ChatRow, Db, MessageRow, UserRow } from '../db/schema.js';
import { StorageError } from '../db/storage-error.js';
import type { AppendMessageInput, MemberState } from './chat-storage.js';

// Row mapping and small queries shared by the chat storage's modules.

export function findByClientId(db: Db, input: AppendMessageInput): Promise<MessageRow | undefined> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('chat_id', '=', input.chatId)
    .where('sender_id', '=', input.senderId)
    .where('client_message_id', '=', input.clientMessageId)
    .executeTakeFirst();
}

export async function chatLastSeq(db: Db, chatId: string): Promise<number> {
  const chat = await db
    .selectFrom('chats')
    .select('last_seq')
    .where('id', '=', chatId)
    .executeTakeFirstOrThrow();
  return Number(chat.last_seq);
}

/** CHAT_NOT_FOUND when the chat is missing, NOT_A_MEMBER when it exists without the user. */
export async function membershipError(db: Db, chatId: string): Promise<StorageError> {
  const chat = await db.selectFrom('chats').select('id').where('id', '=', chatId).executeTakeFirst();
  return new StorageError(chat ? 'NOT_A_MEMBER' : 'CHAT_NOT_FOUND');
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
  };
}

export function toChatInfo(chat: ChatRow, members: string[]): ChatInfo {
  return {
    id: chat.id,
    type: chat.type,
    name: chat.name,
    members,
    createdAt: chat.created_at,
    lastSeq: Number(chat.last_seq),
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
