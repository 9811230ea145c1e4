import { AppError } from '../errors.js';
import type { HandlerRegistry } from '../realtime/define-handler.js';
import { type RealtimeContext, rooms } from '../realtime/types.js';
import { notifyChatChanged } from './chat-list.js';
import { requireAdmin, requireMember, toChatMembers } from './membership.js';

/** Chats of one connection: DMs, groups and their membership, the chat list. */
export function registerGroupHandlers(ctx: RealtimeContext, handlers: HandlerRegistry): void {
  const { storage } = ctx;

  /** A removed member stops receiving at once: their sockets leave the chat's room on every node. */
  async function removeFromChat(chatId: string, userId: string): Promise<void> {
    const removed = await storage.chat.removeMember(chatId, userId);
    if (!removed) throw new AppError('NOT_A_MEMBER', 'That user is not a member of this chat.');
    ctx.io.in(rooms.user(userId)).socketsLeave(rooms.chat(chatId));
    ctx.io.to(rooms.chat(chatId)).emit('user_left', { userId, chatId });
    ctx.chatList.notify([userId], chatId, { removed: true });
    const chat = await storage.chat.getChat(chatId);
    if (chat) notifyChatChanged(ctx.chatList, chat);
  }

  handlers.on('open_dm', async ({ payload, userId }) => {
    if (payload.userId === userId)
      throw new AppError('VALIDATION_FAILED', 'You cannot open a DM with yourself.');
    return { chat: await storage.chat.openDm(userId, payload.userId) };
  });

  handlers.on('list_chats', async ({ userId }) => ({
    chats: await storage.chat.listChats(userId),
  }));

  handlers.on('create_group', async ({ payload, userId }) => {
    const chat = await storage.chat.createGroup({
      creatorId: userId,
      name: payload.name,
      memberIds: payload.members,
    });
    notifyChatChanged(ctx.chatList, chat);
    return { chat };
  });

  handlers.on('add_members', async ({ payload, userId }) => {
    const { chat } = await requireAdmin(storage, payload.chatId, userId);
    if (chat.type !== 'group') throw new AppError('VALIDATION_FAILED', 'A DM has exactly two members.');
    await storage.chat.addMembers(chat.id, payload.userIds);
    const updated = (await storage.chat.getChat(chat.id)) ?? chat;
    notifyChatChanged(ctx.chatList, updated);
    return { chat: updated };
  });

  handlers.on('remove_member', async ({ payload, userId }) => {
    const { chat } = await (payload.userId === userId
      ? requireMember(storage, payload.chatId, userId)
      : requireAdmin(storage, payload.chatId, userId));
    if (chat.type !== 'group') throw new AppError('VALIDATION_FAILED', 'A DM has exactly two members.');
    await removeFromChat(chat.id, payload.userId);
    return { chat: (await storage.chat.getChat(chat.id)) ?? chat };
  });

  handlers.on('leave_group', async ({ payload, userId }) => {
    const { chat } = await requireMember(storage, payload.chatId, userId);
    if (chat.type !== 'group') throw new AppError('VALIDATION_FAILED', 'You cannot leave a DM.');
    await removeFromChat(chat.id, userId);
    return {};
  });

  handlers.on('rename_chat', async ({ payload, userId }) => {
    const { chat } = await requireAdmin(storage, payload.chatId, userId);
    if (chat.type !== 'group') throw new AppError('VALIDATION_FAILED', 'A DM has no name of its own.');
    const renamed = await storage.chat.renameChat(chat.id, payload.name);
    notifyChatChanged(ctx.chatList, renamed);
    return { chat: renamed };
  });

  handlers.on('get_members', async ({ payload, userId }) => {
    return { members: toChatMembers(await requireMember(storage, payload.chatId, userId)) };
  });
}
