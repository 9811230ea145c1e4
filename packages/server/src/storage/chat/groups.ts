import type { ChatInfo } from '@mpi/protocol';
import type { Kysely } from 'kysely';
import type { IdFactory } from '../db/ids.js';
import type { Database, Db } from '../db/schema.js';
import { StorageError } from '../db/storage-error.js';
import type { CreateGroupInput } from './chat-storage.js';
import { getChat } from './chats.js';

// Group chats: creation, membership changes and renaming.

export async function createGroup(
  db: Kysely<Database>,
  nextId: IdFactory,
  input: CreateGroupInput,
): Promise<ChatInfo> {
  const others = [...new Set(input.memberIds)].filter((id) => id !== input.creatorId);
  return db.transaction().execute(async (trx) => {
    const now = Date.now();
    const createdAt = new Date(now).toISOString();
    const chatId = nextId(now);
    await trx
      .insertInto('chats')
      .values({
        id: chatId,
        type: 'group',
        name: input.name,
        dm_key: null,
        created_by: input.creatorId,
        created_at: createdAt,
        encrypted: input.encrypted ? 1 : 0,
      })
      .execute();
    await trx
      .insertInto('chat_members')
      .values([
        { chat_id: chatId, user_id: input.creatorId, role: 'admin' as const, joined_at: createdAt },
        ...others.map((userId) => ({
          chat_id: chatId,
          user_id: userId,
          role: 'member' as const,
          joined_at: createdAt,
        })),
      ])
      .execute();
    return requireChat(await getChat(trx, chatId));
  });
}

export async function addMembers(db: Kysely<Database>, chatId: string, userIds: string[]): Promise<string[]> {
  const unique = [...new Set(userIds)];
  return db.transaction().execute(async (trx) => {
    // Locks the chat row against appends, so no message lands between reading last_seq and the join.
    const lastSeq = await lockGroup(trx, chatId);
    if (unique.length === 0) return [];
    const joinedAt = new Date().toISOString();
    const added = await trx
      .insertInto('chat_members')
      .values(
        unique.map((userId) => ({
          chat_id: chatId,
          user_id: userId,
          role: 'member' as const,
          joined_at: joinedAt,
          joined_seq: lastSeq,
          read_seq: lastSeq,
          delivered_seq: lastSeq,
        })),
      )
      .onConflict((oc) => oc.columns(['chat_id', 'user_id']).doNothing())
      .returning('user_id')
      .execute();
    const addedIds = new Set(added.map((r) => r.user_id));
    return unique.filter((id) => addedIds.has(id));
  });
}

export async function removeMember(db: Kysely<Database>, chatId: string, userId: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    // The chat row lock serialises membership changes, so two admins leaving at once cannot both
    // see the other as the remaining admin.
    await lockGroup(trx, chatId);
    const removed = await trx
      .deleteFrom('chat_members')
      .where('chat_id', '=', chatId)
      .where('user_id', '=', userId)
      .returning('role')
      .executeTakeFirst();
    if (!removed) return false;
    await trx
      .deleteFrom('device_receipts')
      .where('chat_id', '=', chatId)
      .where('user_id', '=', userId)
      .execute();
    if (removed.role === 'admin') await promoteIfNoAdmin(trx, chatId);
    return true;
  });
}

export async function renameChat(db: Kysely<Database>, chatId: string, name: string): Promise<ChatInfo> {
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('chats')
      .set({ name })
      .where('id', '=', chatId)
      .where('type', '=', 'group')
      .returning('id')
      .executeTakeFirst();
    if (!updated) {
      const chat = await trx.selectFrom('chats').select('id').where('id', '=', chatId).executeTakeFirst();
      throw chat ? notAGroup() : new StorageError('CHAT_NOT_FOUND');
    }
    return requireChat(await getChat(trx, chatId));
  });
}

/** When a group has no admin left, its longest-standing member becomes one. */
export async function promoteIfNoAdmin(trx: Db, chatId: string): Promise<void> {
  await trx
    .updateTable('chat_members')
    .set({ role: 'admin' })
    .where('chat_id', '=', chatId)
    .where('user_id', '=', (eb) =>
      eb
        .selectFrom('chat_members')
        .select('user_id')
        .where('chat_id', '=', chatId)
        .orderBy('joined_at')
        .orderBy('user_id')
        .limit(1),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('chat_members')
            .select('user_id')
            .where('chat_id', '=', chatId)
            .where('role', '=', 'admin'),
        ),
      ),
    )
    .execute();
}

/** Row-locks a group chat (a no-op update) and returns its last seq; throws for a DM or a missing chat. */
async function lockGroup(trx: Db, chatId: string): Promise<number> {
  const chat = await trx
    .updateTable('chats')
    .set((eb) => ({ last_seq: eb.ref('last_seq') }))
    .where('id', '=', chatId)
    .returning(['type', 'last_seq'])
    .executeTakeFirst();
  if (!chat) throw new StorageError('CHAT_NOT_FOUND');
  if (chat.type !== 'group') throw notAGroup();
  return Number(chat.last_seq);
}

function notAGroup(): StorageError {
  return new StorageError('VALIDATION_FAILED', 'Only a group chat has members to change and a name to set.');
}

function requireChat(chat: ChatInfo | null): ChatInfo {
  if (!chat) throw new Error('A chat vanished inside its own transaction.');
  return chat;
}
