import type { Kysely } from 'kysely';
import type { CallRow, Database } from '../db/schema.js';
import { isUniqueViolation } from '../db/storage-error.js';
import type { CallState, CallStorage, NewCall } from './call-storage.js';

function toCall(row: CallRow): CallState {
  return {
    id: row.id,
    chatId: row.chat_id,
    callerId: row.caller_id,
    calleeId: row.callee_id,
    media: row.media,
    status: row.status,
    createdAt: row.created_at,
    answeredAt: row.answered_at,
    callerSocket: row.caller_socket,
    calleeSocket: row.callee_socket,
    endedAt: row.ended_at,
    endReason: row.end_reason,
  };
}

/** {@link CallStorage} over Kysely: each change is one conditional statement, so nodes cannot race it. */
export class KyselyCallStorage implements CallStorage {
  constructor(private readonly db: Kysely<Database>) {}

  async startCall(call: NewCall): Promise<{ call: CallState } | { refused: 'busy' | 'taken' }> {
    const users = [call.callerId, call.calleeId];
    const busy = await this.db
      .selectFrom('calls')
      .select('id')
      .where('status', '!=', 'ended')
      .where((eb) => eb.or([eb('caller_id', 'in', users), eb('callee_id', 'in', users)]))
      .executeTakeFirst();
    if (busy) return { refused: 'busy' };
    try {
      const row = await this.db
        .insertInto('calls')
        .values({
          id: call.id,
          chat_id: call.chatId,
          caller_id: call.callerId,
          callee_id: call.calleeId,
          media: call.media,
          status: 'ringing',
          caller_socket: call.callerSocket,
          callee_socket: null,
          created_at: new Date().toISOString(),
          answered_at: null,
          ended_at: null,
          end_reason: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { call: toCall(row) };
    } catch (error) {
      if (isUniqueViolation(error)) return { refused: 'taken' };
      throw error;
    }
  }

  async getCall(id: string): Promise<CallState | undefined> {
    const row = await this.db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toCall(row);
  }

  async acceptCall(id: string, calleeId: string, socketId: string): Promise<CallState | undefined> {
    const row = await this.db
      .updateTable('calls')
      .set({ status: 'active', callee_socket: socketId, answered_at: new Date().toISOString() })
      .where('id', '=', id)
      .where('callee_id', '=', calleeId)
      .where('status', '=', 'ringing')
      .returningAll()
      .executeTakeFirst();
    return row && toCall(row);
  }

  async endCall(id: string, reason: string, onlyIfRinging = false): Promise<CallState | undefined> {
    const before = await this.getCall(id);
    if (!before || before.status === 'ended' || (onlyIfRinging && before.status !== 'ringing'))
      return undefined;
    const row = await this.db
      .updateTable('calls')
      .set({ status: 'ended', ended_at: new Date().toISOString(), end_reason: reason })
      .where('id', '=', id)
      .where('status', '=', before.status)
      .returning('id')
      .executeTakeFirst();
    // Another node ended (or answered) it in between: that node's change is the one that counts.
    return row ? before : undefined;
  }

  async callsOfSocket(socketId: string): Promise<CallState[]> {
    const rows = await this.db
      .selectFrom('calls')
      .selectAll()
      .where('status', '!=', 'ended')
      .where((eb) => eb.or([eb('caller_socket', '=', socketId), eb('callee_socket', '=', socketId)]))
      .execute();
    return rows.map(toCall);
  }
}
