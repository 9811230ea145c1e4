import type { SearchPage } from '@mpi/protocol';
import { searchWords } from '@mpi/protocol/schemas';
import { type Kysely, sql } from 'kysely';
import type { Database, MessageRow } from '../db/schema.js';
import { assertLimit, StorageError } from '../db/storage-error.js';
import { runProgram } from '../db/write-program.js';
import type { SearchQuery } from './chat-storage.js';
import { withDetails } from './message-details.js';

/**
 * Full-text search over the chats the user is a member of, newest first, a page at a time (the cursor is
 * the last message id of the previous page: ids are ULIDs, in creation order). Every word of the query
 * must match the start of a word of the text. SQLite uses the FTS5 table `messages_fts`, PostgreSQL the
 * GIN index of migration 0003, whose expression the query repeats exactly; both are kept by the transaction that
 * writes the message, so an edit or a deletion shows in the next search. Words hold only letters and
 * digits, so they cannot carry the query syntax of either engine.
 */
export async function searchMessages(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
  query: SearchQuery,
): Promise<SearchPage> {
  assertLimit(query.limit, 'The search limit');
  const words = searchWords(query.text);
  if (words.length === 0) throw new StorageError('VALIDATION_FAILED', 'The query has no words.');
  const inChat = query.chatId === undefined ? sql`` : sql`and m.chat_id = ${query.chatId}`;
  const before = query.cursor === undefined ? sql`` : sql`and m.id < ${query.cursor}`;
  const member = sql`join chat_members cm on cm.chat_id = m.chat_id and cm.user_id = ${query.userId}`;
  const page = sql`${inChat} ${before} order by m.id desc limit ${query.limit + 1}`;
  const { rows } =
    dialect === 'sqlite'
      ? await sql<MessageRow>`select m.* from messages_fts f join messages m on m.rowid = f.rowid ${member}
          where messages_fts match ${words.map((word) => `"${word}"*`).join(' ')} ${page}`.execute(db)
      : await sql<MessageRow>`select m.* from messages m ${member}
          where to_tsvector('simple', translate(m.text, '@/.:+', '     '))
            @@ to_tsquery('simple', ${words.map((word) => `${word}:*`).join(' & ')})
          ${page}`.execute(db);
  const hasMore = rows.length > query.limit;
  const results = await runProgram(withDetails(db, rows.slice(0, query.limit)), db);
  return { results, nextCursor: hasMore ? (results.at(-1)?.id ?? null) : null };
}
