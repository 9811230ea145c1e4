import type { Kysely } from 'kysely';
import { PreparedQuery } from '../db/prepared-query.js';
import type { Database } from '../db/schema.js';
import type { WriteProgram } from '../db/write-program.js';
import type { ReadMarkResult } from './chat-storage.js';
import { membershipError } from './rows.js';

/** The statements of a read mark, compiled once per storage (see {@link PreparedQuery}). */
export class ReadMarkQueries {
  readonly lockMember;
  readonly moveMark;
  readonly unread;

  constructor(readonly db: Kysely<Database>) {
    // As a receipt's: a no-op update locks the member row and returns its mark, with the chat's last seq.
    this.lockMember = new PreparedQuery((p: { chatId: string; userId: string }) =>
      db
        .updateTable('chat_members')
        .set((eb) => ({ read_seq: eb.ref('read_seq') }))
        .where('chat_id', '=', p.chatId)
        .where('user_id', '=', p.userId)
        .returning((eb) => [
          'read_seq',
          eb
            .selectFrom('chats')
            .select('last_seq')
            .whereRef('chats.id', '=', 'chat_members.chat_id')
            .as('last_seq'),
        ]),
    );
    this.moveMark = new PreparedQuery((p: { chatId: string; userId: string; seq: number }) =>
      db
        .updateTable('chat_members')
        .set({ read_seq: p.seq })
        .where('chat_id', '=', p.chatId)
        .where('user_id', '=', p.userId),
    );
    this.unread = new PreparedQuery((p: { chatId: string; userId: string; readSeq: number }) =>
      db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('chat_id', '=', p.chatId)
        .where('seq', '>', p.readSeq)
        .where('sender_id', '<>', p.userId),
    );
  }
}

/**
 * A user's cumulative read mark, as a program of the group commit: never moves back, clamps to the chat's
 * last seq, and counts what is left unread (messages of others after the mark).
 */
export function* markRead(
  queries: ReadMarkQueries,
  chatId: string,
  userId: string,
  upToSeq: number,
): WriteProgram<ReadMarkResult> {
  const member = yield* queries.lockMember.first$({ chatId, userId });
  if (!member) throw yield* membershipError(queries.db, chatId);
  const current = Number(member.read_seq);
  const readSeq = Math.max(current, Math.min(upToSeq, Number(member.last_seq ?? 0)));
  if (readSeq !== current) yield* queries.moveMark.run$({ chatId, userId, seq: readSeq });
  const unread = yield* queries.unread.first$({ chatId, userId, readSeq });
  return { readSeq, unreadCount: Number(unread?.n ?? 0) };
}
