import type { EventHandler } from '../realtime/handler-registry.js';
import { chatIdsOf, rooms } from '../realtime/rooms.js';
import type { RealtimeSocket } from '../realtime/types.js';
import type { ServerContext } from '../server-context.js';
import type { ChatContext } from './chat-context.js';
import { requireMember } from './membership.js';

/*
 * Presence in a chat's room. The rule: `user_joined` when a user's first socket joins the room,
 * `user_left` when their last socket leaves it (by `leave_chat`, removal or disconnect). A second tab
 * opening or closing the same chat is not news to the others.
 */
async function otherSocketsOfUserInRoom(ctx: ServerContext, userId: string, room: string, exceptId: string) {
  const sockets = await ctx.io.in(rooms.user(userId)).fetchSockets();
  return sockets.filter((s) => s.id !== exceptId && s.rooms.has(room)).length;
}

async function leaveRoom(ctx: ServerContext, socket: RealtimeSocket, chatId: string): Promise<void> {
  const room = rooms.chat(chatId);
  const { userId } = socket.data;
  await socket.leave(room);
  if ((await otherSocketsOfUserInRoom(ctx, userId, room, socket.id)) === 0) {
    ctx.io.to(room).emit('user_left', { userId, chatId });
  }
}

export const joinChat =
  (ctx: ChatContext): EventHandler<'join_chat'> =>
  async ({ payload, userId, socket }) => {
    const { chat } = await requireMember(ctx.storage, payload.chatId, userId);
    const room = rooms.chat(chat.id);
    if (!socket.rooms.has(room)) {
      const alreadyPresent = (await otherSocketsOfUserInRoom(ctx, userId, room, socket.id)) > 0;
      // A socket that disconnected while this ran would stay in the room with no user_left ever sent.
      if (!socket.connected) return { chat, presentUserIds: [] };
      await socket.join(room);
      if (!alreadyPresent) socket.to(room).emit('user_joined', { userId, chatId: chat.id });
    }
    // Everyone who arrives later is announced by user_joined; who was there already is only known here.
    const present = new Set((await ctx.io.in(room).fetchSockets()).map((s) => s.data.userId));
    present.delete(userId);
    return { chat, presentUserIds: [...present].sort() };
  };

export const leaveChat =
  (ctx: ChatContext): EventHandler<'leave_chat'> =>
  async ({ payload, socket }) => {
    if (socket.rooms.has(rooms.chat(payload.chatId))) await leaveRoom(ctx, socket, payload.chatId);
    return {};
  };

/** A `disconnecting` hook (which still sees the socket's rooms; by `disconnect` they are gone). */
export function announceDeparture(ctx: ChatContext, socket: RealtimeSocket): void {
  const chatIds = chatIdsOf(socket.rooms);
  if (chatIds.length === 0) return;
  const { userId } = socket.data;
  // Counted in flight (from now, synchronously), so shutdown waits for these cross-node queries and
  // broadcasts before it closes the Redis connections under them.
  ctx.inFlight.enter();
  setImmediate(() => {
    const updates = chatIds.map((chatId) => {
      const room = rooms.chat(chatId);
      return otherSocketsOfUserInRoom(ctx, userId, room, socket.id)
        .then((others) => {
          if (others === 0) ctx.io.to(room).emit('user_left', { userId, chatId });
        })
        .catch((error: unknown) => ctx.log.warn({ err: error, chatId }, 'presence update failed'));
    });
    void Promise.all(updates).finally(() => ctx.inFlight.leave());
  });
}
