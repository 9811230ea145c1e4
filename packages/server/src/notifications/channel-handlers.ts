import { NOTIFICATION_CHANNELS, type NotificationChannel } from '@mpi/protocol';
import { defineHandler } from '../realtime/define-handler.js';
import { type RealtimeContext, type RealtimeSocket, rooms } from '../realtime/types.js';

function subscribedChannels(socket: RealtimeSocket): NotificationChannel[] {
  return NOTIFICATION_CHANNELS.filter((channel) => socket.rooms.has(rooms.channel(channel)));
}

/** Notification channel subscriptions of one connection. */
export function registerChannelHandlers(ctx: RealtimeContext, socket: RealtimeSocket): void {
  defineHandler(ctx, socket, 'subscribe', async ({ payload }) => {
    await socket.join(payload.channels.map(rooms.channel));
    return { channels: subscribedChannels(socket) };
  });

  defineHandler(ctx, socket, 'unsubscribe', async ({ payload }) => {
    await Promise.all(payload.channels.map((channel) => socket.leave(rooms.channel(channel))));
    return { channels: subscribedChannels(socket) };
  });
}
