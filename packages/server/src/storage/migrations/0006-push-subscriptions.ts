import type { Kysely, Migration } from 'kysely';

/**
 * `0006_push_subscriptions`: each device's Web Push subscription. The endpoint is the push service's
 * address of one browser profile, so it identifies the row; a device has at most one (a new
 * subscription of the same device replaces the old one).
 */
export const pushSubscriptionsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('push_subscriptions')
      .addColumn('endpoint', 'text', (col) => col.primaryKey())
      .addColumn('user_id', 'text', (col) => col.notNull())
      .addColumn('device_id', 'text', (col) => col.notNull())
      .addColumn('p256dh', 'text', (col) => col.notNull())
      .addColumn('auth', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addUniqueConstraint('push_subscriptions_device_unique', ['user_id', 'device_id'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('push_subscriptions').execute();
  },
};
