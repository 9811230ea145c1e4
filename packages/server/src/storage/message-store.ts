import type { MessageData } from '@mpi/protocol';
import type { Kysely, Transaction } from 'kysely';
import { assertSeq, findByClientId, type IdFactory, toMessage } from './rows.js';
import type { Database, MessageRow } from './schema.js';
import type { AppendMessageInput, AppendMessageResult, HistoryPage, HistoryQuery } from './storage.js';
import { StorageError } from './storage-error.js';

/** Messages: appending with the chat's next seq, history pages and seq ranges. */

/**
 * Appends one message inside `trx` (which may hold other writes of a group commit). On the common path it
 * runs three statements: take the seq, read the members, insert; plus the sender's read mark. A refusal
 * (CHAT_NOT_FOUND, NOT_A_MEMBER) throws a StorageError and a duplicate returns the original, both having
 * given the seq back, so the transaction can still commit the other writes and seqs stay gapless.
 */
export async function appendMessageIn(
  trx: Transaction<Database>,
  nextId: IdFactory,
  input: AppendMessageInput,
): Promise<AppendMessageResult> {
  // Taking the next seq first row-locks the chat (PostgreSQL) or holds the database (SQLite), so
  // appends to one chat run one at a time, and the seq can be given back below without a gap.
  const chat = await trx
    .updateTable('chats')
    .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
    .where('id', '=', input.chatId)
    .returning('last_seq')
    .executeTakeFirst();
  if (!chat) throw new StorageError('CHAT_NOT_FOUND');
  const seq = Number(chat.last_seq);
  const memberRows = await trx
    .selectFrom('chat_members')
    .select(['user_id', 'read_seq'])
    .where('chat_id', '=', input.chatId)
    .execute();
  const members = memberRows.map((m) => ({ userId: m.user_id, readSeq: Number(m.read_seq) }));
  if (!members.some((m) => m.userId === input.senderId)) {
    await giveSeqBack(trx, input.chatId);
    throw new StorageError('NOT_A_MEMBER');
  }
  const now = Date.now();
  const row: MessageRow = {
    id: nextId(now),
    chat_id: input.chatId,
    seq,
    sender_id: input.senderId,
    client_message_id: input.clientMessageId,
    text: input.text,
    created_at: new Date(now).toISOString(),
  };
  // A repeat of a clientMessageId inserts nothing (PostgreSQL waits for a concurrent insert of the same
  // key to commit or roll back first); only then is the original read.
  const inserted = await trx
    .insertInto('messages')
    .values(row)
    .onConflict((oc) => oc.columns(['chat_id', 'sender_id', 'client_message_id']).doNothing())
    .returning('seq')
    .executeTakeFirst();
  if (!inserted) {
    await giveSeqBack(trx, input.chatId);
    const existing = await findByClientId(trx, input);
    if (!existing) throw new Error('A conflicting message vanished during the append');
    return { message: toMessage(existing), duplicate: true, members };
  }
  // Sending in a chat means having read it. Appends to the chat are serialised by the lock above,
  // so the seq only grows; the guard keeps a read mark that is somehow ahead where it is.
  await trx
    .updateTable('chat_members')
    .set({ read_seq: seq })
    .where('chat_id', '=', input.chatId)
    .where('user_id', '=', input.senderId)
    .where('read_seq', '<', seq)
    .execute();
  for (const member of members) {
    if (member.userId === input.senderId) member.readSeq = Math.max(member.readSeq, seq);
  }
  return { message: toMessage(row), duplicate: false, members };
}

/** Undoes the seq increment of this transaction; the chat is still locked by it, so no one took a later seq. */
async function giveSeqBack(trx: Transaction<Database>, chatId: string): Promise<void> {
  await trx
    .updateTable('chats')
    .set((eb) => ({ last_seq: eb('last_seq', '-', 1) }))
    .where('id', '=', chatId)
    .execute();
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
