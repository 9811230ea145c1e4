import type { Kysely, Migration } from 'kysely';

/**
 * `0005_erasures`: the users whose data was erased (by a hash of their id, with the time), so that tokens
 * issued before the erasure are refused; and the index notification retention deletes by.
 */
export const erasuresMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('erased_users')
      .addColumn('user_hash', 'text', (col) => col.primaryKey())
      .addColumn('erased_at', 'text', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('notifications_created_at_idx')
      .on('notifications')
      .column('created_at')
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('notifications_created_at_idx').execute();
    await db.schema.dropTable('erased_users').execute();
  },
};
