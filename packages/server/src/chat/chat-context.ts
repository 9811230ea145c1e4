import type { ServerContext } from '../server-context.js';
import type { ChatKindCache } from './chat-kinds.js';
import type { ChatListNotifier } from './chat-list.js';
import type { RecentMessages } from './recent-messages.js';
import type { TypingTracker } from './typing-tracker.js';

/** What chat's handlers share: the server's context and chat's own caches, notifier and typing state. */
export interface ChatContext extends ServerContext {
  chatKinds: ChatKindCache;
  chatList: ChatListNotifier;
  recentMessages: RecentMessages;
  typing: TypingTracker;
}
