import type { ChatListItem } from '@mpi/client';
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { useSocketService } from './context.js';
import { useSocket } from './use-socket.js';

/**
 * The user's chats, most recently active first, with unread counts; live. Loads once, when first
 * connected: after that the store itself refreshes the list after every reconnect.
 */
export function useChatList(): readonly ChatListItem[] {
  const service = useSocketService();
  const { isConnected } = useSocket({ pingIntervalMs: 0 });
  const store = service.chats;
  const list = useSyncExternalStore(store.subscribe, store.getChatListSnapshot, store.getChatListSnapshot);
  const requestedFrom = useRef<object | null>(null);
  useEffect(() => {
    if (!isConnected || requestedFrom.current === store) return;
    requestedFrom.current = store;
    void store.loadChats();
  }, [store, isConnected]);
  return list;
}
