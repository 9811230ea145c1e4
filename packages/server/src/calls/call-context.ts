import type { ChatListNotifier } from '../chat/chat-list.js';
import type { ServerContext } from '../server-context.js';

/** What the call handlers share: the server's context, the chat list, and this node's ring timers. */
export interface CallContext extends ServerContext {
  chatList: ChatListNotifier;
  /** Starts the call's ring timer: unanswered after CALL_RING_SECONDS, it ends as missed. */
  ring(callId: string): void;
  clearRing(callId: string): void;
  /** This node's sockets that started or answered a call (until they disconnect): only their disconnect looks for an open call in the database. */
  inCall: Set<string>;
}
