import { NOTIFICATION_CHANNELS, type NotificationChannel } from '@mpi/protocol';
import type { Kysely } from 'kysely';
import { PreparedQuery } from '../db/prepared-query.js';
import type { Database, Db } from '../db/schema.js';
import { lastSeq } from './inbox.js';

// Channel consent as periods: unsubscribing opens a period at the current last seq, subscribing closes it.
// A notification of the channel created inside a period is never the user's (not delivered, not in the
// inbox, not caught up), even after they subscribe again. Without a period a channel is on (the default).

/** Compiled once per storage: every connection reads it (see {@link PreparedQuery}). */
export class ConsentQueries {
  readonly openPeriods;

  constructor(db: Kysely<Database>) {
    this.openPeriods = new PreparedQuery((p: { userId: string }) =>
      db
        .selectFrom('notification_opt_outs')
        .select('channel')
        .where('user_id', '=', p.userId)
        .where('until_seq', 'is', null),
    );
  }
}

export async function subscribedChannels(
  db: Db,
  queries: ConsentQueries,
  userId: string,
): Promise<NotificationChannel[]> {
  const open = await queries.openPeriods.rows(db, { userId });
  const off = new Set(open.map((row) => row.channel));
  return NOTIFICATION_CHANNELS.filter((channel) => !off.has(channel));
}

export async function setSubscribed(
  db: Kysely<Database>,
  queries: ConsentQueries,
  userId: string,
  channels: readonly NotificationChannel[],
  subscribed: boolean,
  now: Date,
): Promise<NotificationChannel[]> {
  if (channels.length === 0) return subscribedChannels(db, queries, userId);
  return db.transaction().execute(async (trx) => {
    const seq = await lastSeq(trx);
    const current = new Set(await subscribedChannels(trx, queries, userId));
    if (subscribed) {
      const closing = channels.filter((channel) => !current.has(channel));
      if (closing.length > 0) {
        await trx
          .updateTable('notification_opt_outs')
          .set({ until_seq: seq })
          .where('user_id', '=', userId)
          .where('channel', 'in', closing)
          .where('until_seq', 'is', null)
          .execute();
        // A period without any notification in it hides nothing: forget it.
        await trx
          .deleteFrom('notification_opt_outs')
          .where('user_id', '=', userId)
          .where('channel', 'in', closing)
          .whereRef('until_seq', '=', 'from_seq')
          .execute();
      }
    } else {
      const opening = channels.filter((channel) => current.has(channel));
      if (opening.length > 0) {
        await trx
          .insertInto('notification_opt_outs')
          .values(
            opening.map((channel) => ({
              user_id: userId,
              channel,
              from_seq: seq,
              until_seq: null,
              created_at: now.toISOString(),
            })),
          )
          .onConflict((oc) => oc.columns(['user_id', 'channel', 'from_seq']).doNothing())
          .execute();
      }
    }
    return subscribedChannels(trx, queries, userId);
  });
}
