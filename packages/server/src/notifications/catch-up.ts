import { NOTIFICATION_LIMITS } from '@mpi/protocol';
import { publicErrorBody } from '../errors.js';
import type { RealtimeContext, RealtimeSocket } from '../realtime/types.js';
import { channelsJoined } from './channel-handlers.js';

/**
 * Sends a device the notifications it has not confirmed (`notifications_received`), oldest first, as
 * `queued_notifications` batches, then `notifications_catch_up_complete` with the unread count and the
 * channels. A new device starts from now: its cursor is created at the last seq (the inbox lists older
 * items). Live notifications keep flowing meanwhile, so an item can come both live and queued: clients
 * dedupe by id (the SDK's NotificationStore does).
 */
export async function notificationCatchUp(ctx: RealtimeContext, socket: RealtimeSocket): Promise<number> {
  const store = ctx.storage.notifications;
  const { userId, deviceId } = socket.data;
  await channelsJoined(socket);
  const { newDevice, cursor, pending } = await store.openDeviceCatchUp(userId, deviceId, new Date());
  let sent = 0;
  if (!newDevice && pending) {
    let after = cursor;
    for (;;) {
      const batch = await store.pendingForDevice(userId, after, NOTIFICATION_LIMITS.queuedBatchSize);
      if (batch.length === 0 || !socket.connected) break;
      socket.emit('queued_notifications', batch);
      sent += batch.length;
      after = batch.at(-1)?.seq ?? after;
      if (batch.length < NOTIFICATION_LIMITS.queuedBatchSize) break;
    }
  }
  const { unreadCount, channels } = await store.catchUpSummary(userId);
  socket.emit('notifications_catch_up_complete', {
    notifications: sent,
    fromSeq: cursor,
    unreadCount,
    channels,
  });
  return sent;
}

/** Starts the catch-up after `setup_user` was acknowledged; shutdown waits for it. */
export function startNotificationCatchUp(ctx: RealtimeContext, socket: RealtimeSocket): void {
  ctx.inFlight.enter();
  setImmediate(() => {
    notificationCatchUp(ctx, socket)
      .catch((error: unknown) => {
        ctx.log.error({ err: error, userId: socket.data.userId }, 'notification catch-up failed');
        socket.emit('socket_error', { ...publicErrorBody(error), event: 'setup_user' });
      })
      .finally(() => ctx.inFlight.leave());
  });
}
