import type { ChatSnapshot } from '@mpi/client';
import type { AckOf } from '@mpi/protocol';
import { useCallback, useEffect, useRef, useSyncExternalStore } from 'react';
import { useSocketService } from './context.js';

export interface UseChatOptions {
  /** Mark messages read while the chat is shown (default true). */
  markReadOnView?: boolean;
}

export interface UseChatResult extends ChatSnapshot {
  /**
   * Sends with optimistic UI: the message shows as `pending` at once, then `sent`, `delivered`, `read`.
   * `replyToId`: the id of the message this one answers (quoted above it); `mentions`: members
   * @mentioned in the text (user ids), who get a notification.
   */
  send(
    text: string,
    options?: { replyToId?: string; mentions?: readonly string[] },
  ): Promise<AckOf<'send_message'>>;
  retry(clientMessageId: string): Promise<AckOf<'send_message'>>;
  discard(clientMessageId: string): Promise<boolean>;
  loadOlder(): Promise<boolean>;
  /** Call on every input change: starts typing for non-empty text, stops for empty text. */
  setDraft(text: string): void;
  markRead(): Promise<boolean>;
}

/**
 * One chat: its messages (optimistic, deduplicated, ordered), typing users, unread count and actions.
 * Joins the chat's room while mounted; typing is started and stopped for the caller.
 */
export function useChat(chatId: string, { markReadOnView = true }: UseChatOptions = {}): UseChatResult {
  const service = useSocketService();
  const store = service.chats;
  const getSnapshot = useCallback(() => store.getChatSnapshot(chatId), [store, chatId]);
  const snapshot = useSyncExternalStore(store.subscribe, getSnapshot, getSnapshot);
  const typingRef = useRef(false);

  useEffect(() => {
    void service.joinChat(chatId);
    return () => {
      if (typingRef.current) service.stopTyping(chatId);
      typingRef.current = false;
      void service.leaveChat(chatId);
    };
  }, [service, chatId]);

  // The first page of history, once connected: a chat opened before the connection is up (a reload on
  // the chat's page) would otherwise fetch nothing, since requests fail at once while disconnected.
  const getConnected = useCallback(() => service.getSnapshot().isConnected, [service]);
  const isConnected = useSyncExternalStore(service.subscribeState, getConnected, getConnected);
  useEffect(() => {
    if (!isConnected) return;
    const held = store.getChatSnapshot(chatId).messages.some((message) => message.seq !== null);
    if (!held) void store.loadOlder(chatId);
  }, [store, chatId, isConnected]);

  const lastSeq = snapshot.messages.reduce((max, m) => Math.max(max, m.seq ?? 0), 0);
  useEffect(() => {
    if (markReadOnView && snapshot.unreadCount > 0 && lastSeq > 0) void store.markChatRead(chatId);
  }, [store, chatId, markReadOnView, snapshot.unreadCount, lastSeq]);

  const setDraft = useCallback(
    (text: string) => {
      const typing = text.trim().length > 0;
      if (typing) service.startTyping(chatId);
      else if (typingRef.current) service.stopTyping(chatId);
      typingRef.current = typing;
    },
    [service, chatId],
  );

  const send = useCallback(
    (text: string, options: { replyToId?: string; mentions?: readonly string[] } = {}) => {
      if (typingRef.current) service.stopTyping(chatId);
      typingRef.current = false;
      return service.sendMessage(chatId, text, options);
    },
    [service, chatId],
  );

  return {
    ...snapshot,
    send,
    retry: useCallback((id: string) => service.retryMessage(id), [service]),
    discard: useCallback((id: string) => service.discardMessage(id), [service]),
    loadOlder: useCallback(() => store.loadOlder(chatId), [store, chatId]),
    markRead: useCallback(() => store.markChatRead(chatId), [store, chatId]),
    setDraft,
  };
}
