import { NOTIFICATION_LIMITS, type NotificationChannel } from '@mpi/protocol';
import type { RealtimeSocket } from '../realtime/types.js';
import type { CatchUp, ServerContext } from '../server-context.js';
import { channelsJoined } from './channel-handlers.js';

/** What a notification catch-up found before sending anything. */
interface PreparedNotificationCatchUp {
  cursor: number;
  /** Items above the cursor may be the device's: page through them before the summary. */
  pending: boolean;
  /** Read already when nothing is pending. */
  summary: { unreadCount: number; channels: NotificationChannel[] } | null;
}

/**
 * Sends a device the notifications it has not confirmed (`notifications_received`), oldest first, as
 * `queued_notifications` batches, then `notifications_catch_up_complete` with the unread count and the
 * channels. A new device starts from now: its cursor is created at the last seq (the inbox lists older
 * items). Live notifications keep flowing meanwhile, so an item can come both live and queued: clients
 * dedupe by id (the SDK's NotificationStore does).
 */
export function notificationCatchUp(ctx: ServerContext): CatchUp {
  return {
    name: 'notifications',
    async prepare(socket) {
      const prepared = await prepareNotificationCatchUp(ctx, socket);
      return () => deliverNotificationCatchUp(ctx, socket, prepared);
    },
  };
}

/**
 * The catch-up's reads up to the first page: the device's cursor (one read when user and device are
 * known) and, when nothing above it can be the device's, the unread count and channels.
 */
async function prepareNotificationCatchUp(
  ctx: ServerContext,
  socket: RealtimeSocket,
): Promise<PreparedNotificationCatchUp> {
  const store = ctx.storage.notifications;
  const { userId, deviceId } = socket.data;
  await channelsJoined(socket);
  const { newDevice, cursor, pending } = await store.openDeviceCatchUp(userId, deviceId, new Date());
  const hasPages = !newDevice && pending;
  return { cursor, pending: hasPages, summary: hasPages ? null : await store.catchUpSummary(userId) };
}

/**
 * Sends what {@link prepareNotificationCatchUp} found; synchronously when there is nothing to page through
 * (so in the caller's turn of the event loop, with whatever else it sends in one write).
 */
function deliverNotificationCatchUp(
  ctx: ServerContext,
  socket: RealtimeSocket,
  prepared: PreparedNotificationCatchUp,
): number | Promise<number> {
  if (prepared.summary) {
    socket.emit('notifications_catch_up_complete', {
      notifications: 0,
      fromSeq: prepared.cursor,
      ...prepared.summary,
    });
    return 0;
  }
  return sendPending(ctx, socket, prepared.cursor);
}

async function sendPending(ctx: ServerContext, socket: RealtimeSocket, cursor: number): Promise<number> {
  const store = ctx.storage.notifications;
  const { userId } = socket.data;
  let sent = 0;
  let after = cursor;
  for (;;) {
    const batch = await store.pendingForDevice(userId, after, NOTIFICATION_LIMITS.queuedBatchSize);
    if (batch.length === 0 || !socket.connected) break;
    socket.emit('queued_notifications', batch);
    sent += batch.length;
    after = batch.at(-1)?.seq ?? after;
    if (batch.length < NOTIFICATION_LIMITS.queuedBatchSize) break;
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
