import type { MessageData } from '@mpi/protocol';
import type { Kysely } from 'kysely';
import { assertSeq, findByClientId, type IdFactory, isUniqueViolation, toMessage } from './rows.js';
import type { Database, MessageRow } from './schema.js';
import type { AppendMessageInput, AppendMessageResult, HistoryPage, HistoryQuery } from './storage.js';
import { StorageError } from './storage-error.js';

/** Messages: appending with the chat's next seq, history pages and seq ranges. */

/** Thrown inside the append transaction to roll it back when the message already exists. */
class DuplicateMessage {
  constructor(
    readonly row: MessageRow,
    readonly members: AppendMessageResult['members'],
  ) {}
}

export async function appendMessage(
  db: Kysely<Database>,
  nextId: IdFactory,
  input: AppendMessageInput,
): Promise<AppendMessageResult> {
  try {
    return await db.transaction().execute(async (trx) => {
      // Taking the next seq first row-locks the chat (PostgreSQL) or the database (SQLite), so
      // appends to one chat run one at a time and the duplicate check below cannot race.
      const chat = await trx
        .updateTable('chats')
        .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
        .where('id', '=', input.chatId)
        .returning('last_seq')
        .executeTakeFirst();
      if (!chat) throw new StorageError('CHAT_NOT_FOUND');
      const memberRows = await trx
        .selectFrom('chat_members')
        .select(['user_id', 'read_seq'])
        .where('chat_id', '=', input.chatId)
        .execute();
      const members = memberRows.map((m) => ({ userId: m.user_id, readSeq: Number(m.read_seq) }));
      // Throwing rolls back the seq increment.
      if (!members.some((m) => m.userId === input.senderId)) throw new StorageError('NOT_A_MEMBER');
      const existing = await findByClientId(trx, input);
      if (existing) throw new DuplicateMessage(existing, members);
      const now = Date.now();
      const row: MessageRow = {
        id: nextId(now),
        chat_id: input.chatId,
        seq: Number(chat.last_seq),
        sender_id: input.senderId,
        client_message_id: input.clientMessageId,
        text: input.text,
        created_at: new Date(now).toISOString(),
      };
      await trx.insertInto('messages').values(row).execute();
      // Sending in a chat means having read it. Appends to the chat are serialised by the lock above,
      // so the seq only grows; the guard keeps a read mark that is somehow ahead where it is.
      await trx
        .updateTable('chat_members')
        .set({ read_seq: row.seq })
        .where('chat_id', '=', input.chatId)
        .where('user_id', '=', input.senderId)
        .where('read_seq', '<', row.seq)
        .execute();
      for (const member of members) {
        if (member.userId === input.senderId) member.readSeq = Math.max(member.readSeq, row.seq);
      }
      return { message: toMessage(row), duplicate: false, members };
    });
  } catch (error) {
    if (error instanceof DuplicateMessage) {
      return { message: toMessage(error.row), duplicate: true, members: error.members };
    }
    if (isUniqueViolation(error)) {
      // Belt and braces: a concurrent insert of the same clientMessageId won the race.
      const existing = await findByClientId(db, input);
      // The concurrent winner broadcast it; nothing to re-send from here.
      if (existing) return { message: toMessage(existing), duplicate: true, members: [] };
    }
    throw error;
  }
}

export async function getHistory(
  db: Kysely<Database>,
  chatId: string,
  query: HistoryQuery,
): Promise<HistoryPage> {
  if (!Number.isSafeInteger(query.limit) || query.limit < 1) {
    throw new StorageError('VALIDATION_FAILED', 'The history limit must be a positive integer.');
  }
  const { beforeSeq } = query;
  if (beforeSeq !== undefined) assertSeq(beforeSeq, 'beforeSeq');
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where('chat_id', '=', chatId)
    .$if(beforeSeq !== undefined, (qb) => qb.where('seq', '<', beforeSeq ?? 0))
    .orderBy('seq', 'desc')
    .limit(query.limit + 1)
    .execute();
  const hasMore = rows.length > query.limit;
  return { messages: rows.slice(0, query.limit).map(toMessage), hasMore };
}

export async function getMessageRange(
  db: Kysely<Database>,
  chatId: string,
  afterSeq: number,
  upToSeq: number,
): Promise<MessageData[]> {
  assertSeq(afterSeq, 'afterSeq');
  assertSeq(upToSeq, 'upToSeq');
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where('chat_id', '=', chatId)
    .where('seq', '>', afterSeq)
    .where('seq', '<=', upToSeq)
    .orderBy('seq')
    .execute();
  return rows.map(toMessage);
}
