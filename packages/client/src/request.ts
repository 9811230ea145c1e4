import type { AckedClientEvent, AckOf, ClientEventPayload } from '@mpi/protocol';
import { isAck, unavailable } from './errors.js';
import type { ClientSocket } from './types.js';

/**
 * Emits an acknowledged client event and resolves with its Ack; never rejects. No ack within
 * `ackTimeoutMs`, or the connection lost before the ack, resolve with UNAVAILABLE.
 */
export async function emitWithAck<E extends AckedClientEvent>(
  socket: ClientSocket,
  event: E,
  payload: ClientEventPayload<E>,
  ackTimeoutMs: number,
): Promise<AckOf<E>> {
  // socket.io's typings cannot follow a generic event name through timeout(); the contract is the type.
  const emitter = socket.timeout(ackTimeoutMs) as unknown as {
    emitWithAck(event: string, payload: unknown): Promise<unknown>;
  };
  let response: unknown;
  try {
    response = await emitter.emitWithAck(event, payload);
  } catch (error) {
    const lost = error instanceof Error && /disconnected/.test(error.message);
    return unavailable(
      lost
        ? `The connection was lost before "${event}" was acknowledged.`
        : `No acknowledgement of "${event}" within ${ackTimeoutMs} ms.`,
    );
  }
  if (!isAck(response)) {
    return { ok: false, error: { code: 'INTERNAL', message: `Malformed ack of "${event}".` } };
  }
  return response as AckOf<E>;
}
