import type { MessageData } from '@mpi/protocol';
import type { ChatContext } from './chat-context.js';

/** How much of the message a mention notification quotes. */
const QUOTE_LENGTH = 200;

/**
 * A message's @mentions become one `chat:mention` notification for the mentioned members (their inbox,
 * live, catch-up), whether or not they muted the chat. Idempotent per message: a retried send stores no
 * second notification.
 */
export async function notifyMentions(ctx: ChatContext, message: MessageData): Promise<void> {
  const mentioned = message.mentions ?? [];
  if (mentioned.length === 0) return;
  const [chat, [sender]] = await Promise.all([
    ctx.storage.chat.getChat(message.chatId),
    ctx.storage.chat.getPeople([message.senderId]),
  ]);
  const senderName = sender?.profile.name;
  await ctx.notifications.mention(
    {
      chatId: message.chatId,
      messageId: message.id,
      seq: message.seq,
      senderId: message.senderId,
      ...(senderName !== undefined && { senderName }),
      chatName: chat?.name ?? null,
      text: message.text.length > QUOTE_LENGTH ? `${message.text.slice(0, QUOTE_LENGTH - 1)}…` : message.text,
    },
    mentioned,
  );
}
