import type { EventHandler } from '../realtime/handler-registry.js';
import { rooms } from '../realtime/rooms.js';
import type { ServerContext } from '../server-context.js';

// The notification inbox: pages, read marks (synced to the user's other devices) and device receipts.

export const listNotifications =
  (ctx: ServerContext): EventHandler<'list_notifications'> =>
  async ({ payload, userId }) => {
    const inbox = ctx.storage.notifications;
    const page = await inbox.listInbox(userId, payload);
    return { notifications: page.items, hasMore: page.hasMore, unreadCount: await inbox.unreadCount(userId) };
  };

export const markNotificationsRead =
  (ctx: ServerContext): EventHandler<'mark_notifications_read'> =>
  async ({ payload, userId, socket }) => {
    const target = payload.all ? ({ all: true } as const) : { ids: payload.ids ?? [] };
    const { ids, unreadCount } = await ctx.storage.notifications.markRead(userId, target, new Date());
    socket
      .to(rooms.user(userId))
      .emit('notifications_read', payload.all ? { all: true, unreadCount } : { ids, unreadCount });
    return { unreadCount };
  };

export const confirmNotifications =
  (ctx: ServerContext): EventHandler<'notifications_received'> =>
  async ({ payload, userId, deviceId }) => {
    await ctx.storage.notifications.confirmReceived(userId, deviceId, payload.upToSeq, new Date());
    return {};
  };
