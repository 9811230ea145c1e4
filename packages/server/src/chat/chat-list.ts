import type { ChatInfo, ChatListUpdates, MessageData } from '@mpi/protocol';
import { rooms } from '../realtime/rooms.js';
import type { RealtimeServer } from '../realtime/types.js';

interface PendingUpdate {
  userId: string;
  chatId: string;
  updates: ChatListUpdates;
}

/**
 * Sends `chat_list_updated`, one per user and chat for everything that changed in one run of the
 * microtask queue: a group commit stores many messages of a chat at once, and each would otherwise cost
 * every member one more frame. Updates of one user and chat merge in call order (a later field wins), so
 * what is sent is the latest state; it goes out before the frames of the turn are written.
 */
export class ChatListNotifier {
  private pending = new Map<string, PendingUpdate>();
  private scheduled = false;

  constructor(private readonly io: RealtimeServer) {}

  notify(userIds: readonly string[], chatId: string, updates: ChatListUpdates): void {
    for (const userId of userIds) {
      const key = `${userId}\u0000${chatId}`;
      const entry = this.pending.get(key);
      if (entry) entry.updates = { ...entry.updates, ...updates };
      else this.pending.set(key, { userId, chatId, updates });
    }
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = new Map();
    // Users who get the very same update (a group renamed) share one broadcast, encoded once.
    const byUpdate = new Map<ChatListUpdates, { chatId: string; rooms: string[] }>();
    for (const { userId, chatId, updates } of batch.values()) {
      const audience = byUpdate.get(updates);
      if (audience) audience.rooms.push(rooms.user(userId));
      else byUpdate.set(updates, { chatId, rooms: [rooms.user(userId)] });
    }
    for (const [updates, { chatId, rooms: audience }] of byUpdate) {
      this.io.to(audience).emit('chat_list_updated', { chatId, updates });
    }
  }
}

/**
 * After a new message: each member's list shows it as the last message, with that member's unread count.
 * Sending marks the chat read for the sender, so a member's unread count is the messages after their
 * read mark.
 */
export function notifyNewMessage(
  chatList: ChatListNotifier,
  members: ReadonlyArray<{ userId: string; readSeq: number }>,
  message: MessageData,
) {
  for (const member of members) {
    const unreadCount = member.userId === message.senderId ? 0 : Math.max(message.seq - member.readSeq, 0);
    chatList.notify([member.userId], message.chatId, { lastMessage: message, unreadCount });
  }
}

/** After a membership or name change: everyone in the chat sees its new name and member list. */
export function notifyChatChanged(chatList: ChatListNotifier, chat: ChatInfo) {
  chatList.notify(chat.members, chat.id, { name: chat.name, members: chat.members });
}
