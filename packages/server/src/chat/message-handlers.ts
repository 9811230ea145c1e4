import { defineHandler } from '../realtime/define-handler.js';
import { type RealtimeContext, type RealtimeSocket, rooms } from '../realtime/types.js';
import { notifyChatList, notifyNewMessage } from './chat-list.js';
import { announceDeliveries } from './delivery.js';
import { requireMember } from './membership.js';

/** Messages of one connection: send, receipts, read marks and history. */
export function registerMessageHandlers(ctx: RealtimeContext, socket: RealtimeSocket): void {
  const { storage } = ctx;

  defineHandler(ctx, socket, 'send_message', async ({ payload, userId }) => {
    const { chat, members } = await requireMember(storage, payload.chatId, userId);
    const result = await storage.appendMessage({
      chatId: chat.id,
      senderId: userId,
      clientMessageId: payload.clientMessageId,
      text: payload.text,
    });
    const memberRooms = members.map((member) => rooms.user(member.userId));
    if (result.duplicate) {
      // A retry: the first attempt may have died with its node before broadcasting. Sending again is
      // harmless (clients dedupe by id) and closes that gap at once rather than at the next catch-up.
      socket.to(memberRooms).emit('receive_message', result.message);
      return result;
    }
    ctx.metrics.messagesStored.inc();
    // Persisted first: from here on the message reaches every member, live now or queued on reconnect.
    socket.to(memberRooms).emit('receive_message', result.message);
    notifyNewMessage(ctx, members, result.message);
    return result;
  });

  defineHandler(ctx, socket, 'messages_received', async ({ payload, userId, deviceId }) => {
    await requireMember(storage, payload.chatId, userId);
    const receipt = await storage.recordReceipt({ ...payload, userId, deviceId });
    if (receipt.userSeq > receipt.previousUserSeq) {
      await announceDeliveries(ctx, payload.chatId, userId, receipt.previousUserSeq, receipt.userSeq);
    }
    return {};
  });

  defineHandler(ctx, socket, 'mark_read', async ({ payload, userId }) => {
    const { chat } = await requireMember(storage, payload.chatId, userId);
    const { readSeq, unreadCount } = await storage.markRead(chat.id, userId, payload.upToSeq);
    ctx.io
      .to(chat.members.map(rooms.user))
      .emit('messages_read', { chatId: chat.id, userId, upToSeq: readSeq });
    notifyChatList(ctx, [userId], chat.id, { unreadCount });
    return { unreadCount };
  });

  defineHandler(ctx, socket, 'get_history', async ({ payload, userId }) => {
    await requireMember(storage, payload.chatId, userId);
    return storage.getHistory(payload.chatId, { beforeSeq: payload.beforeSeq, limit: payload.limit });
  });
}
