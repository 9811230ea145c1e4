import type { ChatInfo } from '@mpi/protocol';
import { AppError } from '../errors.js';
import type { Storage } from '../storage/storage.js';

/** The chat, when it exists and the user is one of its members; otherwise a typed error. */
export async function requireMember(storage: Storage, chatId: string, userId: string): Promise<ChatInfo> {
  const chat = await storage.getChat(chatId);
  if (!chat) throw new AppError('CHAT_NOT_FOUND');
  if (!chat.members.includes(userId)) throw new AppError('NOT_A_MEMBER');
  return chat;
}
