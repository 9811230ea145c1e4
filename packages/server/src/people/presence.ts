import type { PeopleSnapshot, UserPresence } from '@mpi/protocol';
import { rooms } from '../realtime/rooms.js';
import type { ServerContext } from '../server-context.js';

/*
 * Presence: a user is online while at least one of their connections is open, on any node (their `user:`
 * room, asked across nodes through the adapter); last seen is stored when the last one closes. The rules
 * of who sees what (docs/protocol.md, "People"): a user who hides presence is shown offline without a
 * last seen to everyone; a viewer who hides theirs sees online but no one's last seen, as on WhatsApp.
 */

/** The users among `userIds` with an open connection on any node, in one cluster-wide request. */
async function onlineAmong(ctx: ServerContext, userIds: readonly string[]): Promise<Set<string>> {
  // `in([])` would mean every socket.
  if (userIds.length === 0) return new Set();
  const sockets = await ctx.io.in(userIds.map(rooms.user)).fetchSockets();
  return new Set(sockets.map((socket) => socket.data.userId));
}

/** Whether the user has a connection other than `exceptSocketId` open, on any node. */
export async function connectedElsewhere(
  ctx: ServerContext,
  userId: string,
  exceptSocketId: string,
): Promise<boolean> {
  const sockets = await ctx.io.in(rooms.user(userId)).fetchSockets();
  return sockets.some((socket) => socket.id !== exceptSocketId);
}

/**
 * Profiles and presence of `userIds` as `viewerId` may see them. Presence is only for users who share a
 * chat with the viewer: pass `shared` when the caller knows they all do.
 */
export async function peopleSnapshot(
  ctx: ServerContext,
  viewerId: string,
  userIds: readonly string[],
  shared: boolean,
): Promise<PeopleSnapshot> {
  const ids = [...new Set(userIds)];
  const [records, viewer, sharing, online] = await Promise.all([
    ctx.storage.chat.getPeople(ids),
    ctx.storage.chat.getPeople([viewerId]),
    shared ? undefined : ctx.storage.chat.coMembers(viewerId),
    onlineAmong(
      ctx,
      ids.filter((id) => id !== viewerId),
    ),
  ]);
  const sharesChat = (id: string) => shared || (sharing?.some((m) => m.userId === id) ?? false);
  const viewerHides = viewer[0]?.hidePresence ?? false;
  const byId = new Map(records.map((record) => [record.profile.id, record]));
  const presence: UserPresence[] = [];
  for (const id of ids) {
    if (id === viewerId || !sharesChat(id)) continue;
    const record = byId.get(id);
    if (record?.hidePresence) {
      presence.push({ userId: id, online: false, lastSeenAt: null });
      continue;
    }
    const isOnline = online.has(id);
    const lastSeenAt = isOnline || viewerHides ? null : (record?.lastSeenAt ?? null);
    presence.push({ userId: id, online: isOnline, lastSeenAt });
  }
  return { profiles: records.map((record) => record.profile), presence };
}

/**
 * Sends `presence_updated` to everyone who shares a chat with the user, on every node: viewers who hide
 * their own presence get it without the last seen.
 */
export async function broadcastPresence(ctx: ServerContext, presence: UserPresence): Promise<void> {
  const audience = await ctx.storage.chat.coMembers(presence.userId);
  const hiding = audience.filter((m) => m.hidePresence).map((m) => rooms.user(m.userId));
  const showing = audience.filter((m) => !m.hidePresence).map((m) => rooms.user(m.userId));
  if (showing.length > 0) ctx.io.to(showing).emit('presence_updated', presence);
  if (hiding.length > 0) ctx.io.to(hiding).emit('presence_updated', { ...presence, lastSeenAt: null });
}

/** A user came online or went offline: announced unless they hide their presence. */
export async function announcePresence(
  ctx: ServerContext,
  userId: string,
  online: boolean,
  lastSeenAt: string | null,
): Promise<void> {
  const [me] = await ctx.storage.chat.getPeople([userId]);
  if (me?.hidePresence) return;
  await broadcastPresence(ctx, { userId, online, lastSeenAt: online ? null : lastSeenAt });
}
