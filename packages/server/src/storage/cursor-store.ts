import type { MessageData } from '@mpi/protocol';
import type { Kysely } from 'kysely';
import { assertLimit, assertSeq, chatLastSeq, membershipError, toMessage } from './rows.js';
import type { Database } from './schema.js';
import type { CatchUpCursor, PrunedGap, ReadMarkResult } from './storage.js';
import { StorageError } from './storage-error.js';

/**
 * Cursors and what hangs on them: device receipts, read marks, a new device's first cursors, the
 * catch-up of what a device missed, and retention (which leaves gaps behind the cursors).
 */

export async function markRead(
  db: Kysely<Database>,
  chatId: string,
  userId: string,
  upToSeq: number,
): Promise<ReadMarkResult> {
  assertSeq(upToSeq, 'upToSeq');
  return db.transaction().execute(async (trx) => {
    const member = await trx
      .updateTable('chat_members')
      .set((eb) => ({ read_seq: eb.ref('read_seq') }))
      .where('chat_id', '=', chatId)
      .where('user_id', '=', userId)
      .returning('read_seq')
      .executeTakeFirst();
    if (!member) throw await membershipError(trx, chatId);
    const lastSeq = await chatLastSeq(trx, chatId);
    const readSeq = Math.max(Number(member.read_seq), Math.min(upToSeq, lastSeq));
    if (readSeq !== Number(member.read_seq)) {
      await trx
        .updateTable('chat_members')
        .set({ read_seq: readSeq })
        .where('chat_id', '=', chatId)
        .where('user_id', '=', userId)
        .execute();
    }
    const unread = await trx
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('chat_id', '=', chatId)
      .where('seq', '>', readSeq)
      .where('sender_id', '<>', userId)
      .executeTakeFirstOrThrow();
    return { readSeq, unreadCount: Number(unread.n) };
  });
}

export async function initDeviceCursors(
  db: Kysely<Database>,
  userId: string,
  deviceId: string,
): Promise<boolean> {
  const now = new Date().toISOString();
  return db.transaction().execute(async (trx) => {
    // The devices row makes a device known even when its user has no chat yet. Concurrent first calls
    // race on its primary key: one inserts, the others wait for it, do nothing and report false.
    const registered = await trx
      .insertInto('devices')
      .values({ user_id: userId, device_id: deviceId, created_at: now })
      .onConflict((oc) => oc.columns(['user_id', 'device_id']).doNothing())
      .returning('device_id')
      .executeTakeFirst();
    if (!registered) return false;
    // A device that confirmed receipts before it was ever set up is not new either: keep its cursors.
    const hasCursor = await trx
      .selectFrom('device_receipts')
      .select('chat_id')
      .where('user_id', '=', userId)
      .where('device_id', '=', deviceId)
      .limit(1)
      .executeTakeFirst();
    if (hasCursor) return false;
    // A cursor at the last seq of every chat of the user, in one statement. Delivery marks stay: the
    // device received nothing.
    await trx
      .insertInto('device_receipts')
      .columns(['user_id', 'device_id', 'chat_id', 'received_seq', 'updated_at'])
      .expression((eb) =>
        eb
          .selectFrom('chat_members as cm')
          .innerJoin('chats as c', 'c.id', 'cm.chat_id')
          .select((s) => [
            s.val(userId).as('user_id'),
            s.val(deviceId).as('device_id'),
            'c.id as chat_id',
            'c.last_seq as received_seq',
            s.val(now).as('updated_at'),
          ])
          .where('cm.user_id', '=', userId),
      )
      // A receipt of the device landing meanwhile (PostgreSQL) wins: it is what the device really has.
      .onConflict((oc) => oc.columns(['user_id', 'device_id', 'chat_id']).doNothing())
      .execute();
    return true;
  });
}

