import type { ChatListItem } from '@mpi/client';
import { useEffect, useSyncExternalStore } from 'react';
import { useSocketService } from './context.js';
import { useSocket } from './use-socket.js';

/** The user's chats, most recently active first, with unread counts; live. Loads once connected. */
export function useChatList(): readonly ChatListItem[] {
  const service = useSocketService();
  const { isConnected } = useSocket({ pingIntervalMs: 0 });
  const store = service.chats;
  const list = useSyncExternalStore(store.subscribe, store.getChatListSnapshot, store.getChatListSnapshot);
  useEffect(() => {
    if (isConnected) void store.loadChats();
  }, [store, isConnected]);
  return list;
}
