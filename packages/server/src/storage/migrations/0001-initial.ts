import { type Kysely, type Migration, sql } from 'kysely';

/** `0001_initial`: users, chats and their members, messages, device receipts and devices. */
export const initialMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('name', 'text')
      .addColumn('avatar_url', 'text')
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'text', (col) => col.notNull())
      .execute();

    await db.schema
      .createTable('chats')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('type', 'text', (col) => col.notNull())
      .addColumn('name', 'text')
      .addColumn('dm_key', 'text', (col) => col.unique())
      .addColumn('last_seq', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('pruned_seq', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('created_by', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addCheckConstraint('chats_type_check', sql`type in ('dm', 'group')`)
      .execute();

    await db.schema
      .createTable('chat_members')
      .addColumn('chat_id', 'text', (col) => col.notNull().references('chats.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (col) => col.notNull())
      .addColumn('role', 'text', (col) => col.notNull())
      .addColumn('joined_at', 'text', (col) => col.notNull())
      .addColumn('joined_seq', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('read_seq', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('delivered_seq', 'integer', (col) => col.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('chat_members_pk', ['chat_id', 'user_id'])
      .addCheckConstraint('chat_members_role_check', sql`role in ('admin', 'member')`)
      .execute();
    // A user's chats in chat order: serves the chat list and the catch-up walk over a user's chats.
    await db.schema
      .createIndex('chat_members_user_chat_idx')
      .on('chat_members')
      .columns(['user_id', 'chat_id'])
      .execute();

    await db.schema
      .createTable('messages')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('chat_id', 'text', (col) => col.notNull().references('chats.id').onDelete('cascade'))
      .addColumn('seq', 'integer', (col) => col.notNull())
      .addColumn('sender_id', 'text', (col) => col.notNull())
      .addColumn('client_message_id', 'text', (col) => col.notNull())
      .addColumn('text', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addUniqueConstraint('messages_chat_seq_unique', ['chat_id', 'seq'])
      .addUniqueConstraint('messages_client_id_unique', ['chat_id', 'sender_id', 'client_message_id'])
      .execute();
    // Retention deletes by age.
    await db.schema.createIndex('messages_created_at_idx').on('messages').column('created_at').execute();

    await db.schema
      .createTable('device_receipts')
      .addColumn('user_id', 'text', (col) => col.notNull())
      .addColumn('device_id', 'text', (col) => col.notNull())
      .addColumn('chat_id', 'text', (col) => col.notNull().references('chats.id').onDelete('cascade'))
      .addColumn('received_seq', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('updated_at', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('device_receipts_pk', ['user_id', 'device_id', 'chat_id'])
      .execute();

    await db.schema
      .createTable('devices')
      .addColumn('user_id', 'text', (col) => col.notNull())
      .addColumn('device_id', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('devices_pk', ['user_id', 'device_id'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['devices', 'device_receipts', 'messages', 'chat_members', 'chats', 'users']) {
      await db.schema.dropTable(table).execute();
    }
  },
};
