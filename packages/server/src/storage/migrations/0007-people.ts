import type { Kysely, Migration } from 'kysely';

/**
 * `0007_people`: presence settings and last seen of users, per-chat mute of members, and the members a
 * message @mentions (JSON array of user ids, null when none). One column per statement: SQLite's
 * ALTER TABLE adds one at a time.
 */
export const peopleMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('users').addColumn('last_seen_at', 'text').execute();
    await db.schema
      .alterTable('users')
      .addColumn('hide_presence', 'integer', (col) => col.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable('chat_members')
      .addColumn('muted', 'integer', (col) => col.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('messages').addColumn('mentions', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('messages').dropColumn('mentions').execute();
    await db.schema.alterTable('chat_members').dropColumn('muted').execute();
    await db.schema.alterTable('users').dropColumn('hide_presence').execute();
    await db.schema.alterTable('users').dropColumn('last_seen_at').execute();
  },
};
