import type { ChatMember } from '@mpi/protocol';
import { AppError } from '../errors.js';
import type { ChatState } from '../storage/chat/chat-storage.js';
import type { Storage } from '../storage/storage.js';
import type { ChatContext } from './chat-context.js';

/** The chat with its members, when it exists and the user is one of them; otherwise a typed error. */
export async function requireMember(storage: Storage, chatId: string, userId: string): Promise<ChatState> {
  const state = await storage.chat.getChatState(chatId);
  if (!state) throw new AppError('CHAT_NOT_FOUND');
  if (!state.members.some((member) => member.userId === userId)) throw new AppError('NOT_A_MEMBER');
  return state;
}

/** As requireMember, and the user must be an admin of the chat. */
export async function requireAdmin(storage: Storage, chatId: string, userId: string): Promise<ChatState> {
  const state = await requireMember(storage, chatId, userId);
  const me = state.members.find((member) => member.userId === userId);
  if (me?.role !== 'admin') throw new AppError('FORBIDDEN', 'Only an admin of this chat can do this.');
  return state;
}

export function toChatMembers(state: ChatState): ChatMember[] {
  return state.members.map(({ userId, role, deliveredSeq, readSeq }) => ({
    userId,
    role,
    deliveredSeq,
    readSeq,
  }));
}

/** Only that the user is a member: from the cache for DMs, from the database for groups. */
export async function assertMember(ctx: ChatContext, chatId: string, userId: string): Promise<void> {
  const kind = await ctx.chatKinds.get(chatId);
  if (!kind) throw new AppError('CHAT_NOT_FOUND');
  if (kind.type === 'dm') {
    if (!kind.members.includes(userId)) throw new AppError('NOT_A_MEMBER');
    return;
  }
  await requireMember(ctx.storage, chatId, userId);
}
