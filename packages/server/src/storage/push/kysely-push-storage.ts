import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.js';
import type { PushStorage, StoredPushSubscription } from './push-storage.js';

/** Users per `in (…)` list: well below SQLite's and PostgreSQL's limits on bound parameters. */
const USERS_PER_QUERY = 500;

type Row = Selectable<Database['push_subscriptions']>;

function toSubscription(row: Row): StoredPushSubscription {
  return {
    userId: row.user_id,
    deviceId: row.device_id,
    endpoint: row.endpoint,
    keys: { p256dh: row.p256dh, auth: row.auth },
  };
}

/** {@link PushStorage} on Kysely: one table, `push_subscriptions`, the same queries on both dialects. */
export class KyselyPushStorage implements PushStorage {
  constructor(private readonly db: Kysely<Database>) {}

  async save(s: StoredPushSubscription, now: Date): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      // The device's previous subscription, and this endpoint under any other owner, give way.
      await trx
        .deleteFrom('push_subscriptions')
        .where((eb) =>
          eb.or([
            eb.and([eb('user_id', '=', s.userId), eb('device_id', '=', s.deviceId)]),
            eb('endpoint', '=', s.endpoint),
          ]),
        )
        .execute();
      await trx
        .insertInto('push_subscriptions')
        .values({
          endpoint: s.endpoint,
          user_id: s.userId,
          device_id: s.deviceId,
          p256dh: s.keys.p256dh,
          auth: s.keys.auth,
          created_at: now.toISOString(),
        })
        .execute();
    });
  }

  async remove(userId: string, endpoint: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('push_subscriptions')
      .where('user_id', '=', userId)
      .where('endpoint', '=', endpoint)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async expire(endpoint: string): Promise<void> {
    await this.db.deleteFrom('push_subscriptions').where('endpoint', '=', endpoint).execute();
  }

  async forUsers(userIds: readonly string[]): Promise<StoredPushSubscription[]> {
    const found: StoredPushSubscription[] = [];
    for (let i = 0; i < userIds.length; i += USERS_PER_QUERY) {
      const rows = await this.db
        .selectFrom('push_subscriptions')
        .selectAll()
        .where('user_id', 'in', userIds.slice(i, i + USERS_PER_QUERY))
        .execute();
      found.push(...rows.map(toSubscription));
    }
    return found;
  }

  async all(): Promise<StoredPushSubscription[]> {
    const rows = await this.db.selectFrom('push_subscriptions').selectAll().execute();
    return rows.map(toSubscription);
  }
}
