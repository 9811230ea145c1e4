import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { StorageError } from '../db/storage-error.js';
import type { CoMember, PersonRecord } from './chat-storage.js';
import { toProfile, toSettings } from './rows.js';

// People as others see them: profiles, presence settings and last seen; who shares a chat; per-chat mute.

export async function getPeople(db: Kysely<Database>, userIds: readonly string[]): Promise<PersonRecord[]> {
  if (userIds.length === 0) return [];
  const rows = await db
    .selectFrom('users')
    .selectAll()
    .where('id', 'in', [...userIds])
    .orderBy('id')
    .execute();
  return rows.map((row) => ({
    profile: toProfile(row),
    lastSeenAt: row.last_seen_at,
    hidePresence: toSettings(row).hidePresence,
  }));
}

export async function coMembers(db: Kysely<Database>, userId: string): Promise<CoMember[]> {
  const myChats = db.selectFrom('chat_members').select('chat_id').where('user_id', '=', userId);
  const rows = await db
    .selectFrom('chat_members as cm')
    .leftJoin('users as u', 'u.id', 'cm.user_id')
    .select(['cm.user_id', 'u.hide_presence'])
    .distinct()
    .where('cm.chat_id', 'in', myChats)
    .where('cm.user_id', '<>', userId)
    .orderBy('cm.user_id')
    .execute();
  return rows.map((row) => ({ userId: row.user_id, hidePresence: Number(row.hide_presence ?? 0) === 1 }));
}

/** Throws CHAT_NOT_FOUND or NOT_A_MEMBER when the user is not a member of the chat. */
export async function setMuted(
  db: Kysely<Database>,
  chatId: string,
  userId: string,
  muted: boolean,
): Promise<void> {
  const updated = await db
    .updateTable('chat_members')
    .set({ muted: muted ? 1 : 0 })
    .where('chat_id', '=', chatId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) > 0) return;
  const chat = await db.selectFrom('chats').select('id').where('id', '=', chatId).executeTakeFirst();
  throw new StorageError(chat ? 'NOT_A_MEMBER' : 'CHAT_NOT_FOUND');
}

export async function mutedAmong(
  db: Kysely<Database>,
  chatId: string,
  userIds: readonly string[],
): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('chat_members')
    .select('user_id')
    .where('chat_id', '=', chatId)
    .where('muted', '=', 1)
    .where('user_id', 'in', [...userIds])
    .execute();
  return new Set(rows.map((row) => row.user_id));
}
