import type { LeasedState } from '../realtime/node-lease.js';
import { chatIdsOf, rooms } from '../realtime/rooms.js';
import type { ChatContext } from './chat-context.js';

/*
 * Presence and typing of this node's users, kept under the node's lease (realtime/node-lease.ts), so
 * that when the node dies without running its disconnect hooks, a survivor tells the chats' rooms
 * `user_left` and a cleared `typing_update` for them.
 */

// Ids never contain a space (protocol's id rule), so "chat user" splits back without doubt.
const entry = (chatId: string, userId: string) => `${chatId} ${userId}`;
function parse(text: string): { chatId: string; userId: string } {
  const at = text.indexOf(' ');
  return { chatId: text.slice(0, at), userId: text.slice(at + 1) };
}

/** Users looked up at a time when a node died: each is one cluster-wide `fetchSockets`. */
const LOOKUPS_AT_ONCE = 20;

export function leasedPresence(ctx: ChatContext): LeasedState {
  return {
    name: 'presence',
    *snapshot() {
      for (const socket of ctx.io.sockets.sockets.values()) {
        for (const chatId of chatIdsOf(socket.rooms)) yield entry(chatId, socket.data.userId);
      }
    },
    async onPeerDeath(entries) {
      const chatsByUser = new Map<string, string[]>();
      for (const { chatId, userId } of entries.map(parse)) {
        chatsByUser.set(userId, [...(chatsByUser.get(userId) ?? []), chatId]);
      }
      const users = [...chatsByUser];
      for (let i = 0; i < users.length; i += LOOKUPS_AT_ONCE) {
        await Promise.all(
          users.slice(i, i + LOOKUPS_AT_ONCE).map(async ([userId, chatIds]) => {
            // A user whose client already reconnected to a live node and rejoined is still present.
            const sockets = await ctx.io.in(rooms.user(userId)).fetchSockets();
            for (const chatId of chatIds) {
              const room = rooms.chat(chatId);
              if (!sockets.some((socket) => socket.rooms.has(room))) {
                ctx.io.to(room).emit('user_left', { userId, chatId });
              }
            }
          }),
        );
      }
    },
    onRevived(entries) {
      for (const { chatId, userId } of entries.map(parse)) {
        ctx.io.to(rooms.chat(chatId)).except(rooms.user(userId)).emit('user_joined', { userId, chatId });
      }
    },
  };
}

export function leasedTyping(ctx: ChatContext): LeasedState {
  return {
    name: 'typing',
    *snapshot() {
      for (const { chatId, userId } of ctx.typing.typists()) yield entry(chatId, userId);
    },
    async onPeerDeath(entries) {
      // Whoever still types on another node refreshes the indicator within 2 s (TYPING_REBROADCAST_MS).
      for (const { chatId, userId } of entries.map(parse)) {
        ctx.io.to(rooms.chat(chatId)).emit('typing_update', { chatId, userId, isTyping: false });
      }
    },
    // A typist refreshes the indicator by themselves.
    onRevived: () => undefined,
  };
}
