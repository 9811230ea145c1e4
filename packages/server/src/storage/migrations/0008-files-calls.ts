import type { Kysely, Migration } from 'kysely';

/**
 * `0008_files_calls`: uploads (one row per tus upload, bound to its owner and chat, completed with the server's
 * checksum, image size and voice metadata) and each message's attachments as the JSON it is sent with; 1:1 calls (signalling state) and
 * each message's call record (the history's "missed call", "call, 3 min").
 */
export const filesCallsMigration: Migration = {
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

    await db.schema
      .createTable('calls')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('chat_id', 'text', (col) => col.notNull().references('chats.id').onDelete('cascade'))
      .addColumn('caller_id', 'text', (col) => col.notNull())
      .addColumn('callee_id', 'text', (col) => col.notNull())
      .addColumn('media', 'text', (col) => col.notNull())
      .addColumn('status', 'text', (col) => col.notNull())
      .addColumn('caller_socket', 'text', (col) => col.notNull())
      .addColumn('callee_socket', 'text')
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('answered_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('end_reason', 'text')
      .execute();
    // "Is either of them in a call?" looks at the calls not ended.
    await db.schema.createIndex('calls_status_idx').on('calls').columns(['status', 'caller_id']).execute();
    await db.schema.alterTable('messages').addColumn('call', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('messages').dropColumn('call').execute();
    await db.schema.dropTable('calls').execute();
    await db.schema.alterTable('messages').dropColumn('attachments').execute();
    await db.schema.dropTable('files').execute();
  },
};
