import type { NotificationChannel, NotificationEventName, NotificationItem } from '@mpi/protocol';
import type { Expression, ExpressionBuilder, Kysely, Transaction } from 'kysely';
import type { IdFactory } from '../db/ids.js';
import type { Database, Db } from '../db/schema.js';
import { assertLimit, assertSeq } from '../db/storage-error.js';
import { chunks, resolveAudience } from './audience.js';
import type {
  CreatedNotification,
  InboxQuery,
  NewNotification,
  StoredNotification,
} from './notification-storage.js';

// The inbox: notifications stored once, addressed by recipient rows (targeted) or to everyone, filtered
// per user by consent periods, with read state per user and receipt cursors per device.

interface UserState {
  userId: string;
  broadcastFromSeq: number;
  readUpToSeq: number;
}

/** A user's state as the filters need it: known values, or expressions that read them in the query. */
export interface UserFilter {
  userId: string;
  broadcastFromSeq: number | Expression<number>;
  readUpToSeq: number | Expression<number>;
}

type NotificationsEb = ExpressionBuilder<Database, 'notifications'>;

export async function lastSeq(db: Db): Promise<number> {
  const row = await db
    .selectFrom('notification_counter')
    .select('last_seq')
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(row.last_seq);
}

/** The user's inbox state, created on first sight: broadcasts count from the last seq at that moment. */
export async function userState(db: Db, userId: string, now = new Date()): Promise<UserState> {
  const find = () =>
    db.selectFrom('notification_users').selectAll().where('user_id', '=', userId).executeTakeFirst();
  let row = await find();
  if (!row) {
    await db
      .insertInto('notification_users')
      .values({
        user_id: userId,
        broadcast_from_seq: await lastSeq(db),
        read_up_to_seq: 0,
        created_at: now.toISOString(),
      })
      .onConflict((oc) => oc.column('user_id').doNothing())
      .execute();
    row = await find();
  }
  if (!row) throw new Error(`notification user ${userId} vanished`);
  return {
    userId,
    broadcastFromSeq: Number(row.broadcast_from_seq),
    readUpToSeq: Number(row.read_up_to_seq),
  };
}

/** In the user's inbox: addressed to them (or a broadcast since they are known), outside opt-out periods. */
export function visibleTo(eb: NotificationsEb, user: UserFilter) {
  return eb.and([
    eb.or([
      eb.and([
        eb('notifications.audience', '=', 'everyone'),
        eb('notifications.seq', '>', user.broadcastFromSeq),
      ]),
      eb.exists(
        eb
          .selectFrom('notification_recipients as r')
          .select('r.seq')
          .whereRef('r.seq', '=', 'notifications.seq')
          .where('r.user_id', '=', user.userId),
      ),
    ]),
    eb.not(
      eb.exists(
        eb
          .selectFrom('notification_opt_outs as o')
          .select('o.from_seq')
          .where('o.user_id', '=', user.userId)
          .whereRef('o.channel', '=', 'notifications.channel')
          .whereRef('o.from_seq', '<', 'notifications.seq')
          .where((o) =>
            o.or([o('o.until_seq', 'is', null), o('o.until_seq', '>=', o.ref('notifications.seq'))]),
          ),
      ),
    ),
  ]);
}

function readRow(eb: NotificationsEb, user: UserFilter) {
  return eb.exists(
    eb
      .selectFrom('notification_reads as rd')
      .select('rd.seq')
      .whereRef('rd.seq', '=', 'notifications.seq')
      .where('rd.user_id', '=', user.userId),
  );
}

export function unread(eb: NotificationsEb, user: UserFilter) {
  return eb.and([eb('notifications.seq', '>', user.readUpToSeq), eb.not(readRow(eb, user))]);
}

export function inbox(db: Db, user: UserState) {
  return db
    .selectFrom('notifications')
    .selectAll('notifications')
    .select((eb) => readRow(eb, user).as('has_read'))
    .where((eb) => visibleTo(eb, user));
}

type InboxRow = Awaited<ReturnType<ReturnType<typeof inbox>['execute']>>[number];

export function toItem(row: InboxRow, user: UserState): NotificationItem {
  const seq = Number(row.seq);
  return {
    id: row.id,
    seq,
    event: row.event as NotificationEventName,
    channel: row.channel as NotificationChannel,
    createdAt: row.created_at,
    payload: JSON.parse(row.payload),
    read: seq <= user.readUpToSeq || Boolean(Number(row.has_read)),
  } as NotificationItem;
}

