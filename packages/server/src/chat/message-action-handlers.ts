import type { MessageChangeResult } from '@mpi/protocol';
import { filterContent } from '../content-filter.js';
import { AppError } from '../errors.js';
import type { EventHandler } from '../realtime/handler-registry.js';
import { rooms } from '../realtime/rooms.js';
import type { RealtimeSocket } from '../realtime/types.js';
import type { MessageChange } from '../storage/chat/chat-storage.js';
import type { ChatContext } from './chat-context.js';
import { assertMember } from './membership.js';

// Message actions: edit, delete, react, the device's change receipts, and search.

/**
 * After an action: the message's current state to every member's other sockets (`message_updated`), and
 * to their chat lists when it is the chat's last message. A repeat is sent again, as a repeated send is:
 * the first attempt may have died with its node before broadcasting, and clients keep the higher version.
 */
function announce(ctx: ChatContext, socket: RealtimeSocket, change: MessageChange): MessageChangeResult {
  const { message, memberIds } = change;
  socket.to(memberIds.map(rooms.user)).emit('message_updated', message);
  if (change.changed && message.seq === change.lastSeq) {
    ctx.chatList.notify(memberIds, message.chatId, { lastMessage: message });
  }
  return { message, changed: change.changed };
}

export const editMessage =
  (ctx: ChatContext): EventHandler<'edit_message'> =>
  async ({ payload, userId, socket }) => {
    // An edit is plaintext: an end-to-end encrypted chat's messages cannot be edited (docs/security.md).
    if ((await ctx.chatKinds.get(payload.chatId))?.encrypted) throw new AppError('ENCRYPTION_REQUIRED');
    const text = await filterContent(ctx.contentFilter, payload.text, {
      field: 'message',
      userId,
      chatId: payload.chatId,
    });
    const change = await ctx.storage.chat.editMessage({
      ...payload,
      text,
      userId,
      editWindowMs: ctx.config.messageEditWindowMs,
    });
    return announce(ctx, socket, change);
  };

export const deleteMessage =
  (ctx: ChatContext): EventHandler<'delete_message'> =>
  async ({ payload, userId, socket }) =>
    announce(ctx, socket, await ctx.storage.chat.deleteMessage({ ...payload, userId }));

export const reactToMessage =
  (ctx: ChatContext): EventHandler<'react_to_message'> =>
  async ({ payload, userId, socket }) =>
    announce(ctx, socket, await ctx.storage.chat.reactToMessage({ ...payload, userId }));

export const confirmChanges =
  (ctx: ChatContext): EventHandler<'changes_received'> =>
  async ({ payload, userId, deviceId }) => {
    await ctx.storage.chat.recordChangesReceived({ ...payload, userId, deviceId });
    return {};
  };

export const searchMessages =
  (ctx: ChatContext): EventHandler<'search_messages'> =>
  async ({ payload, userId }) => {
    if (payload.chatId !== undefined) await assertMember(ctx, payload.chatId, userId);
    return ctx.storage.chat.searchMessages({
      userId,
      text: payload.query,
      chatId: payload.chatId,
      cursor: payload.cursor,
      limit: payload.limit,
    });
  };
