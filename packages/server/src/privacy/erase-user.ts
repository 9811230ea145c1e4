import { ERASED_USER_ID, type ErasureResult } from '@mpi/protocol';
import { type ChatListNotifier, notifyChatChanged } from '../chat/chat-list.js';
import { rooms } from '../realtime/rooms.js';
import type { ServerContext } from '../server-context.js';
import type { DeliveryRecord, StoredResponse } from '../storage/notifications/notification-storage.js';
import { userHash } from '../storage/privacy/erase.js';
import type { Erasure } from '../storage/privacy/privacy-storage.js';

export type Requester = 'self' | 'operator';

const ERASED_MESSAGE = "This user's data was erased: the connection is closed.";

function toResult(userId: string, erasure: Erasure): ErasureResult {
  const { erasedAt, alreadyErased, removed, anonymised } = erasure;
  return { userId, erasedAt, alreadyErased, removed, anonymised };
}

/**
 * Erases a user (storage/privacy/erase.ts, one transaction), then tells everyone it concerns, on every
 * node through the adapter: the other members of each chat get `user_left` and `chat_list_updated` with
 * the new member list (and the tombstone when it is the chat's last message); the user's own sockets get
 * `socket_error` ACCOUNT_ERASED and are disconnected, and their tokens are refused from now on
 * (auth/erased-tokens.ts). A replayed delivery id answers again without doing anything.
 */
export async function eraseUser(
  ctx: ServerContext,
  chatSide: {
    chatList: ChatListNotifier;
    forgetChats(chatIds: readonly string[]): void;
    deleteFiles(userId: string): Promise<number>;
  },
  userId: string,
  by: Requester,
  delivery?: DeliveryRecord,
): Promise<{ response: StoredResponse; replayed: boolean }> {
  const answer = await ctx.storage.privacy.eraseUser(userId, {
    now: new Date(ctx.now()),
    delivery,
    respond: (erasure) => ({ status: 200, body: toResult(userId, erasure) }),
  });
  if (answer.replayed) return { response: answer.response, replayed: true };
  const erasure = answer.value;
  // The bytes live outside the database: removed once the rows that pointed at them are gone.
  const files = await chatSide.deleteFiles(userId);
  ctx.metrics.userErasures.inc({ by, result: erasure.alreadyErased ? 'nothing_left' : 'erased' });
  ctx.log.warn(
    {
      audit: 'erasure',
      by,
      // The erasure record's key: the id itself is what was erased.
      userHash: userHash(userId),
      erasedAt: erasure.erasedAt,
      alreadyErased: erasure.alreadyErased,
      removed: { ...erasure.removed, files },
      anonymised: erasure.anonymised,
    },
    'user data erased',
  );
  const { chatList, forgetChats } = chatSide;
  forgetChats(erasure.chats.filter((c) => c.type === 'dm').map((c) => c.chatId));
  const userRoom = rooms.user(userId);
  const chatRooms = erasure.chats.map((c) => rooms.chat(c.chatId));
  // Out of the chat rooms first, so that the disconnect below announces no second departure.
  if (chatRooms.length > 0) ctx.io.in(userRoom).socketsLeave(chatRooms);
  for (const { chatId, deleted } of erasure.chats) {
    if (deleted) continue;
    ctx.io.to(rooms.chat(chatId)).emit('user_left', { userId, chatId });
    const [chat, history] = await Promise.all([
      ctx.storage.chat.getChat(chatId),
      ctx.storage.chat.getHistory(chatId, { limit: 1 }),
    ]);
    if (!chat) continue;
    // Both in one turn: one chat_list_updated per member.
    notifyChatChanged(chatList, chat);
    const [last] = history.messages;
    if (last?.senderId === ERASED_USER_ID) chatList.notify(chat.members, chatId, { lastMessage: last });
  }
  ctx.io.to(userRoom).emit('socket_error', { code: 'ACCOUNT_ERASED', message: ERASED_MESSAGE });
  ctx.io.in(userRoom).disconnectSockets();
  return { response: answer.response, replayed: false };
}
