import { type Kysely, type Migration, sql } from 'kysely';

const TABLES = [
  'ingest_deliveries',
  'audience_group_members',
  'audience_groups',
  'notification_reminders',
  'notification_opt_outs',
  'notification_device_cursors',
  'notification_users',
  'notification_reads',
  'notification_recipients',
  'notifications',
  'notification_counter',
];

/** `0002_notifications`: inbox, consent, device cursors, reminders, audience groups and delivery ids. */
export const notificationsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('notification_counter')
      .addColumn('id', 'integer', (col) => col.primaryKey())
      .addColumn('last_seq', 'integer', (col) => col.notNull().defaultTo(0))
      .execute();
    await sql`insert into notification_counter (id, last_seq) values (1, 0)`.execute(db);

    await db.schema
      .createTable('notifications')
      .addColumn('seq', 'integer', (col) => col.primaryKey())
      .addColumn('id', 'text', (col) => col.notNull().unique())
      .addColumn('event', 'text', (col) => col.notNull())
      .addColumn('channel', 'text', (col) => col.notNull())
      .addColumn('payload', 'text', (col) => col.notNull())
      .addColumn('audience', 'text', (col) => col.notNull())
      .addColumn('source', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addCheckConstraint('notifications_audience_check', sql`audience in ('everyone', 'users', 'groups')`)
      .execute();
    // Broadcasts in seq order: inbox pages and catch-up walk them beside a user's recipient rows.
    await db.schema
      .createIndex('notifications_audience_seq_idx')
      .on('notifications')
      .columns(['audience', 'seq'])
      .execute();

    await db.schema
      .createTable('notification_recipients')
      .addColumn('user_id', 'text', (col) => col.notNull())
      .addColumn('seq', 'integer', (col) => col.notNull().references('notifications.seq').onDelete('cascade'))
      .addPrimaryKeyConstraint('notification_recipients_pk', ['user_id', 'seq'])
      .execute();

    await db.schema
      .createTable('notification_reads')
      .addColumn('user_id', 'text', (col) => col.notNull())
      .addColumn('seq', 'integer', (col) => col.notNull().references('notifications.seq').onDelete('cascade'))
      .addColumn('read_at', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('notification_reads_pk', ['user_id', 'seq'])
      .execute();

    await db.schema
      .createTable('notification_users')
      .addColumn('user_id', 'text', (col) => col.primaryKey())
      .addColumn('broadcast_from_seq', 'integer', (col) => col.notNull())
      .addColumn('read_up_to_seq', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (col) => col.notNull())
      .execute();

    await db.schema
      .createTable('notification_device_cursors')
      .addColumn('user_id', 'text', (col) => col.notNull())
      .addColumn('device_id', 'text', (col) => col.notNull())
      .addColumn('seq', 'integer', (col) => col.notNull())
      .addColumn('updated_at', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('notification_device_cursors_pk', ['user_id', 'device_id'])
      .execute();

    await db.schema
      .createTable('notification_opt_outs')
      .addColumn('user_id', 'text', (col) => col.notNull())
      .addColumn('channel', 'text', (col) => col.notNull())
      .addColumn('from_seq', 'integer', (col) => col.notNull())
      .addColumn('until_seq', 'integer')
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('notification_opt_outs_pk', ['user_id', 'channel', 'from_seq'])
      .execute();

    await db.schema
      .createTable('notification_reminders')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('kind', 'text', (col) => col.notNull())
      .addColumn('item_id', 'text', (col) => col.notNull())
      .addColumn('lead_ms', 'integer', (col) => col.notNull())
      .addColumn('due_at', 'text', (col) => col.notNull())
      .addColumn('starts_at', 'text', (col) => col.notNull())
      .addColumn('item', 'text', (col) => col.notNull())
      .addColumn('audience', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addUniqueConstraint('notification_reminders_item_lead_unique', ['kind', 'item_id', 'lead_ms'])
      .addCheckConstraint('notification_reminders_kind_check', sql`kind in ('calendar', 'match', 'training')`)
      .execute();
    await db.schema
      .createIndex('notification_reminders_due_idx')
      .on('notification_reminders')
      .column('due_at')
      .execute();

    await db.schema
      .createTable('audience_groups')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'text', (col) => col.notNull())
      .execute();
    await db.schema
      .createTable('audience_group_members')
      .addColumn('group_id', 'text', (col) =>
        col.notNull().references('audience_groups.id').onDelete('cascade'),
      )
      .addColumn('user_id', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('audience_group_members_pk', ['group_id', 'user_id'])
      .execute();

    await db.schema
      .createTable('ingest_deliveries')
      .addColumn('delivery_id', 'text', (col) => col.primaryKey())
      .addColumn('fingerprint', 'text', (col) => col.notNull())
      .addColumn('status', 'integer', (col) => col.notNull())
      .addColumn('response', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('ingest_deliveries_created_at_idx')
      .on('ingest_deliveries')
      .column('created_at')
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of TABLES) await db.schema.dropTable(table).execute();
  },
};
