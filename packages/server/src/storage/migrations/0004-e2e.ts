import type { Kysely, Migration } from 'kysely';

/**
 * `0004_e2e`: end-to-end encrypted chats. A chat's `encrypted` flag (0/1: portable, and fixed for the
 * chat's life), a message's `envelope` (JSON, its `text` then empty) and the devices' public keys.
 */
export const e2eMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('chats')
      .addColumn('encrypted', 'integer', (col) => col.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('messages').addColumn('envelope', 'text').execute();
    await db.schema
      .createTable('device_keys')
      .addColumn('user_id', 'text', (col) => col.notNull())
      .addColumn('device_id', 'text', (col) => col.notNull())
      .addColumn('public_key', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('device_keys_pk', ['user_id', 'device_id'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('device_keys').execute();
    await db.schema.alterTable('messages').dropColumn('envelope').execute();
    await db.schema.alterTable('chats').dropColumn('encrypted').execute();
  },
};
