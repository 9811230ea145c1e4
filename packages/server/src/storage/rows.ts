import type { ChatInfo, MessageData, UserProfile } from '@mpi/protocol';
import type { Kysely, Transaction } from 'kysely';
import type { ChatRow, Database, MessageRow, UserRow } from './schema.js';
import type { AppendMessageInput, MemberState } from './storage.js';
import { StorageError } from './storage-error.js';

/** Row mapping and small queries shared by the methods of KyselyStorage. */

export type Db = Kysely<Database> | Transaction<Database>;

/** Makes the ULIDs of chats and messages; monotonic within one process. */
export type IdFactory = (seedTime?: number) => string;

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

export function assertLimit(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new StorageError('VALIDATION_FAILED', `${name} must be a positive integer.`);
  }
}

export function assertSeq(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new StorageError('VALIDATION_FAILED', `${name} must be a non-negative integer.`);
  }
}

/** Unique-constraint violation from node-postgres (SQLSTATE 23505) or better-sqlite3. */
export function isUniqueViolation(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
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
