import type { UserProfile } from '@mpi/protocol';
import { type Kysely, sql } from 'kysely';
import type { CatchUpCursor, PrunedGap } from '../../src/storage/chat/chat-storage.js';
import { toProfile } from '../../src/storage/chat/rows.js';
import type { Database } from '../../src/storage/db/schema.js';
import { KyselyStorage } from '../../src/storage/kysely-storage.js';
import { lastSeq, userState } from '../../src/storage/notifications/inbox.js';
import type { PendingReminder, ReminderKind } from '../../src/storage/notifications/notification-storage.js';
import { toReminder } from '../../src/storage/notifications/reminders.js';
import type { Storage } from '../../src/storage/storage.js';

/**
 * What tests read straight from the database: rows no production path reads back, and the step-by-step
 * queries that the connection path's combined reads replaced, kept here as the oracle they must match.
 */

function databaseOf(storage: Storage): Kysely<Database> {
  if (!(storage instanceof KyselyStorage)) throw new Error('tests inspect a KyselyStorage');
  return storage.db;
}

export async function getUser(storage: Storage, userId: string): Promise<UserProfile | null> {
  const row = await databaseOf(storage)
    .selectFrom('users')
    .selectAll()
    .where('id', '=', userId)
    .executeTakeFirst();
  return row ? toProfile(row) : null;
}

export async function isMember(storage: Storage, chatId: string, userId: string): Promise<boolean> {
  const row = await databaseOf(storage)
    .selectFrom('chat_members')
    .select('user_id')
    .where('chat_id', '=', chatId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Pending reminders, by due time. */
export async function pendingReminders(
  storage: Storage,
  filter?: { kind: ReminderKind; itemId: string },
): Promise<PendingReminder[]> {
  const rows = await databaseOf(storage)
    .selectFrom('notification_reminders')
    .selectAll()
    .$if(filter !== undefined, (qb) =>
      qb.where('kind', '=', filter?.kind ?? 'calendar').where('item_id', '=', filter?.itemId ?? ''),
    )
    .orderBy('due_at')
    .orderBy('id')
    .execute();
  return rows.map(toReminder);
}

/** A device's first setup, step by step: true when the device was new. */
export async function initDeviceCursors(
  storage: Storage,
  userId: string,
  deviceId: string,
): Promise<boolean> {
  const db = databaseOf(storage);
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

/** Per chat of the user: where this device's catch-up starts (its cursor, or the member's join point). */
export async function deviceCursors(
  storage: Storage,
  userId: string,
  deviceId: string,
): Promise<CatchUpCursor[]> {
  const db = databaseOf(storage);
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
  storage: Storage,
  userId: string,
  deviceId: string,
): Promise<PrunedGap[]> {
  const db = databaseOf(storage);
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

/** A notification device opened step by step: the user and device on first sight, then its cursor. */
export async function openNotificationDevice(
  storage: Storage,
  userId: string,
  deviceId: string,
  now: Date,
): Promise<{ newDevice: boolean; cursor: number }> {
  const db = databaseOf(storage);
  await userState(db, userId, now);
  const inserted = await db
    .insertInto('notification_device_cursors')
    .values({ user_id: userId, device_id: deviceId, seq: await lastSeq(db), updated_at: now.toISOString() })
    .onConflict((oc) => oc.columns(['user_id', 'device_id']).doNothing())
    .returning('seq')
    .executeTakeFirst();
  if (inserted) return { newDevice: true, cursor: Number(inserted.seq) };
  const row = await db
    .selectFrom('notification_device_cursors')
    .select('seq')
    .where('user_id', '=', userId)
    .where('device_id', '=', deviceId)
    .executeTakeFirstOrThrow();
  return { newDevice: false, cursor: Number(row.seq) };
}

/** Rows of each table that name the user (a column equal to the id; DM keys and reminders: in their JSON). */
export async function rowsNaming(storage: Storage, userId: string): Promise<Record<string, number>> {
  const db = databaseOf(storage);
  const inJson = `%${JSON.stringify(userId)}%`;
  const checks: Array<[label: string, table: string, column: string, op: '=' | 'like', value: string]> = [
    ['users', 'users', 'id', '=', userId],
    ['chats.created_by', 'chats', 'created_by', '=', userId],
    ['chats.dm_key', 'chats', 'dm_key', 'like', inJson],
    ['messages', 'messages', 'sender_id', '=', userId],
    ['messages.reply_to_sender', 'messages', 'reply_to_sender', '=', userId],
    ...(
      [
        'chat_members',
        'device_receipts',
        'devices',
        'notification_recipients',
        'notification_reads',
        'notification_users',
        'notification_device_cursors',
        'notification_opt_outs',
        'audience_group_members',
        'device_keys',
        'message_reactions',
        'push_subscriptions',
      ] as const
    ).map((table): [string, string, string, '=', string] => [table, table, 'user_id', '=', userId]),
    ['notification_reminders', 'notification_reminders', 'audience', 'like', inJson],
  ];
  const counts: Record<string, number> = {};
  for (const [label, table, column, op, value] of checks) {
    const { rows } = await sql<{
      n: number | string;
    }>`select count(*) as n from ${sql.table(table)} where ${sql.ref(
      column,
    )} ${sql.raw(op)} ${value}`.execute(db);
    counts[label] = Number(rows[0]?.n ?? 0);
  }
  return counts;
}

/** Rows of every table of the schema, by table. */
export async function tableCounts(storage: Storage): Promise<Record<string, number>> {
  const db = databaseOf(storage);
  const tables = [
    'users',
    'chats',
    'chat_members',
    'messages',
    'device_receipts',
    'devices',
    'notifications',
    'notification_recipients',
    'notification_reads',
    'notification_users',
    'notification_device_cursors',
    'notification_opt_outs',
    'notification_reminders',
    'audience_groups',
    'audience_group_members',
    'erased_users',
    'device_keys',
    'message_reactions',
    'push_subscriptions',
  ] as const;
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

/** Every row of every table, as one JSON text: what a search for a leaked plaintext reads. */
export async function databaseDump(storage: Storage): Promise<string> {
  const db = databaseOf(storage);
  const tables = (await db.introspection.getTables()).map((table) => table.name);
  const dumps = await Promise.all(
    tables.map(async (table) =>
      JSON.stringify(
        await db
          .selectFrom(table as keyof Database)
          .selectAll()
          .execute(),
      ),
    ),
  );
  return dumps.join('\n');
}

/** The device ids of the user with a published key. */
export async function publishedDevices(storage: Storage, userId: string): Promise<string[]> {
  const rows = await databaseOf(storage)
    .selectFrom('device_keys')
    .select('device_id')
    .where('user_id', '=', userId)
    .orderBy('device_id')
    .execute();
  return rows.map((row) => row.device_id);
}
