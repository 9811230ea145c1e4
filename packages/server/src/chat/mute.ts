import type { EventHandler } from '../realtime/handler-registry.js';
import type { ChatContext } from './chat-context.js';

/**
 * `set_chat_muted`: a member's own setting, stored; their other devices learn it through
 * `chat_list_updated { muted }`. What mute does is docs/protocol.md's "Mute".
 */
export const setChatMuted =
  (ctx: ChatContext): EventHandler<'set_chat_muted'> =>
  async ({ payload, userId }) => {
    await ctx.storage.chat.setMuted(payload.chatId, userId, payload.muted);
    ctx.chatList.notify([userId], payload.chatId, { muted: payload.muted });
    return { chatId: payload.chatId, muted: payload.muted };
  };
