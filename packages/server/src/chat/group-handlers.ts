import { filterContent } from '../content-filter.js';
import { AppError } from '../errors.js';
import { peopleSnapshot } from '../people/presence.js';
import type { EventHandler } from '../realtime/handler-registry.js';
import { rooms } from '../realtime/rooms.js';
import type { ChatContext } from './chat-context.js';
import { notifyChatChanged } from './chat-list.js';
import { requireAdmin, requireMember, toChatMembers } from './membership.js';

// Chats: DMs, groups and their membership, the chat list.

/** A removed member stops receiving at once: their sockets leave the chat's room on every node. */
async function removeFromChat(ctx: ChatContext, chatId: string, userId: string): Promise<void> {
  const removed = await ctx.storage.chat.removeMember(chatId, userId);
  if (!removed) throw new AppError('NOT_A_MEMBER', 'That user is not a member of this chat.');
  ctx.io.in(rooms.user(userId)).socketsLeave(rooms.chat(chatId));
  ctx.io.to(rooms.chat(chatId)).emit('user_left', { userId, chatId });
  ctx.chatList.notify([userId], chatId, { removed: true });
  const chat = await ctx.storage.chat.getChat(chatId);
  if (chat) notifyChatChanged(ctx.chatList, chat);
}

export const openDm =
  (ctx: ChatContext): EventHandler<'open_dm'> =>
  async ({ payload, userId }) => {
    if (payload.userId === userId)
      throw new AppError('VALIDATION_FAILED', 'You cannot open a DM with yourself.');
    return {
      chat: await ctx.storage.chat.openDm(userId, payload.userId, { encrypted: payload.encrypted }),
    };
  };

export const listChats =
  (ctx: ChatContext): EventHandler<'list_chats'> =>
  async ({ userId }) => {
    const chats = await ctx.storage.chat.listChats(userId);
    const people = await peopleSnapshot(
      ctx,
      userId,
      chats.flatMap((chat) => chat.members),
      true,
    );
    return { chats, ...people };
  };

export const createGroup =
  (ctx: ChatContext): EventHandler<'create_group'> =>
  async ({ payload, userId }) => {
    const name = await filterContent(ctx.contentFilter, payload.name, { field: 'chat_name', userId });
    const chat = await ctx.storage.chat.createGroup({
      creatorId: userId,
      name,
      memberIds: payload.members,
      encrypted: payload.encrypted,
    });
    notifyChatChanged(ctx.chatList, chat);
    return { chat };
  };

export const addMembers =
  (ctx: ChatContext): EventHandler<'add_members'> =>
  async ({ payload, userId }) => {
    const { chat } = await requireAdmin(ctx.storage, payload.chatId, userId);
    if (chat.type !== 'group') throw new AppError('VALIDATION_FAILED', 'A DM has exactly two members.');
    await ctx.storage.chat.addMembers(chat.id, payload.userIds);
    const updated = (await ctx.storage.chat.getChat(chat.id)) ?? chat;
    notifyChatChanged(ctx.chatList, updated);
    return { chat: updated };
  };

export const removeMember =
  (ctx: ChatContext): EventHandler<'remove_member'> =>
  async ({ payload, userId }) => {
    const { chat } = await (payload.userId === userId
      ? requireMember(ctx.storage, payload.chatId, userId)
      : requireAdmin(ctx.storage, payload.chatId, userId));
    if (chat.type !== 'group') throw new AppError('VALIDATION_FAILED', 'A DM has exactly two members.');
    await removeFromChat(ctx, chat.id, payload.userId);
    return { chat: (await ctx.storage.chat.getChat(chat.id)) ?? chat };
  };

export const leaveGroup =
  (ctx: ChatContext): EventHandler<'leave_group'> =>
  async ({ payload, userId }) => {
    const { chat } = await requireMember(ctx.storage, payload.chatId, userId);
    if (chat.type !== 'group') throw new AppError('VALIDATION_FAILED', 'You cannot leave a DM.');
    await removeFromChat(ctx, chat.id, userId);
    return {};
  };

export const renameChat =
  (ctx: ChatContext): EventHandler<'rename_chat'> =>
  async ({ payload, userId }) => {
    const { chat } = await requireAdmin(ctx.storage, payload.chatId, userId);
    if (chat.type !== 'group') throw new AppError('VALIDATION_FAILED', 'A DM has no name of its own.');
    const name = await filterContent(ctx.contentFilter, payload.name, {
      field: 'chat_name',
      userId,
      chatId: chat.id,
    });
    const renamed = await ctx.storage.chat.renameChat(chat.id, name);
    notifyChatChanged(ctx.chatList, renamed);
    return { chat: renamed };
  };

export const getMembers =
  (ctx: ChatContext): EventHandler<'get_members'> =>
  async ({ payload, userId }) => {
    const members = toChatMembers(await requireMember(ctx.storage, payload.chatId, userId));
    const people = await peopleSnapshot(
      ctx,
      userId,
      members.map((member) => member.userId),
      true,
    );
    return { members, ...people };
  };