/** Inserts one notification with the next seq (row-locking the counter) and its recipient rows. */
export async function insertNotification(
  trx: Transaction<Database>,
  nextId: IdFactory,
  input: NewNotification,
  now: Date,
  strictGroups: boolean,
): Promise<Omit<CreatedNotification, 'reminders'>> {
  const recipients = await resolveAudience(trx, input.audience, strictGroups);
  const counter = await trx
    .updateTable('notification_counter')
    .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
    .where('id', '=', 1)
    .returning('last_seq')
    .executeTakeFirstOrThrow();
  const seq = Number(counter.last_seq);
  const id = nextId(now.getTime());
  const audience = 'everyone' in input.audience ? 'everyone' : 'users' in input.audience ? 'users' : 'groups';
  const notification: StoredNotification = {
    seq,
    id,
    event: input.event,
    channel: input.channel,
    payload: input.payload(id),
    audience,
    createdAt: now.toISOString(),
  };
  await trx
    .insertInto('notifications')
    .values({
      seq,
      id,
      event: input.event,
      channel: input.channel,
      payload: JSON.stringify(notification.payload),
      audience,
      source: input.source,
      created_at: notification.createdAt,
    })
    .execute();
  if (recipients === null) return { notification, liveRecipients: null, recipientCount: null };
  for (const part of chunks(recipients)) {
    await trx
      .insertInto('notification_recipients')
      .values(part.map((user_id) => ({ user_id, seq })))
      .execute();
  }
  const live = await trx
    .selectFrom('notification_recipients as r')
    .select('r.user_id')
    .where('r.seq', '=', seq)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('notification_opt_outs as o')
            .select('o.from_seq')
            .whereRef('o.user_id', '=', 'r.user_id')
            .where('o.channel', '=', input.channel)
            .where('o.until_seq', 'is', null),
        ),
      ),
    )
    .execute();
  return {
    notification,
    liveRecipients: live.map((row) => row.user_id),
    recipientCount: recipients.length,
  };
}

export async function listInbox(
  db: Kysely<Database>,
  userId: string,
  query: InboxQuery,
): Promise<{ items: NotificationItem[]; hasMore: boolean }> {
  assertLimit(query.limit, 'limit');
  const { beforeSeq } = query;
  if (beforeSeq !== undefined) assertSeq(beforeSeq, 'beforeSeq');
  const user = await userState(db, userId);
  const rows = await inbox(db, user)
    .$if(beforeSeq !== undefined, (qb) => qb.where('notifications.seq', '<', beforeSeq ?? 0))
    .$if(query.unreadOnly, (qb) => qb.where((eb) => unread(eb, user)))
    .orderBy('notifications.seq', 'desc')
    .limit(query.limit + 1)
    .execute();
  return {
    items: rows.slice(0, query.limit).map((row) => toItem(row, user)),
    hasMore: rows.length > query.limit,
  };
}

export async function unreadCount(db: Db, userId: string): Promise<number> {
  const user = await userState(db, userId);
  const row = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll().as('n'))
    .where((eb) => eb.and([visibleTo(eb, user), unread(eb, user)]))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function markRead(
  db: Kysely<Database>,
  userId: string,
  target: { ids: readonly string[] } | { all: true },
  now: Date,
): Promise<{ ids: string[]; unreadCount: number }> {
  return db.transaction().execute(async (trx) => {
    const user = await userState(trx, userId, now);
    let ids: string[] = [];
    if ('all' in target) {
      const upTo = await lastSeq(trx);
      await trx
        .updateTable('notification_users')
        .set({ read_up_to_seq: upTo })
        .where('user_id', '=', userId)
        .where('read_up_to_seq', '<', upTo)
        .execute();
      await trx
        .deleteFrom('notification_reads')
        .where('user_id', '=', userId)
        .where('seq', '<=', upTo)
        .execute();
    } else if (target.ids.length > 0) {
      const rows = await trx
        .selectFrom('notifications')
        .select(['notifications.seq', 'notifications.id'])
        .where('notifications.id', 'in', [...target.ids])
        .where((eb) => visibleTo(eb, user))
        .execute();
      ids = rows.map((row) => row.id);
      const unreadRows = rows.filter((row) => Number(row.seq) > user.readUpToSeq);
      if (unreadRows.length > 0) {
        await trx
          .insertInto('notification_reads')
          .values(unreadRows.map((row) => ({ user_id: userId, seq: row.seq, read_at: now.toISOString() })))
          .onConflict((oc) => oc.columns(['user_id', 'seq']).doNothing())
          .execute();
      }
    }
    return { ids, unreadCount: await unreadCount(trx, userId) };
  });
}
