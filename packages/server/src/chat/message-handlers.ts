import type { HandlerRegistry } from '../realtime/define-handler.js';
import { type RealtimeContext, rooms } from '../realtime/types.js';
import { notifyNewMessage } from './chat-list.js';
import { announceDeliveries } from './delivery.js';
import { assertMember, requireMember } from './membership.js';
import type { TypingTracker } from './typing.js';

/** Messages of one connection: send, receipts, read marks and history. */
export function registerMessageHandlers(
  ctx: RealtimeContext,
  handlers: HandlerRegistry,
  typing: TypingTracker,
): void {
  const { storage } = ctx;

  handlers.on('send_message', async ({ payload, userId, socket }) => {
    // Sending ends the sender's typing indicator. Done before the (batched) write so that it stays in order
    // with the sender's next typing_start, which may arrive while this message is being stored.
    typing.stop(socket, payload.chatId, userId);
    // Membership is checked inside the append's transaction, which also returns the members to notify.
    const { message, duplicate, members } = await storage.chat.appendMessage({
      chatId: payload.chatId,
      senderId: userId,
      clientMessageId: payload.clientMessageId,
      text: payload.text,
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
  });

  handlers.on('messages_received', async ({ payload, userId, deviceId }) => {
    // recordReceipt refuses non-members (NOT_A_MEMBER / CHAT_NOT_FOUND) itself.
    const receipt = await storage.chat.recordReceipt({ ...payload, userId, deviceId });
    if (receipt.userSeq > receipt.previousUserSeq) {
      await announceDeliveries(ctx, payload.chatId, userId, receipt.previousUserSeq, receipt.userSeq);
    }
    return {};
  });

  handlers.on('mark_read', async ({ payload, userId }) => {
    const { chat } = await requireMember(storage, payload.chatId, userId);
    const { readSeq, unreadCount } = await storage.chat.markRead(chat.id, userId, payload.upToSeq);
    ctx.io
      .to(chat.members.map(rooms.user))
      .emit('messages_read', { chatId: chat.id, userId, upToSeq: readSeq });
    ctx.chatList.notify([userId], chat.id, { unreadCount });
    return { unreadCount };
  });

  handlers.on('get_history', async ({ payload, userId }) => {
    await assertMember(ctx, payload.chatId, userId);
    return storage.chat.getHistory(payload.chatId, { beforeSeq: payload.beforeSeq, limit: payload.limit });
  });
}
