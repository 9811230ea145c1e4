import { filterContent } from '../content-filter.js';
import type { EventHandler } from '../realtime/handler-registry.js';
import { rooms } from '../realtime/rooms.js';
import type { ChatContext } from './chat-context.js';
import { notifyNewMessage } from './chat-list.js';
import { announceDeliveries } from './delivery.js';
import { assertMember, requireMember } from './membership.js';

// Messages: send, receipts, read marks and history.

export const sendMessage =
  (ctx: ChatContext): EventHandler<'send_message'> =>
  async ({ payload, userId, socket }) => {
    // Sending ends the sender's typing indicator. Done before the (batched) write so that it stays in order
    // with the sender's next typing_start, which may arrive while this message is being stored.
    ctx.typing.stop(socket, payload.chatId, userId);
    const text = await filterContent(ctx.contentFilter, payload.text, {
      field: 'message',
      userId,
      chatId: payload.chatId,
    });
    const attachments =
      payload.attachments &&
      (await ctx.storage.files.attachable(payload.attachments, {
        ownerId: userId,
        chatId: payload.chatId,
        clientMessageId: payload.clientMessageId,
      }));
    // Membership is checked inside the append's transaction, which also returns the members to notify.
    const { message, duplicate, members } = await ctx.storage.chat.appendMessage({
      chatId: payload.chatId,
      senderId: userId,
      clientMessageId: payload.clientMessageId,
      text,
      attachments,
    });
    const memberRooms = members.map((member) => rooms.user(member.userId));
    // A retry is re-broadcast too: the first attempt may have died with its node before broadcasting.
    // That is harmless (clients dedupe by id) and closes the gap at once rather than at the next catch-up.
    if (memberRooms.length > 0) socket.to(memberRooms).emit('receive_message', message);
    ctx.recentMessages.add(message);
    if (!duplicate) {
      ctx.metrics.messagesStored.inc();
      notifyNewMessage(ctx.chatList, members, message);
    }
    return { message, duplicate };
  };

export const confirmReceipt =
  (ctx: ChatContext): EventHandler<'messages_received'> =>
  async ({ payload, userId, deviceId }) => {
    // recordReceipt refuses non-members (NOT_A_MEMBER / CHAT_NOT_FOUND) itself.
    const receipt = await ctx.storage.chat.recordReceipt({ ...payload, userId, deviceId });
    if (receipt.userSeq > receipt.previousUserSeq) {
      await announceDeliveries(ctx, payload.chatId, userId, receipt.previousUserSeq, receipt.userSeq);
    }
    return {};
  };

export const markRead =
  (ctx: ChatContext): EventHandler<'mark_read'> =>
  async ({ payload, userId }) => {
    const { chat } = await requireMember(ctx.storage, payload.chatId, userId);
    const { readSeq, unreadCount } = await ctx.storage.chat.markRead(chat.id, userId, payload.upToSeq);
    ctx.io
      .to(chat.members.map(rooms.user))
      .emit('messages_read', { chatId: chat.id, userId, upToSeq: readSeq });
    ctx.chatList.notify([userId], chat.id, { unreadCount });
    return { unreadCount };
  };

export const getHistory =
  (ctx: ChatContext): EventHandler<'get_history'> =>
  async ({ payload, userId }) => {
    await assertMember(ctx, payload.chatId, userId);
    return ctx.storage.chat.getHistory(payload.chatId, {
      beforeSeq: payload.beforeSeq,
      limit: payload.limit,
    });
  };
