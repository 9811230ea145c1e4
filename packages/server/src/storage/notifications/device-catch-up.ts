import { NOTIFICATION_CHANNELS, type NotificationChannel, type NotificationItem } from '@mpi/protocol';
import type { Kysely } from 'kysely';
import { PreparedQuery } from '../db/prepared-query.js';
import type { Database } from '../db/schema.js';
import { assertLimit, assertSeq } from '../db/storage-error.js';
import type { WriteBatcher } from '../db/write-batcher.js';
import { inbox, lastSeq, toItem, type UserFilter, unread, userState, visibleTo } from './inbox.js';

// A device's notification catch-up: where its cursor is, the pages above it, its receipts and the summary.

/** The statements of a connection's notification catch-up, compiled once per storage (see {@link PreparedQuery}). */
export class NotificationCatchUpQueries {
  readonly state;
  readonly createUser;
  readonly createDevice;
  readonly deviceCursor;
  readonly summary;

  constructor(db: Kysely<Database>) {
    this.state = new PreparedQuery((p: { userId: string; deviceId: string }) =>
      db
        .selectFrom('notification_counter as c')
        .leftJoin('notification_users as u', (join) => join.on('u.user_id', '=', p.userId))
        .leftJoin('notification_device_cursors as d', (join) =>
          join.on('d.user_id', '=', p.userId).on('d.device_id', '=', p.deviceId),
        )
        .select(['c.last_seq as lastSeq', 'u.user_id as knownUser', 'd.seq as deviceSeq'])
        .where('c.id', '=', 1),
    );
    const counterSeq = () => db.selectFrom('notification_counter').select('last_seq').where('id', '=', 1);
    // As userState: broadcasts count from the last seq at first sight.
    this.createUser = new PreparedQuery((p: { userId: string; now: string }) =>
      db
        .insertInto('notification_users')
        .values({ user_id: p.userId, broadcast_from_seq: counterSeq(), read_up_to_seq: 0, created_at: p.now })
        .onConflict((oc) => oc.column('user_id').doNothing()),
    );
    // As openDevice: a new device starts at the last seq.
    this.createDevice = new PreparedQuery((p: { userId: string; deviceId: string; now: string }) =>
      db
        .insertInto('notification_device_cursors')
        .values({ user_id: p.userId, device_id: p.deviceId, seq: counterSeq(), updated_at: p.now })
        .onConflict((oc) => oc.columns(['user_id', 'device_id']).doNothing())
        .returning('seq'),
    );
    this.deviceCursor = new PreparedQuery((p: { userId: string; deviceId: string }) =>
      db
        .selectFrom('notification_device_cursors')
        .select('seq')
        .where('user_id', '=', p.userId)
        .where('device_id', '=', p.deviceId),
    );
    // unreadCount, the user's state read inside the query (one not known yet counts as known from now,
    // without being created), beside the open opt-out periods (consent-store's subscribedChannels).
    this.summary = new PreparedQuery((p: { userId: string }) =>
      db
        .selectFrom(
          db
            .selectFrom('notifications')
            .select((eb) => eb.fn.countAll().as('n'))
            .where((eb) => {
              const user: UserFilter = {
                userId: p.userId,
                broadcastFromSeq: eb.fn
                  .coalesce(
                    eb
                      .selectFrom('notification_users')
                      .select('broadcast_from_seq')
                      .where('user_id', '=', p.userId),
                    eb.selectFrom('notification_counter').select('last_seq').where('id', '=', 1),
                  )
                  .$notNull(),
                readUpToSeq: eb.fn
                  .coalesce(
                    eb
                      .selectFrom('notification_users')
                      .select('read_up_to_seq')
                      .where('user_id', '=', p.userId),
                    eb.lit(0),
                  )
                  .$notNull(),
              };
              return eb.and([visibleTo(eb, user), unread(eb, user)]);
            })
            .as('u'),
        )
        .leftJoin('notification_opt_outs as o', (join) =>
          join.on('o.user_id', '=', p.userId).on('o.until_seq', 'is', null),
        )
        .select(['u.n', 'o.channel']),
    );
  }
}

/**
 * The start of a device's catch-up in one read when user and device are known (and one group-committed
 * write when either is new): registers the user and device on first sight (a new device's cursor starts at the last seq: it gets
 * nothing older through catch-up; the inbox lists it), plus whether anything above the device's cursor can exist.
 */
export async function openDeviceCatchUp(
  db: Kysely<Database>,
  queries: NotificationCatchUpQueries,
  writes: WriteBatcher,
  userId: string,
  deviceId: string,
  now: Date,
): Promise<{ newDevice: boolean; cursor: number; pending: boolean }> {
  const state = await queries.state.first(db, { userId, deviceId });
  if (!state) throw new Error('the notification counter is missing');
  if (state.deviceSeq !== null) {
    const cursor = Number(state.deviceSeq);
    return { newDevice: false, cursor, pending: Number(state.lastSeq) > cursor };
  }
  const params = { userId, deviceId, now: now.toISOString() };
  // One write in the group commit: the user (on first sight) and the device.
  const inserted = await writes.submit(function* () {
    if (state.knownUser === null) yield* queries.createUser.run$(params);
    return yield* queries.createDevice.first$(params);
  });
  if (inserted) return { newDevice: true, cursor: Number(inserted.seq), pending: false };
  // Another connection of the device created it meanwhile.
  const row = await queries.deviceCursor.first(db, params);
  if (!row) throw new Error(`notification device ${deviceId} vanished`);
  return { newDevice: false, cursor: Number(row.seq), pending: true };
}

/** `unreadCount` and the subscribed channels (consent-store) in one read. */
export async function catchUpSummary(
  db: Kysely<Database>,
  queries: NotificationCatchUpQueries,
  userId: string,
): Promise<{ unreadCount: number; channels: NotificationChannel[] }> {
  const rows = await queries.summary.rows(db, { userId });
  const off = new Set(rows.map((row) => row.channel));
  return {
    unreadCount: Number(rows[0]?.n ?? 0),
    channels: NOTIFICATION_CHANNELS.filter((channel) => !off.has(channel)),
  };
}

export async function pendingForDevice(
  db: Kysely<Database>,
  userId: string,
  afterSeq: number,
  limit: number,
): Promise<NotificationItem[]> {
  assertSeq(afterSeq, 'afterSeq');
  assertLimit(limit, 'limit');
  const user = await userState(db, userId);
  const rows = await inbox(db, user)
    .where('notifications.seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((row) => toItem(row, user));
}

export async function confirmReceived(
  db: Kysely<Database>,
  userId: string,
  deviceId: string,
  upToSeq: number,
  now: Date,
): Promise<number> {
  assertSeq(upToSeq, 'upToSeq');
  const seq = Math.min(upToSeq, await lastSeq(db));
  const row = await db
    .insertInto('notification_device_cursors')
    .values({ user_id: userId, device_id: deviceId, seq, updated_at: now.toISOString() })
    .onConflict((oc) =>
      oc.columns(['user_id', 'device_id']).doUpdateSet((eb) => ({
        seq: eb
          .case()
          .when('notification_device_cursors.seq', '<', eb.ref('excluded.seq'))
          .then(eb.ref('excluded.seq'))
          .else(eb.ref('notification_device_cursors.seq'))
          .end(),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .returning('seq')
    .executeTakeFirstOrThrow();
  return Number(row.seq);
}
