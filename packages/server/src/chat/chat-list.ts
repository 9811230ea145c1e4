import type { ChatInfo, ChatListUpdates, MessageData } from '@mpi/protocol';
import { type RealtimeContext, rooms } from '../realtime/types.js';

/** `chat_list_updated` to every socket of each listed user. */
export function notifyChatList(
  ctx: RealtimeContext,
  userIds: string[],
  chatId: string,
  updates: ChatListUpdates,
) {
  if (userIds.length === 0) return;
  ctx.io.to(userIds.map(rooms.user)).emit('chat_list_updated', { chatId, updates });
}

/**
 * After a new message: each member's list shows it as the last message, with that member's unread count.
 * Sending marks the chat read for the sender, so a member's unread count is the messages after their
 * read mark.
 */
export function notifyNewMessage(
  ctx: RealtimeContext,
  members: ReadonlyArray<{ userId: string; readSeq: number }>,
  message: MessageData,
) {
  for (const member of members) {
    const unreadCount = member.userId === message.senderId ? 0 : Math.max(message.seq - member.readSeq, 0);
    notifyChatList(ctx, [member.userId], message.chatId, { lastMessage: message, unreadCount });
  }
}

/** After a membership or name change: everyone in the chat sees its new name and member list. */
export function notifyChatChanged(ctx: RealtimeContext, chat: ChatInfo) {
  notifyChatList(ctx, chat.members, chat.id, { name: chat.name, members: chat.members });
}
