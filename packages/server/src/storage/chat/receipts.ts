import type { Kysely } from 'kysely';
import { PreparedQuery } from '../db/prepared-query.js';
import type { Database } from '../db/schema.js';
import type { WriteProgram } from '../db/write-program.js';
import type { ReceiptInput, ReceiptResult } from './chat-storage.js';
import { membershipError } from './rows.js';

/** The statements of a device receipt, compiled once per storage (see {@link PreparedQuery}). */
export class ReceiptQueries {
  readonly lockMember;
  readonly upsertDevice;
  readonly moveUserMark;

  constructor(readonly db: Kysely<Database>) {
    // A no-op update locks the member row and returns its latest committed value, so concurrent
    // receipts of one user's devices see each other and report previous/new correctly; the chat's last
    // seq comes with it.
    this.lockMember = new PreparedQuery((p: { chatId: string; userId: string }) =>
      db
        .updateTable('chat_members')
        .set((eb) => ({ delivered_seq: eb.ref('delivered_seq') }))
        .where('chat_id', '=', p.chatId)
        .where('user_id', '=', p.userId)
        .returning((eb) => [
          'delivered_seq',
          eb
            .selectFrom('chats')
            .select('last_seq')
            .whereRef('chats.id', '=', 'chat_members.chat_id')
            .as('last_seq'),
        ]),
    );
    this.upsertDevice = new PreparedQuery(
      (p: { userId: string; deviceId: string; chatId: string; seq: number; now: string }) =>
        db
          .insertInto('device_receipts')
          .values({
            user_id: p.userId,
            device_id: p.deviceId,
            chat_id: p.chatId,
            received_seq: p.seq,
            updated_at: p.now,
          })
          .onConflict((oc) =>
            oc.columns(['user_id', 'device_id', 'chat_id']).doUpdateSet((eb) => ({
              received_seq: eb
                .case()
                .when('device_receipts.received_seq', '<', eb.ref('excluded.received_seq'))
                .then(eb.ref('excluded.received_seq'))
                .else(eb.ref('device_receipts.received_seq'))
                .end(),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          ),
    );
    this.moveUserMark = new PreparedQuery((p: { chatId: string; userId: string; seq: number }) =>
      db
        .updateTable('chat_members')
        .set({ delivered_seq: p.seq })
        .where('chat_id', '=', p.chatId)
        .where('user_id', '=', p.userId),
    );
  }
}

/**
 * One device receipt, as a program of the group commit: two statements, three when the user's delivery
 * mark moves. Refuses (NOT_A_MEMBER, CHAT_NOT_FOUND) before writing anything.
 */
export function* recordReceipt(queries: ReceiptQueries, input: ReceiptInput): WriteProgram<ReceiptResult> {
  const { chatId, userId } = input;
  const member = yield* queries.lockMember.first$({ chatId, userId });
  if (!member) throw yield* membershipError(queries.db, chatId);
  const seq = Math.min(input.upToSeq, Number(member.last_seq ?? 0));
  yield* queries.upsertDevice.run$({
    userId,
    deviceId: input.deviceId,
    chatId,
    seq,
    now: new Date().toISOString(),
  });
  const previousUserSeq = Number(member.delivered_seq);
  const userSeq = Math.max(previousUserSeq, seq);
  if (userSeq !== previousUserSeq) yield* queries.moveUserMark.run$({ chatId, userId, seq: userSeq });
  return { previousUserSeq, userSeq };
}
