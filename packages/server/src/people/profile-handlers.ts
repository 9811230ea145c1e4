import type { UserProfile } from '@mpi/protocol';
import type { EventHandler } from '../realtime/handler-registry.js';
import { rooms } from '../realtime/rooms.js';
import type { RealtimeSocket } from '../realtime/types.js';
import type { ServerContext } from '../server-context.js';
import { broadcastPresence, peopleSnapshot } from './presence.js';

/**
 * A changed name or avatar reaches everyone who shares a chat with the user and the user's other
 * connections, on every node.
 */
export async function announceProfile(
  ctx: ServerContext,
  socket: RealtimeSocket,
  user: UserProfile,
): Promise<void> {
  const audience = await ctx.storage.chat.coMembers(user.id);
  socket
    .to([rooms.user(user.id), ...audience.map((m) => rooms.user(m.userId))])
    .emit('profile_updated', user);
}

export const updateProfile =
  (ctx: ServerContext): EventHandler<'update_profile'> =>
  async ({ payload, userId, socket }) => {
    const saved = await ctx.storage.chat.upsertUser({ id: userId, ...payload });
    if (saved.changed) await announceProfile(ctx, socket, saved.user);
    return { user: saved.user };
  };

export const getProfiles =
  (ctx: ServerContext): EventHandler<'get_profiles'> =>
  async ({ payload, userId }) =>
    peopleSnapshot(ctx, userId, payload.userIds, false);

export const setPresenceHidden =
  (ctx: ServerContext): EventHandler<'set_presence_hidden'> =>
  async ({ payload, userId, socket }) => {
    const settings = await ctx.storage.chat.setPresenceHidden(userId, payload.hidden);
    socket.to(rooms.user(userId)).emit('settings_updated', settings);
    // Hiding looks like going offline without a trace; showing again, like coming online (the user is
    // connected: this request came from them).
    await broadcastPresence(ctx, { userId, online: !settings.hidePresence, lastSeenAt: null });
    return { settings };
  };
