import { AppError } from '../errors.js';
import { defineHandler } from '../realtime/define-handler.js';
import { type RealtimeContext, type RealtimeSocket, rooms } from '../realtime/types.js';
import { announceDeliveries } from './delivery.js';
import { requireMember } from './membership.js';

/** Chat events of one connection: rooms, messages, receipts, read marks, history and typing. */
export function registerChatHandlers(ctx: RealtimeContext, socket: RealtimeSocket): void {
  const { storage } = ctx;

  defineHandler(ctx, socket, 'setup_user', async ({ payload, userId }) => {
    if (payload.userId !== userId) throw new AppError('FORBIDDEN', 'userId does not match the token');
    const user = await storage.upsertUser({ id: userId, ...payload.userInfo });
    socket.data.setUp = true;
    return { user };
  });

  defineHandler(ctx, socket, 'open_dm', async ({ payload, userId }) => {
    if (payload.userId === userId)
      throw new AppError('VALIDATION_FAILED', 'You cannot open a DM with yourself.');
    return { chat: await storage.openDm(userId, payload.userId) };
  });

  defineHandler(ctx, socket, 'join_chat', async ({ payload, userId }) => {
    const chat = await requireMember(storage, payload.chatId, userId);
    const room = rooms.chat(chat.id);
    if (!socket.rooms.has(room)) {
      await socket.join(room);
      socket.to(room).emit('user_joined', { userId, chatId: chat.id });
    }
    return { chat };
  });

  defineHandler(ctx, socket, 'leave_chat', async ({ payload, userId }) => {
    const room = rooms.chat(payload.chatId);
    if (socket.rooms.has(room)) {
      await socket.leave(room);
      socket.to(room).emit('user_left', { userId, chatId: payload.chatId });
    }
    return {};
  });

  defineHandler(ctx, socket, 'send_message', async ({ payload, userId }) => {
    const chat = await requireMember(storage, payload.chatId, userId);
    const result = await storage.appendMessage({
      chatId: chat.id,
      senderId: userId,
      clientMessageId: payload.clientMessageId,
      text: payload.text,
    });
    if (!result.duplicate) {
      ctx.metrics.messagesStored.inc();
      // Persisted first: from here on the message reaches every member, live now or queued on reconnect.
      socket.to(chat.members.map(rooms.user)).emit('receive_message', result.message);
    }
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
    const chat = await requireMember(storage, payload.chatId, userId);
    const { readSeq, unreadCount } = await storage.markRead(chat.id, userId, payload.upToSeq);
    ctx.io
      .to(chat.members.map(rooms.user))
      .emit('messages_read', { chatId: chat.id, userId, upToSeq: readSeq });
    ctx.io.to(rooms.user(userId)).emit('chat_list_updated', { chatId: chat.id, updates: { unreadCount } });
    return { unreadCount };
  });

  defineHandler(ctx, socket, 'get_history', async ({ payload, userId }) => {
    await requireMember(storage, payload.chatId, userId);
    return storage.getHistory(payload.chatId, { beforeSeq: payload.beforeSeq, limit: payload.limit });
  });

  defineHandler(ctx, socket, 'list_chats', async ({ userId }) => ({
    chats: await storage.listChats(userId),
  }));

  const typing =
    (isTyping: boolean) =>
    async ({ payload, userId }: { payload: { chatId: string }; userId: string }) => {
      const room = rooms.chat(payload.chatId);
      if (!socket.rooms.has(room)) await requireMember(storage, payload.chatId, userId);
      socket.to(room).emit('typing_update', { chatId: payload.chatId, userId, isTyping });
      return undefined;
    };
  defineHandler(ctx, socket, 'typing_start', typing(true));
  defineHandler(ctx, socket, 'typing_stop', typing(false));
}
