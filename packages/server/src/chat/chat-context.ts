import type { NotificationService } from '../notifications/service.js';
import type { ServerContext } from '../server-context.js';
import type { ChatKindCache } from './chat-kinds.js';
import type { ChatListNotifier } from './chat-list.js';
import type { RecentMessages } from './recent-messages.js';
import type { TypingTracker } from './typing-tracker.js';

/**
 * What chat's handlers share: the server's context, chat's own caches, notifier and typing state, and the
 * notification service.
 */
export interface ChatContext extends ServerContext {
  chatKinds: ChatKindCache;
  chatList: ChatListNotifier;
  /** Where @mentions become notifications. */
  notifications: NotificationService;
  recentMessages: RecentMessages;
  typing: TypingTracker;
}
