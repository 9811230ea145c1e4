import type { MessageData } from '@mpi/protocol';
import type { Kysely } from 'kysely';
import type { IdFactory } from '../db/ids.js';
import { PreparedQuery } from '../db/prepared-query.js';
import type { Database, MessageRow } from '../db/schema.js';
import { assertSeq, StorageError } from '../db/storage-error.js';
import { runProgram, statement, type WriteProgram } from '../db/write-program.js';
import type { AppendMessageInput, AppendMessageResult, HistoryPage, HistoryQuery } from './chat-storage.js';
import { withDetails } from './message-details.js';
import { mentionsColumn, toMessage } from './rows.js';

// Messages: appending with the chat's next seq, history pages and seq ranges.

/** The statements of the chat's hot path, compiled once per storage (see {@link PreparedQuery}). */
export class MessageQueries {
  readonly takeSeq;
  readonly giveSeqBack;
  readonly members;
  readonly insert;
  readonly markSenderRead;
  readonly byClientId;
  readonly range;
  /** Varies with the number of files, so built per message (only messages with files pay for it). */
  readonly attachFiles;

  constructor(readonly db: Kysely<Database>) {
    this.takeSeq = new PreparedQuery((p: { chatId: string }) =>
      db
        .updateTable('chats')
        .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
        .where('id', '=', p.chatId)
        .returning('last_seq'),
    );
    this.giveSeqBack = new PreparedQuery((p: { chatId: string }) =>
      db
        .updateTable('chats')
        .set((eb) => ({ last_seq: eb('last_seq', '-', 1) }))
        .where('id', '=', p.chatId),
    );
    this.members = new PreparedQuery((p: { chatId: string }) =>
      db.selectFrom('chat_members').select(['user_id', 'read_seq']).where('chat_id', '=', p.chatId),
    );
    // A repeat of a clientMessageId inserts nothing (PostgreSQL waits for a concurrent insert of the same
    // key to commit or roll back first); only then is the original read.
    this.insert = new PreparedQuery((p: MessageRow) =>
      db
        .insertInto('messages')
        .values({
          id: p.id,
          chat_id: p.chat_id,
          seq: p.seq,
          sender_id: p.sender_id,
          client_message_id: p.client_message_id,
          text: p.text,
          created_at: p.created_at,
          mentions: p.mentions,
          envelope: p.envelope,
          reply_to_id: p.reply_to_id,
          reply_to_seq: p.reply_to_seq,
          reply_to_sender: p.reply_to_sender,
          attachments: p.attachments,
          call: p.call,
        })
        .onConflict((oc) => oc.columns(['chat_id', 'sender_id', 'client_message_id']).doNothing())
        .returning('seq'),
    );
    // Appends to the chat are serialised by the seq lock, so the seq only grows; the guard keeps a read
    // mark that is somehow ahead where it is.
    this.markSenderRead = new PreparedQuery((p: { chatId: string; userId: string; seq: number }) =>
      db
        .updateTable('chat_members')
        .set({ read_seq: p.seq })
        .where('chat_id', '=', p.chatId)
        .where('user_id', '=', p.userId)
        .where('read_seq', '<', p.seq),
    );
    this.byClientId = new PreparedQuery((p: { chatId: string; senderId: string; clientMessageId: string }) =>
      db
        .selectFrom('messages')
        .selectAll()
        .where('chat_id', '=', p.chatId)
        .where('sender_id', '=', p.senderId)
        .where('client_message_id', '=', p.clientMessageId),
    );
    this.attachFiles = (p: { messageId: string; fileIds: string[] }) =>
      db
        .updateTable('files')
        .set({ message_id: p.messageId })
        .where('id', 'in', p.fileIds)
        .where('message_id', 'is', null);
    this.range = new PreparedQuery((p: { chatId: string; afterSeq: number; upToSeq: number }) =>
      db
        .selectFrom('messages')
        .selectAll()
        .where('chat_id', '=', p.chatId)
        .where('seq', '>', p.afterSeq)
        .where('seq', '<=', p.upToSeq)
        .orderBy('seq'),
    );
  }
}

/**
 * Appends one message, as a program of the group commit (whose transaction holds other writes too). On the common path it
 * runs four statements: take the seq, read the members, insert, and move the sender's read mark. A refusal
 * (CHAT_NOT_FOUND, NOT_A_MEMBER) throws a StorageError and a duplicate returns the original, both having
 * given the seq back, so the transaction can still commit the other writes and seqs stay gapless.
 */
