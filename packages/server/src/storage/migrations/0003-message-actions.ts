import { type Kysely, type Migration, PostgresAdapter, sql } from 'kysely';

/**
 * `0003_message_actions`: edits, tombstones, replies and reactions, the per-chat change counter that
 * orders them for catch-up, each device's change cursor, and the full-text index of message texts.
 *
 * The full-text index is the one part the portable schema builder cannot express, so it is written per
 * dialect: an FTS5 table on SQLite (external content, kept by triggers, so it changes in the transaction
 * that changes the message) and a GIN index over `to_tsvector('simple', …)` of the text on PostgreSQL (an
 * index, so transactional by nature). Both tokenise without stemming or accent folding, so a query finds the same
 * messages on either database.
 */
export const messageActionsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // One column per statement: SQLite's ALTER TABLE adds one at a time.
    const addColumns = async (
      table: string,
      columns: Array<[string, 'integer' | 'text', boolean]>,
    ): Promise<void> => {
      for (const [name, type, counter] of columns) {
        await db.schema
          .alterTable(table)
          .addColumn(name, type, (col) => (counter ? col.notNull().defaultTo(0) : col))
          .execute();
      }
    };
    await addColumns('chats', [['last_version', 'integer', true]]);
    await addColumns('messages', [
      ['version', 'integer', true],
      ['edited_at', 'text', false],
      ['deleted_at', 'text', false],
      ['reply_to_id', 'text', false],
      ['reply_to_seq', 'integer', false],
      ['reply_to_sender', 'text', false],
    ]);
    await addColumns('device_receipts', [['received_version', 'integer', true]]);
    // The changes of a chat after a device's change cursor, in order.
    await db.schema
      .createIndex('messages_chat_version_idx')
      .on('messages')
      .columns(['chat_id', 'version'])
      .execute();

    await db.schema
      .createTable('message_reactions')
      .addColumn('message_id', 'text', (col) => col.notNull().references('messages.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (col) => col.notNull())
      .addColumn('emoji', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('message_reactions_pk', ['message_id', 'user_id', 'emoji'])
      .execute();

    if (db.getExecutor().adapter instanceof PostgresAdapter) {
      // PostgreSQL's parser keeps e-mail addresses, URLs, hosts and numbers like 1.5 as one word each, where
      // FTS5 sees several: turning their separators into spaces makes both see the same words. The search
      // query repeats this expression exactly, or the index would not serve it.
      await sql`create index if not exists messages_search_idx on messages
        using gin (to_tsvector('simple', translate(text, '@/.:+', '     ')))`.execute(db);
      return;
    }
    await sql`create virtual table messages_fts using fts5(text, content='messages', content_rowid='rowid', tokenize='unicode61 remove_diacritics 0')`.execute(
      db,
    );
    await sql`create trigger messages_fts_insert after insert on messages begin
      insert into messages_fts(rowid, text) values (new.rowid, new.text);
    end`.execute(db);
    await sql`create trigger messages_fts_delete after delete on messages begin
      insert into messages_fts(messages_fts, rowid, text) values ('delete', old.rowid, old.text);
    end`.execute(db);
    await sql`create trigger messages_fts_update after update of text on messages begin
      insert into messages_fts(messages_fts, rowid, text) values ('delete', old.rowid, old.text);
      insert into messages_fts(rowid, text) values (new.rowid, new.text);
    end`.execute(db);
    await sql`insert into messages_fts(messages_fts) values ('rebuild')`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    if (db.getExecutor().adapter instanceof PostgresAdapter) {
      await sql`drop index messages_search_idx`.execute(db);
    } else {
      for (const trigger of ['messages_fts_insert', 'messages_fts_delete', 'messages_fts_update']) {
        await sql`drop trigger ${sql.id(trigger)}`.execute(db);
      }
      await sql`drop table messages_fts`.execute(db);
    }
    await db.schema.dropTable('message_reactions').execute();
    await db.schema.dropIndex('messages_chat_version_idx').execute();
    const drops: Array<[string, string]> = [
      ['chats', 'last_version'],
      ['device_receipts', 'received_version'],
      ['messages', 'version'],
      ['messages', 'edited_at'],
      ['messages', 'deleted_at'],
      ['messages', 'reply_to_id'],
      ['messages', 'reply_to_seq'],
      ['messages', 'reply_to_sender'],
    ];
    for (const [table, column] of drops) await db.schema.alterTable(table).dropColumn(column).execute();
  },
};
