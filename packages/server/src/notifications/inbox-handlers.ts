import type { HandlerRegistry } from '../realtime/define-handler.js';
import { type RealtimeContext, rooms } from '../realtime/types.js';

/** The notification inbox: pages, read marks (synced to the user's other devices) and device receipts. */
export function registerInboxHandlers(ctx: RealtimeContext, handlers: HandlerRegistry): void {
  const store = ctx.storage.notifications;

  handlers.on('list_notifications', async ({ payload, userId }) => {
    const page = await store.listInbox(userId, payload);
    return { notifications: page.items, hasMore: page.hasMore, unreadCount: await store.unreadCount(userId) };
  });

  handlers.on('mark_notifications_read', async ({ payload, userId, socket }) => {
    const target = payload.all ? ({ all: true } as const) : { ids: payload.ids ?? [] };
    const { ids, unreadCount } = await store.markRead(userId, target, new Date());
    socket
      .to(rooms.user(userId))
      .emit('notifications_read', payload.all ? { all: true, unreadCount } : { ids, unreadCount });
    return { unreadCount };
  });

  handlers.on('notifications_received', async ({ payload, userId, deviceId }) => {
    await store.confirmReceived(userId, deviceId, payload.upToSeq, new Date());
    return {};
  });
}