export function* appendMessage(
  queries: MessageQueries,
  nextId: IdFactory,
  input: AppendMessageInput,
): WriteProgram<AppendMessageResult> {
  const { chatId } = input;
  // Taking the next seq first row-locks the chat (PostgreSQL) or holds the database (SQLite), so
  // appends to one chat run one at a time, and the seq can be given back below without a gap.
  const chat = yield* queries.takeSeq.first$({ chatId });
  if (!chat) throw new StorageError('CHAT_NOT_FOUND');
  const seq = Number(chat.last_seq);
  const memberRows = yield* queries.members.rows$({ chatId });
  const members = memberRows.map((m) => ({ userId: m.user_id, readSeq: Number(m.read_seq) }));
  if (!members.some((m) => m.userId === input.senderId)) {
    yield* queries.giveSeqBack.run$({ chatId });
    throw new StorageError('NOT_A_MEMBER');
  }
  const original =
    input.replyToId === undefined ? undefined : yield* findOriginal(queries, chatId, input.replyToId);
  if (original !== undefined && (original === null || original.deleted_at !== null)) {
    yield* queries.giveSeqBack.run$({ chatId });
    // A retry of a reply whose original went meanwhile is still the message that was stored.
    const existing = yield* queries.byClientId.first$(input);
    if (existing)
      return {
        message: (yield* withDetails(queries.db, [existing]))[0] as MessageData,
        duplicate: true,
        members,
      };
    throw new StorageError(original === null ? 'MESSAGE_NOT_FOUND' : 'MESSAGE_DELETED');
  }
  // Only members can be mentioned, and not the sender: the others are dropped (the text stays as written).
  const memberIds = new Set(members.map((m) => m.userId));
  const mentions = (input.mentions ?? []).filter((id) => id !== input.senderId && memberIds.has(id));
  const now = Date.now();
  const row: MessageRow = {
    id: nextId(now),
    chat_id: chatId,
    seq,
    sender_id: input.senderId,
    client_message_id: input.clientMessageId,
    text: input.text,
    created_at: new Date(now).toISOString(),
    mentions: mentionsColumn(mentions),
    envelope: input.envelope === undefined ? null : JSON.stringify(input.envelope),
    version: 0,
    edited_at: null,
    deleted_at: null,
    reply_to_id: original?.id ?? null,
    reply_to_seq: original ? Number(original.seq) : null,
    reply_to_sender: original?.sender_id ?? null,
    attachments: input.attachments ? JSON.stringify(input.attachments) : null,
    call: input.call ? JSON.stringify(input.call) : null,
  };
  const inserted = yield* queries.insert.first$(row);
  if (!inserted) {
    yield* queries.giveSeqBack.run$({ chatId });
    const existing = yield* queries.byClientId.first$(input);
    if (!existing) throw new Error('A conflicting message vanished during the append');
    return {
      message: (yield* withDetails(queries.db, [existing]))[0] as MessageData,
      duplicate: true,
      members,
    };
  }
  // In the append's transaction: a file belongs to the first message that commits with it.
  if (input.attachments) {
    const fileIds = input.attachments.map((a) => a.id);
    yield* statement(queries.attachFiles({ messageId: row.id, fileIds }));
  }
  // Sending in a chat means having read it.
  yield* queries.markSenderRead.run$({ chatId, userId: input.senderId, seq });
  for (const member of members) {
    if (member.userId === input.senderId) member.readSeq = Math.max(member.readSeq, seq);
  }
  const message = toMessage(row);
  if (original) {
    message.replyTo = {
      messageId: original.id,
      seq: Number(original.seq),
      senderId: original.sender_id,
      text: original.text,
      deleted: false,
    };
  }
  return { message, duplicate: false, members };
}

/** The message a reply answers, in the same chat; null when there is none. */
function* findOriginal(queries: MessageQueries, chatId: string, id: string) {
  const { rows } = yield* statement(
    queries.db
      .selectFrom('messages')
      .select(['id', 'seq', 'sender_id', 'text', 'deleted_at'])
      .where('chat_id', '=', chatId)
      .where('id', '=', id),
  );
  return rows[0] ?? null;
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
  return { messages: await runProgram(withDetails(db, rows.slice(0, query.limit)), db), hasMore };
}

export async function getMessageRange(
  db: Kysely<Database>,
  queries: MessageQueries,
  chatId: string,
  afterSeq: number,
  upToSeq: number,
): Promise<MessageData[]> {
  assertSeq(afterSeq, 'afterSeq');
  assertSeq(upToSeq, 'upToSeq');
  return runProgram(withDetails(db, await queries.range.rows(db, { chatId, afterSeq, upToSeq })), db);
}
