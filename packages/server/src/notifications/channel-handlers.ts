import { MANDATORY_CHANNELS, NOTIFICATION_CHANNELS, type NotificationChannel } from '@mpi/protocol';
import { AppError } from '../errors.js';
import type { EventHandler } from '../realtime/handler-registry.js';
import { rooms } from '../realtime/rooms.js';
import type { RealtimeSocket } from '../realtime/types.js';
import type { ServerContext } from '../server-context.js';

// Notification channels as a stored per-user preference (all on by default; `system` always on).

const joining = new WeakMap<RealtimeSocket, Promise<void>>();

/** Resolves once the connection has joined the channel rooms of the user's stored preference. */
export function channelsJoined(socket: RealtimeSocket): Promise<void> {
  return joining.get(socket) ?? Promise.resolve();
}

const isMandatory = (channel: NotificationChannel) => MANDATORY_CHANNELS.includes(channel);

/** At connection: the mandatory channels at once, then the rest of the stored preference. */
async function joinStoredChannels(ctx: ServerContext, socket: RealtimeSocket): Promise<void> {
  await socket.join(MANDATORY_CHANNELS.map(rooms.channel));
  try {
    const channels = await ctx.storage.notifications.subscribedChannels(socket.data.userId);
    if (socket.connected) await socket.join(channels.map(rooms.channel));
  } catch (error) {
    ctx.log.error({ err: error, userId: socket.data.userId }, 'could not load notification preferences');
  }
}

/** Makes every connection of the user, on every node, follow the stored preference; tells the others. */
async function applyEverywhere(
  ctx: ServerContext,
  socket: RealtimeSocket,
  channels: NotificationChannel[],
): Promise<void> {
  const devices = ctx.io.in(rooms.user(socket.data.userId));
  const off = NOTIFICATION_CHANNELS.filter((channel) => !channels.includes(channel));
  await Promise.all([
    channels.length > 0 ? devices.socketsJoin(channels.map(rooms.channel)) : undefined,
    off.length > 0 ? devices.socketsLeave(off.map(rooms.channel)) : undefined,
  ]);
  socket.to(rooms.user(socket.data.userId)).emit('notification_channels_updated', { channels });
}

/** A `connect` hook: every connection follows the user's stored preference. */
export function joinChannels(ctx: ServerContext, socket: RealtimeSocket): void {
  joining.set(socket, joinStoredChannels(ctx, socket));
}

export const subscribe =
  (ctx: ServerContext): EventHandler<'subscribe'> =>
  async ({ payload, userId, socket }) => {
    await channelsJoined(socket);
    const wanted = payload.channels.filter((channel) => !isMandatory(channel));
    const channels = await ctx.storage.notifications.setSubscribed(userId, wanted, true, new Date());
    await applyEverywhere(ctx, socket, channels);
    return { channels };
  };

export const unsubscribe =
  (ctx: ServerContext): EventHandler<'unsubscribe'> =>
  async ({ payload, userId, socket }) => {
    const mandatory = payload.channels.filter(isMandatory);
    if (mandatory.length > 0) {
      throw new AppError(
        'FORBIDDEN',
        `The ${mandatory.join(', ')} channel cannot be unsubscribed: it carries maintenance and service notices. Nothing was changed.`,
      );
    }
    await channelsJoined(socket);
    const channels = await ctx.storage.notifications.setSubscribed(
      userId,
      payload.channels,
      false,
      new Date(),
    );
    await applyEverywhere(ctx, socket, channels);
    return { channels };
  };

export const getPreferences =
  (ctx: ServerContext): EventHandler<'get_preferences'> =>
  async ({ userId }) => ({ channels: await ctx.storage.notifications.subscribedChannels(userId) });
