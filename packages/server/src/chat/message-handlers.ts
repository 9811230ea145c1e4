import { filterContent } from '../content-filter.js';
import { AppError } from '../errors.js';
import type { EventHandler } from '../realtime/handler-registry.js';
import { rooms } from '../realtime/rooms.js';
import type { ChatContext } from './chat-context.js';
import { notifyNewMessage } from './chat-list.js';
import { announceDeliveries } from './delivery.js';
import { checkEnvelope } from './e2e-handlers.js';
import { assertMember, requireMember } from './membership.js';
import { notifyMentions } from './mentions.js';

// Messages: send, receipts, read marks and history.

export const sendMessage =
  (ctx: ChatContext): EventHandler<'send_message'> =>
  async ({ payload, userId, deviceId, socket }) => {
    // Sending ends the sender's typing indicator. Done before the (batched) write so that it stays in order
    // with the sender's next typing_start, which may arrive while this message is being stored.
    ctx.typing.stop(socket, payload.chatId, userId);
    const kind = await ctx.chatKinds.get(payload.chatId);
    if (!kind) throw new AppError('CHAT_NOT_FOUND');
    // An encrypted chat takes only envelopes (nobody can filter them); a plain one only text.
    const body = kind.encrypted
      ? {
          text: '',
          envelope: await checkEnvelope(ctx, payload.chatId, payload.envelope, { userId, deviceId }),
        }
      : { text: await filterText(ctx, payload, userId) };
    // Files are not end-to-end encrypted: the server could read them, so an encrypted chat takes none.
    if (kind.encrypted && payload.attachments) throw new AppError('ENCRYPTION_REQUIRED');
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
      ...body,
      replyToId: payload.replyToId,
      mentions: payload.mentions,
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
      ctx.push.newMessage(
        message,
        members.map((member) => member.userId),
      );
    }
    // Stored before the ack, like the message; a retry raises it if the first attempt did not.
    await notifyMentions(ctx, message);
    return { message, duplicate };
  };

/** The text of a plain chat's message, through the content filter. */
async function filterText(
  ctx: ChatContext,
  payload: { chatId: string; text?: string | undefined },
  userId: string,
): Promise<string> {
  if (payload.text === undefined) throw new AppError('NOT_ENCRYPTED');
  return filterContent(ctx.contentFilter, payload.text, { field: 'message', userId, chatId: payload.chatId });
}

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
