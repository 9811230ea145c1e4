import type {
  ChatListItem,
  ChatMessage,
  ConnectionState,
  ConnectionStatus,
  NotificationSnapshot,
  SocketService,
} from '@mpi/client';
import type {
  AckOf,
  MatchPayload,
  MessageData,
  NotificationChannel,
  NotificationEventName,
  NotificationItem,
  NotificationPayloadOf,
  ReactionSummary,
  ReplyPreview,
  SystemNoticePayload,
  TypingUpdatePayload,
  UserPresence,
  UserProfile,
} from '@mpi/protocol';
import { describe, expectTypeOf, test } from 'vitest';
import {
  type ChatMemberView,
  type ReactionChip,
  type UseChatResult,
  type UseNotificationSocketOptions,
  type UseNotificationSocketResult,
  type UseSearchResult,
  type UseSocketResult,
  useChat,
  useChatList,
  useChatMute,
  useMembers,
  useMessageActions,
  useNotificationSocket,
  usePresence,
  usePresenceSetting,
  useProfile,
  useReactions,
  useSearch,
  useSocket,
  useSocketEvent,
  useSocketService,
} from '../src/index.js';

// Type tests never run: the hooks are called here only for their types.

describe('useSocket', () => {
  test('returns the connection status with connect, disconnect and the service', () => {
    expectTypeOf(useSocket).returns.toEqualTypeOf<UseSocketResult>();
    expectTypeOf<UseSocketResult>().toExtend<ConnectionStatus>();
    const socket = useSocket({ pingIntervalMs: 0 });
    expectTypeOf(socket.state).toEqualTypeOf<ConnectionState>();
    expectTypeOf(socket.isConnected).toBeBoolean();
    expectTypeOf(socket.service).toEqualTypeOf<SocketService>();
    expectTypeOf(socket.connect).toEqualTypeOf<() => void>();
    expectTypeOf(useSocketService).returns.toEqualTypeOf<SocketService>();
  });
});

describe('useChat and useChatList', () => {
  test('a chat’s messages and actions', () => {
    expectTypeOf(useChat).returns.toEqualTypeOf<UseChatResult>();
    const chat = useChat('c1', { markReadOnView: false });
    expectTypeOf(chat.messages).toEqualTypeOf<readonly ChatMessage[]>();
    expectTypeOf(chat.typingUserIds).toEqualTypeOf<readonly string[]>();
    expectTypeOf(chat.send).toEqualTypeOf<
      (
        text: string,
        options?: { replyToId?: string; mentions?: readonly string[] },
      ) => Promise<AckOf<'send_message'>>
    >();
    expectTypeOf(chat.retry).returns.toEqualTypeOf<Promise<AckOf<'send_message'>>>();
    expectTypeOf(chat.loadOlder).returns.toEqualTypeOf<Promise<boolean>>();
  });

  test('the chat list', () => {
    expectTypeOf(useChatList).returns.toEqualTypeOf<readonly ChatListItem[]>();
  });
});

describe('message actions, reactions and search', () => {
  test('actions take a message id and answer with the contract’s acks', () => {
    const actions = useMessageActions('c1');
    expectTypeOf(actions.edit).toEqualTypeOf<
      (messageId: string, text: string) => Promise<AckOf<'edit_message'>>
    >();
    expectTypeOf(actions.remove).returns.toEqualTypeOf<Promise<AckOf<'delete_message'>>>();
    expectTypeOf(actions.toggleReaction).parameters.toEqualTypeOf<[ChatMessage, string]>();
    expectTypeOf<AckOf<'edit_message'>>().toExtend<
      { ok: true; message: MessageData; changed: boolean } | { ok: false }
    >();
    // @ts-expect-error: an edit needs the new text
    actions.edit('m1');
  });

  test('reaction chips and search results', () => {
    const message = {} as ChatMessage;
    expectTypeOf(useReactions(message)).toEqualTypeOf<ReactionChip[]>();
    expectTypeOf<ReactionChip['mine']>().toEqualTypeOf<boolean>();
    const search = useSearch({ chatId: 'c1' });
    expectTypeOf(search).toEqualTypeOf<UseSearchResult>();
    expectTypeOf(search.results).toEqualTypeOf<readonly MessageData[]>();
    expectTypeOf(message.replyTo).toEqualTypeOf<ReplyPreview | null>();
    expectTypeOf(message.reactions).toEqualTypeOf<readonly ReactionSummary[]>();
  });
});

