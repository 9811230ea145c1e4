import { LIMITS, type MessageData } from '@mpi/protocol';
import type { RealtimeContext, RealtimeSocket } from '../realtime/types.js';
import type { CatchUpCursor } from '../storage/storage.js';

/**
 * Sends a device everything it has not confirmed, from the database, as `queued_messages` batches ordered
 * by (chatId, seq), then `catch_up_complete`. Live messages keep flowing meanwhile, so a message can come
 * both live and queued: clients dedupe by message id (the SDK does). A brand-new device starts from now
 * and reads older messages through history. Chats whose unconfirmed messages retention already deleted
 * get `resync_required` instead of a silent gap.
 */
export async function catchUp(ctx: RealtimeContext, socket: RealtimeSocket): Promise<number> {
  const { storage } = ctx;
  const { userId, deviceId } = socket.data;
  // One read for a known device; the page queries only run when a chat has something above its cursor.
  const { cursors, prunedGaps, pendingAfter } = await storage.openDeviceCatchUp(userId, deviceId);
  let sent = 0;
  for (const gap of prunedGaps) socket.emit('resync_required', gap);
  let after: CatchUpCursor | null = pendingAfter;
  while (after !== null) {
    const batch: MessageData[] = await storage.pendingForDevice(
      userId,
      deviceId,
      after,
      LIMITS.queuedBatchSize,
    );
    if (batch.length === 0 || !socket.connected) break;
    socket.emit('queued_messages', batch);
    sent += batch.length;
    const last = batch.at(-1);
    if (!last || batch.length < LIMITS.queuedBatchSize) break;
    after = { chatId: last.chatId, seq: last.seq };
  }
  socket.emit('catch_up_complete', { messages: sent, cursors });
  return sent;
}
