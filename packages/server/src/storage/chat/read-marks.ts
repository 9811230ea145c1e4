import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { assertSeq } from '../db/storage-error.js';
import type { ReadMarkResult } from './chat-storage.js';
import { chatLastSeq, membershipError } from './rows.js';

export async function markRead(
  db: Kysely<Database>,
  chatId: string,
  userId: string,
  upToSeq: number,
): Promise<ReadMarkResult> {
  assertSeq(upToSeq, 'upToSeq');
  return db.transaction().execute(async (trx) => {
    const member = await trx
      .updateTable('chat_members')
      .set((eb) => ({ read_seq: eb.ref('read_seq') }))
      .where('chat_id', '=', chatId)
      .where('user_id', '=', userId)
      .returning('read_seq')
      .executeTakeFirst();
    if (!member) throw await membershipError(trx, chatId);
    const lastSeq = await chatLastSeq(trx, chatId);
    const readSeq = Math.max(Number(member.read_seq), Math.min(upToSeq, lastSeq));
    if (readSeq !== Number(member.read_seq)) {
      await trx
        .updateTable('chat_members')
        .set({ read_seq: readSeq })
        .where('chat_id', '=', chatId)
        .where('user_id', '=', userId)
        .execute();
    }
    const unread = await trx
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('chat_id', '=', chatId)
      .where('seq', '>', readSeq)
      .where('sender_id', '<>', userId)
      .executeTakeFirstOrThrow();
    return { readSeq, unreadCount: Number(unread.n) };
  });
}
