import type { ChatListItem } from '@mpi/client';
import type { AckOf, UserPresence, UserProfile } from '@mpi/protocol';
import { useCallback, useEffect, useSyncExternalStore } from 'react';
import { useSocketService } from './context.js';

/** A user's name and avatar, live (`profile_updated`); undefined until known, then fetched once. */
export function useProfile(userId: string | null | undefined): UserProfile | undefined {
  const people = useSocketService().people;
  const read = useCallback(() => (userId ? people.getProfile(userId) : undefined), [people, userId]);
  const profile = useSyncExternalStore(people.subscribe, read, read);
  useEffect(() => {
    if (userId && !profile) void people.loadProfiles([userId]);
  }, [people, userId, profile]);
  return profile;
}

/**
 * Online and last seen of a user you share a chat with, live (`presence_updated`); undefined while
 * unknown (not loaded, or disconnected). A user who hides presence shows `online: false, lastSeenAt: null`.
 */
export function usePresence(userId: string | null | undefined): UserPresence | undefined {
  const people = useSocketService().people;
  const read = useCallback(() => (userId ? people.getPresence(userId) : undefined), [people, userId]);
  return useSyncExternalStore(people.subscribe, read, read);
}

export interface ChatMemberView {
  userId: string;
  profile: UserProfile | undefined;
  presence: UserPresence | undefined;
}

/** The members of a listed chat with their profiles and presence; live. Loads them once per chat. */
export function useMembers(chatId: string | null | undefined): readonly ChatMemberView[] {
  const service = useSocketService();
  const { chats, people } = service;
  const list = useSyncExternalStore(chats.subscribe, chats.getChatListSnapshot, chats.getChatListSnapshot);
  const members = list.find((chat) => chat.id === chatId)?.members;
  useSyncExternalStore(people.subscribe, people.getVersion, people.getVersion);
  useEffect(() => {
    if (chatId) void chats.loadMembers(chatId);
  }, [chats, chatId]);
  return (members ?? []).map((userId) => ({
    userId,
    profile: people.getProfile(userId),
    presence: people.getPresence(userId),
  }));
}

/** Whether the chat is muted for you, and a setter (all your devices follow). */
export function useChatMute(
  chatId: string | null | undefined,
): [muted: boolean, setMuted: (muted: boolean) => Promise<AckOf<'set_chat_muted'>>] {
  const service = useSocketService();
  const { chats } = service;
  const read = useCallback(
    () => chats.getChatListSnapshot().find((chat: ChatListItem) => chat.id === chatId)?.muted ?? false,
    [chats, chatId],
  );
  const muted = useSyncExternalStore(chats.subscribe, read, read);
  const setMuted = useCallback(
    (next: boolean) => service.setChatMuted(chatId ?? '', next),
    [service, chatId],
  );
  return [muted, setMuted];
}

/** Your presence setting, and a setter (all your devices follow). Null until `setup_user` answered. */
export function usePresenceSetting(): [
  hidden: boolean | null,
  setHidden: (hidden: boolean) => Promise<AckOf<'set_presence_hidden'>>,
] {
  const service = useSocketService();
  const { people } = service;
  const settings = useSyncExternalStore(people.subscribe, people.getSettings, people.getSettings);
  const setHidden = useCallback((hidden: boolean) => service.setPresenceHidden(hidden), [service]);
  return [settings?.hidePresence ?? null, setHidden];
}
