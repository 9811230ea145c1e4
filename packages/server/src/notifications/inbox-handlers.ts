import { defineHandler } from '../realtime/define-handler.js';
import { type RealtimeContext, type RealtimeSocket, rooms } from '../realtime/types.js';

/** The notification inbox: pages, read marks (synced to the user's other devices) and device receipts. */
export function registerInboxHandlers(ctx: RealtimeContext, socket: RealtimeSocket): void {
  const store = ctx.storage.notifications;

  defineHandler(ctx, socket, 'list_notifications', async ({ payload, userId }) => {
    const page = await store.listInbox(userId, payload);
    return { notifications: page.items, hasMore: page.hasMore, unreadCount: await store.unreadCount(userId) };
  });

  defineHandler(ctx, socket, 'mark_notifications_read', async ({ payload, userId }) => {
    const target = payload.all ? ({ all: true } as const) : { ids: payload.ids ?? [] };
    const { ids, unreadCount } = await store.markRead(userId, target, new Date());
    socket
      .to(rooms.user(userId))
      .emit('notifications_read', payload.all ? { all: true, unreadCount } : { ids, unreadCount });
    return { unreadCount };
  });

  defineHandler(ctx, socket, 'notifications_received', async ({ payload, userId, deviceId }) => {
    await store.confirmReceived(userId, deviceId, payload.upToSeq, new Date());
    return {};
  });
}
