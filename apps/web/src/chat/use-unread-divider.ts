import type { ChatMessage } from '@mpi/client';
import { useRef } from 'react';

/**
 * Where the "New messages" divider goes: before the first of the messages that were unread when the
 * chat opened (the last `unreadCount` messages from others). Decided once, when the first messages are
 * shown, and kept while the chat stays open, although reading them clears the count at once.
 */
export function useUnreadDivider(messages: readonly ChatMessage[], unreadCount: number): string | null {
  const decided = useRef<{ key: string | null } | null>(null);
  const unreadAtOpen = useRef(0);
  if (decided.current === null) {
    unreadAtOpen.current = Math.max(unreadAtOpen.current, unreadCount);
    if (messages.length > 0) {
      let left = unreadAtOpen.current;
      let key: string | null = null;
      for (let i = messages.length - 1; i >= 0 && left > 0; i--) {
        const message = messages[i];
        if (!message || message.own || message.seq === null) continue;
        key = message.clientMessageId;
        left--;
      }
      decided.current = { key };
    }
  }
  return decided.current?.key ?? null;
}
