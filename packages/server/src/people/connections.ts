import type { ConnectionHooks } from '../realtime/handler-registry.js';
import type { LeasedState } from '../realtime/node-lease.js';
import { rooms } from '../realtime/rooms.js';
import type { RealtimeSocket } from '../realtime/types.js';
import type { ServerContext } from '../server-context.js';
import { announcePresence, connectedElsewhere } from './presence.js';

/** Users looked up at a time when a node died: each is one cluster-wide `fetchSockets`. */
const LOOKUPS_AT_ONCE = 20;

/** Sockets of the user on this node (the `user:` room's local members). */
function localSockets(ctx: ServerContext, userId: string): number {
  return ctx.io.sockets.adapter.rooms.get(rooms.user(userId))?.size ?? 0;
}

/** The user's last connection closed: store when, and tell those who share a chat. */
async function wentOffline(ctx: ServerContext, userId: string): Promise<void> {
  const at = new Date().toISOString();
  await ctx.storage.chat.recordLastSeen(userId, at);
  await announcePresence(ctx, userId, false, at);
}

/** Runs presence work after the current event, counted in flight so that shutdown waits for it. */
function background(ctx: ServerContext, userId: string, work: () => Promise<void>): void {
  ctx.inFlight.enter();
  setImmediate(() => {
    void work()
      .catch((error: unknown) => ctx.log.warn({ err: error, userId }, 'presence update failed'))
      .finally(() => ctx.inFlight.leave());
  });
}

/**
 * Online when the first connection of a user opens, offline (with the last seen stored) when the last
 * one closes, whichever nodes they are on. A second tab is not news. A check that finds another socket of
 * the user on this node needs no cross-node request.
 */
export function presenceHooks(ctx: ServerContext): ConnectionHooks {
  return {
    connect(socket: RealtimeSocket) {
      const { userId } = socket.data;
      if (localSockets(ctx, userId) > 1) return;
      background(ctx, userId, async () => {
        if (!socket.connected || (await connectedElsewhere(ctx, userId, socket.id))) return;
        await announcePresence(ctx, userId, true, null);
      });
    },
    disconnect(socket: RealtimeSocket) {
      const { userId } = socket.data;
      if (localSockets(ctx, userId) > 0) return;
      background(ctx, userId, async () => {
        if (await connectedElsewhere(ctx, userId, socket.id)) return;
        await wentOffline(ctx, userId);
      });
    },
  };
}

/**
 * The users connected to this node, kept under its lease (realtime/node-lease.ts): when the node dies
 * without its disconnect hooks, a survivor stores their last seen and announces them offline, unless
 * they are connected to another node by then.
 */
export function leasedOnline(ctx: ServerContext): LeasedState {
  return {
    name: 'online',
    *snapshot() {
      for (const room of ctx.io.sockets.adapter.rooms.keys()) {
        if (room.startsWith('user:')) yield room.slice(5);
      }
    },
    async onPeerDeath(userIds) {
      for (let i = 0; i < userIds.length; i += LOOKUPS_AT_ONCE) {
        await Promise.all(
          userIds.slice(i, i + LOOKUPS_AT_ONCE).map(async (userId) => {
            if (!(await connectedElsewhere(ctx, userId, ''))) await wentOffline(ctx, userId);
          }),
        );
      }
    },
    onRevived(userIds) {
      for (const userId of userIds) background(ctx, userId, () => announcePresence(ctx, userId, true, null));
    },
  };
}