export async function pendingForDevice(
  db: Kysely<Database>,
  userId: string,
  deviceId: string,
  after: CatchUpCursor | null,
  limit: number,
): Promise<MessageData[]> {
  assertLimit(limit, 'The catch-up limit');
  if (after) assertSeq(after.seq, 'after.seq');
  // Served by chat_members(user_id, chat_id) walked in chat order, then messages(chat_id, seq) per chat.
  const rows = await db
    .selectFrom('messages as m')
    .innerJoin('chat_members as cm', (join) =>
      join.onRef('cm.chat_id', '=', 'm.chat_id').on('cm.user_id', '=', userId),
    )
    .leftJoin('device_receipts as d', (join) =>
      join.onRef('d.chat_id', '=', 'm.chat_id').on('d.user_id', '=', userId).on('d.device_id', '=', deviceId),
    )
    .selectAll('m')
    .where((eb) => eb('m.seq', '>', eb.fn.coalesce('d.received_seq', eb.lit(0))))
    .whereRef('m.seq', '>', 'cm.joined_seq')
    .$if(after !== null, (qb) =>
      qb.where((eb) =>
        eb.or([
          eb('m.chat_id', '>', after?.chatId ?? ''),
          eb.and([eb('m.chat_id', '=', after?.chatId ?? ''), eb('m.seq', '>', after?.seq ?? 0)]),
        ]),
      ),
    )
    .orderBy('m.chat_id')
    .orderBy('m.seq')
    .limit(limit)
    .execute();
  return rows.map(toMessage);
}

/** Per chat of the user: where this device's catch-up starts (its cursor, or the member's join point). */
export async function deviceCursors(
  db: Kysely<Database>,
  userId: string,
  deviceId: string,
): Promise<CatchUpCursor[]> {
  const rows = await db
    .selectFrom('chat_members as cm')
    .leftJoin('device_receipts as d', (join) =>
      join
        .onRef('d.chat_id', '=', 'cm.chat_id')
        .on('d.user_id', '=', userId)
        .on('d.device_id', '=', deviceId),
    )
    .select(['cm.chat_id as chatId', 'cm.joined_seq as joinedSeq', 'd.received_seq as receivedSeq'])
    .where('cm.user_id', '=', userId)
    .orderBy('cm.chat_id')
    .execute();
  return rows.map((row) => ({
    chatId: row.chatId,
    seq: Math.max(Number(row.receivedSeq ?? 0), Number(row.joinedSeq)),
  }));
}

export async function prunedGapsForDevice(
  db: Kysely<Database>,
  userId: string,
  deviceId: string,
): Promise<PrunedGap[]> {
  const rows = await db
    .selectFrom('chat_members as cm')
    .innerJoin('chats as c', 'c.id', 'cm.chat_id')
    .leftJoin('device_receipts as d', (join) =>
      join
        .onRef('d.chat_id', '=', 'cm.chat_id')
        .on('d.user_id', '=', userId)
        .on('d.device_id', '=', deviceId),
    )
    .select(['c.id', 'c.pruned_seq'])
    .where('cm.user_id', '=', userId)
    .where((eb) => eb(eb.fn.coalesce('d.received_seq', eb.lit(0)), '<', eb.ref('c.pruned_seq')))
    .whereRef('cm.joined_seq', '<', 'c.pruned_seq')
    .orderBy('c.id')
    .execute();
  return rows.map((r) => ({ chatId: r.id, prunedSeq: Number(r.pruned_seq) }));
}

export async function pruneMessages(db: Kysely<Database>, olderThan: Date): Promise<{ deleted: number }> {
  if (Number.isNaN(olderThan.getTime())) {
    throw new StorageError('VALIDATION_FAILED', 'olderThan must be a valid date.');
  }
  const cutoff = olderThan.toISOString();
  return db.transaction().execute(async (trx) => {
    // First raise each chat's pruned_seq to its highest old seq (this also row-locks those chats
    // against appends until commit), then delete only old messages at or below it: every deleted
    // message is covered by pruned_seq even if one is appended with an old timestamp meanwhile.
    const oldest = trx
      .selectFrom('messages')
      .select((eb) => ['chat_id', eb.fn.max('seq').as('max_seq')])
      .where('created_at', '<', cutoff)
      .groupBy('chat_id')
      .as('p');
    await trx
      .updateTable('chats')
      .from(oldest)
      .set((eb) => ({ pruned_seq: eb.ref('p.max_seq') }))
      .whereRef('chats.id', '=', 'p.chat_id')
      .whereRef('p.max_seq', '>', 'chats.pruned_seq')
      .execute();
    const result = await trx
      .deleteFrom('messages')
      .where('created_at', '<', cutoff)
      .where((eb) =>
        eb(
          'seq',
          '<=',
          eb.selectFrom('chats').select('pruned_seq').whereRef('chats.id', '=', 'messages.chat_id'),
        ),
      )
      .executeTakeFirst();
    return { deleted: Number(result.numDeletedRows) };
  });
}
