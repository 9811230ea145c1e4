import { useEffect, useSyncExternalStore } from 'react';
import { navigate } from './router.js';

/*
 * "Open the chat at this message" (a search result, a reply's quote): the target is kept here until the
 * chat view has shown it, loading older pages until the message is held.
 */

let target: { chatId: string; messageId: string } | null = null;
const listeners = new Set<() => void>();

function setTarget(next: typeof target): void {
  target = next;
  pagesLoaded = 0;
  for (const listener of listeners) listener();
}

export function jumpToMessage(chatId: string, messageId: string): void {
  setTarget({ chatId, messageId });
  navigate({ name: 'chat', chatId });
}

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};
const getTarget = () => target;

/** Pages of history loaded at most while looking for a target: a bound, not a search. */
const MAX_PAGES = 40;

/**
 * In the chat view: once the target message of this chat is held, scrolls to it and highlights it;
 * until then loads older pages (while there are any).
 */
export function useJumpTarget(
  chatId: string,
  chat: {
    messages: readonly { id: string | null }[];
    hasMore: boolean;
    loadingOlder: boolean;
    loadOlder(): Promise<boolean>;
  },
): void {
  const wanted = useSyncExternalStore(subscribe, getTarget, getTarget);
  const messageId = wanted?.chatId === chatId ? wanted.messageId : null;
  const held = messageId !== null && chat.messages.some((message) => message.id === messageId);
  const { hasMore, loadingOlder, loadOlder } = chat;
  useEffect(() => {
    if (messageId === null) return;
    if (held) {
      const element = document.querySelector(`[data-message-id="${CSS.escape(messageId)}"]`);
      element?.scrollIntoView({ block: 'center' });
      element?.classList.add('highlight');
      setTarget(null);
      const timer = setTimeout(() => element?.classList.remove('highlight'), 2000);
      return () => clearTimeout(timer);
    }
    if (loadingOlder) return;
    pagesLoaded++;
    // The whole history is held (or the bound is reached) without it: gone by retention, or never here.
    if (!hasMore || pagesLoaded > MAX_PAGES) {
      setTarget(null);
      return;
    }
    void loadOlder();
  }, [messageId, held, hasMore, loadingOlder, loadOlder]);
}

/** Pages loaded for the current target. */
let pagesLoaded = 0;
