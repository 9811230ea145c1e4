import type { EventHandler } from '../realtime/handler-registry.js';
import { rooms } from '../realtime/rooms.js';
import type { RealtimeSocket } from '../realtime/types.js';
import type { ChatContext } from './chat-context.js';
import { assertMember } from './membership.js';

/** A member's own sockets are in the chat's room; anyone else is checked against storage. */
async function ensureMember(ctx: ChatContext, socket: RealtimeSocket, chatId: string, userId: string) {
  if (!socket.rooms.has(rooms.chat(chatId))) await assertMember(ctx, chatId, userId);
}

export const typingStart =
  (ctx: ChatContext): EventHandler<'typing_start'> =>
  async ({ payload, userId, socket }) => {
    await ensureMember(ctx, socket, payload.chatId, userId);
    ctx.typing.start(socket, payload.chatId, userId);
    return undefined;
  };

export const typingStop =
  (ctx: ChatContext): EventHandler<'typing_stop'> =>
  async ({ payload, userId, socket }) => {
    await ensureMember(ctx, socket, payload.chatId, userId);
    ctx.typing.stop(socket, payload.chatId, userId);
    return undefined;
  };
