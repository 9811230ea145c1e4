import type { Kysely, Migration } from 'kysely';

/**
 * `0008_files`: uploads (one row per tus upload, bound to its owner and chat, completed with the server's
 * checksum, image size and voice metadata) and each message's attachments as the JSON it is sent with.
 */
export const filesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('files')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('owner_id', 'text', (col) => col.notNull())
      .addColumn('chat_id', 'text', (col) => col.notNull().references('chats.id').onDelete('cascade'))
      .addColumn('name', 'text', (col) => col.notNull())
      .addColumn('type', 'text', (col) => col.notNull())
      .addColumn('size', 'integer', (col) => col.notNull())
      .addColumn('status', 'text', (col) => col.notNull())
      .addColumn('sha256', 'text')
      .addColumn('width', 'integer')
      .addColumn('height', 'integer')
      .addColumn('has_thumbnail', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('duration_ms', 'integer')
      .addColumn('waveform', 'text')
      .addColumn('message_id', 'text')
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('completed_at', 'text')
      .execute();
    await db.schema.createIndex('files_owner_idx').on('files').column('owner_id').execute();
    await db.schema.createIndex('files_message_idx').on('files').column('message_id').execute();
    await db.schema.alterTable('messages').addColumn('attachments', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('messages').dropColumn('attachments').execute();
    await db.schema.dropTable('files').execute();
  },
};
