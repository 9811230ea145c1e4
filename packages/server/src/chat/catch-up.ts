import { LIMITS, type MessageData } from '@mpi/protocol';
import type { RealtimeSocket } from '../realtime/types.js';
import type { CatchUp, ServerContext } from '../server-context.js';
import type { CatchUpCursor, DeviceCatchUp, VersionCursor } from '../storage/chat/chat-storage.js';

/**
 * Sends a device everything it has not confirmed, from the database, as `queued_messages` batches ordered
 * by (chatId, seq), then `catch_up_complete`. Live messages keep flowing meanwhile, so a message can come
 * both live and queued: clients dedupe by message id (the SDK does). A brand-new device starts from now
 * and reads older messages through history. Chats whose unconfirmed messages retention already deleted
 * get `resync_required` instead of a silent gap.
 *
 * Then the changes: messages the device already holds that were edited, deleted or reacted to after its
 * change cursor come once each, in their current state, as `queued_updates` batches ordered by (chatId,
 * version); `catch_up_complete.versions` tells the device where its change cursor may move.
 */
export function chatCatchUp(ctx: ServerContext): CatchUp {
  return {
    name: 'chat',
    // One read for a known device (see `ChatStorage#openDeviceCatchUp`); the page queries only run when a
    // chat has something above its cursor.
    async prepare(socket) {
      const start = await ctx.storage.chat.openDeviceCatchUp(socket.data.userId, socket.data.deviceId);
      return () => deliverCatchUp(ctx, socket, start);
    },
  };
}

/**
 * Sends what the catch-up's start found. With nothing to page through, every event goes out
 * synchronously (in the caller's turn of the event loop, so with whatever else it sends in one write).
 */
function deliverCatchUp(
  ctx: ServerContext,
  socket: RealtimeSocket,
  start: DeviceCatchUp,
): number | Promise<number> {
  for (const gap of start.prunedGaps) socket.emit('resync_required', gap);
  const { cursors, versions } = start;
  if (start.pendingAfter === null && start.updatesAfter === null) {
    socket.emit('catch_up_complete', { messages: 0, updates: 0, cursors, versions });
    return 0;
  }
  return (async () => {
    const messages = start.pendingAfter ? await sendPending(ctx, socket, start.pendingAfter) : 0;
    const updates = start.updatesAfter ? await sendUpdates(ctx, socket, start.updatesAfter) : 0;
    if (socket.connected) socket.emit('catch_up_complete', { messages, updates, cursors, versions });
    return messages;
  })();
}

async function sendPending(
  ctx: ServerContext,
  socket: RealtimeSocket,
  first: CatchUpCursor,
): Promise<number> {
  const { userId, deviceId } = socket.data;
  let sent = 0;
  let after: CatchUpCursor | null = first;
  while (after !== null) {
    const batch: MessageData[] = await ctx.storage.chat.pendingForDevice(
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
  return sent;
}

async function sendUpdates(
  ctx: ServerContext,
  socket: RealtimeSocket,
  first: VersionCursor,
): Promise<number> {
  const { userId, deviceId } = socket.data;
  let sent = 0;
  let after: VersionCursor | null = first;
  while (after !== null && socket.connected) {
    const batch = await ctx.storage.chat.updatesForDevice(userId, deviceId, after, LIMITS.queuedBatchSize);
    if (batch.length === 0 || !socket.connected) break;
    socket.emit('queued_updates', batch);
    sent += batch.length;
    const last = batch.at(-1);
    if (!last || batch.length < LIMITS.queuedBatchSize) break;
    after = { chatId: last.chatId, version: last.version ?? 0 };
  }
  return sent;
}
