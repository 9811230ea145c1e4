import type { NotificationService } from '../notifications/service.js';
import { startRetentionSweeper } from '../retention-sweeper.js';
import type { Feature, ServerContext } from '../server-context.js';
import { chatCatchUp } from './catch-up.js';
import type { ChatContext } from './chat-context.js';
import { ChatKindCache } from './chat-kinds.js';
import { ChatListNotifier } from './chat-list.js';
import { getDeviceKeys, publishDeviceKey } from './e2e-handlers.js';
import {
  addMembers,
  createGroup,
  getMembers,
  leaveGroup,
  listChats,
  openDm,
  removeMember,
  renameChat,
} from './group-handlers.js';
import { leasedPresence, leasedTyping } from './leased-presence.js';
import {
  confirmChanges,
  deleteMessage,
  editMessage,
  reactToMessage,
  searchMessages,
} from './message-action-handlers.js';
import { confirmReceipt, getHistory, markRead, sendMessage } from './message-handlers.js';
import { setChatMuted } from './mute.js';
import { announceDeparture, joinChat, leaveChat } from './presence.js';
import { RecentMessages } from './recent-messages.js';
import { typingStart, typingStop } from './typing.js';
import { TypingTracker } from './typing-tracker.js';

export interface ChatFeature extends Feature {
  /** Drops the cached kinds of these chats on every node: their DM members changed (an erasure). */
  forgetChats(chatIds: readonly string[]): void;
}

/** Chat: every handler, connection hook, catch-up and loop of direct and group chats. */
export function registerChat(server: ServerContext, notifications: NotificationService): ChatFeature {
  const ctx: ChatContext = {
    ...server,
    chatKinds: new ChatKindCache(server.storage.chat),
    chatList: new ChatListNotifier(server.io),
    notifications,
    recentMessages: new RecentMessages(),
    typing: new TypingTracker(server.io),
  };
  const { handlers } = ctx;
  handlers.on('send_message', sendMessage(ctx));
  handlers.on('messages_received', confirmReceipt(ctx));
  handlers.on('mark_read', markRead(ctx));
  handlers.on('get_history', getHistory(ctx));
  handlers.on('edit_message', editMessage(ctx));
  handlers.on('delete_message', deleteMessage(ctx));
  handlers.on('react_to_message', reactToMessage(ctx));
  handlers.on('changes_received', confirmChanges(ctx));
  handlers.on('search_messages', searchMessages(ctx));

  handlers.on('open_dm', openDm(ctx));
  handlers.on('list_chats', listChats(ctx));
  handlers.on('create_group', createGroup(ctx));
  handlers.on('add_members', addMembers(ctx));
  handlers.on('remove_member', removeMember(ctx));
  handlers.on('leave_group', leaveGroup(ctx));
  handlers.on('rename_chat', renameChat(ctx));
  handlers.on('get_members', getMembers(ctx));
  handlers.on('set_chat_muted', setChatMuted(ctx));
  handlers.on('publish_device_key', publishDeviceKey(ctx));
  handlers.on('get_device_keys', getDeviceKeys(ctx));

  handlers.on('join_chat', joinChat(ctx));
  handlers.on('leave_chat', leaveChat(ctx));
  handlers.on('typing_start', typingStart(ctx));
  handlers.on('typing_stop', typingStop(ctx));

  ctx.lease.share(leasedPresence(ctx));
  ctx.lease.share(leasedTyping(ctx));
  // Devices that had not received deleted messages are told to resync at their next catch-up.
  const stopRetention = startRetentionSweeper({
    what: 'messages',
    retentionDays: ctx.config.messageRetentionDays,
    prune: (olderThan) => ctx.storage.chat.pruneMessages(olderThan),
    log: ctx.log,
  });
  ctx.io.on('forget_chats', (chatIds) => ctx.chatKinds.forget(chatIds));
  return {
    forgetChats(chatIds) {
      ctx.chatKinds.forget(chatIds);
      // A single node has no others to tell (its in-memory adapter cannot).
      if (ctx.config.redis.url && chatIds.length > 0) ctx.io.serverSideEmit('forget_chats', [...chatIds]);
    },
    disconnecting: (socket) => announceDeparture(ctx, socket),
    disconnect: (socket) => ctx.typing.dropSocket(socket.id),
    catchUp: chatCatchUp(ctx),
    close() {
      ctx.typing.close();
      stopRetention();
    },
  };
}
