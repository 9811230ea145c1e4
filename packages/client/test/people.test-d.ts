import type {
  AckOf,
  MentionPayload,
  NotificationMeta,
  UserPresence,
  UserProfile,
  UserSettings,
} from '@mpi/protocol';
import { describe, expectTypeOf, test } from 'vitest';
import {
  type ChatListItem,
  type ChatMessage,
  createSocketService,
  type SocketService,
} from '../src/index.js';

const service: SocketService = createSocketService();

describe('people in the SDK’s types', () => {
  test('the people store fits useSyncExternalStore and is keyed by user id', () => {
    expectTypeOf(service.people.subscribe).toEqualTypeOf<(listener: () => void) => () => void>();
    expectTypeOf(service.people.getProfile).toEqualTypeOf<(userId: string) => UserProfile | undefined>();
    expectTypeOf(service.people.getPresence).toEqualTypeOf<(userId: string) => UserPresence | undefined>();
    expectTypeOf(service.people.getSettings).returns.toEqualTypeOf<UserSettings | null>();
    expectTypeOf(service.people.getVersion).returns.toBeNumber();
    // @ts-expect-error: the store's changes come from the service, not from the app
    service.people.notify();
  });

  test('the methods take the contract’s payloads and resolve with its acks', () => {
    expectTypeOf(service.updateProfile).parameter(0).toEqualTypeOf<{ name?: string; avatarUrl?: string }>();
    expectTypeOf(service.updateProfile).returns.resolves.toEqualTypeOf<AckOf<'update_profile'>>();
    expectTypeOf(service.setChatMuted).returns.resolves.toEqualTypeOf<AckOf<'set_chat_muted'>>();
    expectTypeOf(service.setPresenceHidden).parameter(0).toBeBoolean();
    expectTypeOf(service.getProfiles).returns.resolves.toEqualTypeOf<AckOf<'get_profiles'>>();
    expectTypeOf(service.sendMessage)
      .parameter(2)
      .toEqualTypeOf<
        { clientMessageId?: string; replyToId?: string; mentions?: readonly string[] } | undefined
      >();
    // @ts-expect-error: mentions are user ids
    void service.sendMessage('c1', 'hi', { mentions: [1] });
  });

  test('the chat list says muted, messages say whom they mention, and a mention is a notification', () => {
    expectTypeOf<ChatListItem['muted']>().toBeBoolean();
    expectTypeOf<ChatMessage['mentions']>().toEqualTypeOf<readonly string[]>();
    service.on('chat:mention', (payload, meta) => {
      expectTypeOf(payload).toEqualTypeOf<MentionPayload>();
      expectTypeOf(meta).toEqualTypeOf<NotificationMeta>();
    });
    service.on('presence_updated', (presence) => expectTypeOf(presence).toEqualTypeOf<UserPresence>());
    service.on('profile_updated', (user) => expectTypeOf(user).toEqualTypeOf<UserProfile>());
  });
});
