import { rooms } from '../realtime/rooms.js';
import type { ChatContext } from './chat-context.js';
import type { MessageRef } from './recent-messages.js';

/** The messages with seq in (afterSeq, upToSeq]: from this node's recent appends, else from the database. */
async function messagesBetween(
  ctx: ChatContext,
  chatId: string,
  afterSeq: number,
  upToSeq: number,
): Promise<MessageRef[]> {
  return (
    ctx.recentMessages.range(chatId, afterSeq, upToSeq) ??
    (await ctx.storage.chat.getMessageRange(chatId, afterSeq, upToSeq))
  );
}

/**
 * After a member's receipt moved from `previousSeq` to `upToSeq`, tells each sender whose messages in that
 * range are now held by every other member on at least one device (`message_delivered`).
 */
export async function announceDeliveries(
  ctx: ChatContext,
  chatId: string,
  receiverId: string,
  previousSeq: number,
  upToSeq: number,
): Promise<void> {
  const kind = await ctx.chatKinds.get(chatId);
  if (kind?.type === 'dm') {
    // The receiver is the only recipient of the other member's messages: each one is now delivered.
    for (const message of await messagesBetween(ctx, chatId, previousSeq, upToSeq)) {
      if (message.senderId === receiverId) continue;
      ctx.io.to(rooms.user(message.senderId)).emit('message_delivered', {
        messageId: message.id,
        chatId,
        seq: message.seq,
        deliveredCount: 1,
        recipientCount: 1,
      });
    }
    return;
  }
  const [members, messages] = await Promise.all([
    ctx.storage.chat.listMembers(chatId),
    messagesBetween(ctx, chatId, previousSeq, upToSeq),
  ]);
  for (const message of messages) {
    if (message.senderId === receiverId) continue;
    const recipients = members.filter((member) => member.userId !== message.senderId);
    const deliveredCount = recipients.filter((member) => member.deliveredSeq >= message.seq).length;
    if (deliveredCount < recipients.length) continue;
    ctx.io.to(rooms.user(message.senderId)).emit('message_delivered', {
      messageId: message.id,
      chatId,
      seq: message.seq,
      deliveredCount,
      recipientCount: recipients.length,
    });
  }
}