describe('useSocketEvent', () => {
  test('the handler gets the event’s contract payload', () => {
    useSocketEvent('typing_update', (payload) => {
      expectTypeOf(payload).toEqualTypeOf<TypingUpdatePayload>();
    });
    useSocketEvent('system:maintenance', (payload, meta) => {
      expectTypeOf(payload).toEqualTypeOf<SystemNoticePayload>();
      expectTypeOf(meta.seq).toBeNumber();
    });
  });

  test('a wrong event name or payload does not compile', () => {
    // @ts-expect-error: no such event
    useSocketEvent('typing_updated', () => {});
    // @ts-expect-error: typing_update's payload is not a string
    useSocketEvent('typing_update', (payload: string) => payload);
  });
});

describe('useNotificationSocket', () => {
  test('returns the inbox, the connection and the actions', () => {
    expectTypeOf(useNotificationSocket).returns.toEqualTypeOf<UseNotificationSocketResult>();
    expectTypeOf<UseNotificationSocketResult>().toExtend<NotificationSnapshot>();
    const inbox = useNotificationSocket();
    expectTypeOf(inbox.notifications).toEqualTypeOf<readonly NotificationItem[]>();
    expectTypeOf(inbox.channels).toEqualTypeOf<readonly NotificationChannel[]>();
    expectTypeOf(inbox.subscribe).toEqualTypeOf<(channels: NotificationChannel[]) => Promise<boolean>>();
    expectTypeOf(inbox.error).toEqualTypeOf<{ code: string; message: string } | null>();
  });

  test('each handler gets its event’s payload', () => {
    useNotificationSocket({
      handlers: {
        'match:scheduled': (payload) => {
          expectTypeOf(payload).toEqualTypeOf<MatchPayload<'scheduled'>>();
        },
      },
    });
    expectTypeOf<NonNullable<UseNotificationSocketOptions['onNotification']>>().toEqualTypeOf<
      <E extends NotificationEventName>(event: E, payload: NotificationPayloadOf<E>) => void
    >();
  });

  test('a wrong event name or payload does not compile', () => {
    useNotificationSocket({
      handlers: {
        // @ts-expect-error: no such notification event
        'match:rescheduled': () => {},
      },
    });
    useNotificationSocket({
      handlers: {
        // @ts-expect-error: match:scheduled carries { match, action }, not { event }
        'match:scheduled': (payload: { event: { title: string } }) => payload,
      },
    });
  });
});

describe('the people hooks’ types', () => {
  test('profile, presence, members, mute and the presence setting', () => {
    expectTypeOf(useProfile).returns.toEqualTypeOf<UserProfile | undefined>();
    expectTypeOf(usePresence).returns.toEqualTypeOf<UserPresence | undefined>();
    expectTypeOf(useMembers).returns.toEqualTypeOf<readonly ChatMemberView[]>();
    expectTypeOf<ChatMemberView['profile']>().toEqualTypeOf<UserProfile | undefined>();
    const [muted, setMuted] = useChatMute('c1');
    expectTypeOf(muted).toBeBoolean();
    expectTypeOf(setMuted).returns.resolves.toEqualTypeOf<AckOf<'set_chat_muted'>>();
    const [hidden, setHidden] = usePresenceSetting();
    expectTypeOf(hidden).toEqualTypeOf<boolean | null>();
    expectTypeOf(setHidden).parameter(0).toBeBoolean();
    // @ts-expect-error: a user id, not a profile
    useProfile({ id: 'ann' });
  });
});
