import type {
  AckedClientEvent,
  AckOf,
  ChatSummary,
  ClientEventPayload,
  ErrorBody,
  MatchPayload,
  MessageData,
  NotificationChannel,
  NotificationMeta,
  ReplyPreview,
  SendMessageInput,
  TypingUpdatePayload,
} from '@mpi/protocol';
import { describe, expectTypeOf, test } from 'vitest';
import {
  type AckEventName,
  type AckResponse,
  type ChatSnapshot,
  ConnectionState,
  type ConnectionStateChange,
  type ConnectionStatus,
  createSocketService,
  type EventPayload,
  type NotificationSnapshot,
  type SocketService,
} from '../src/index.js';

const service: SocketService = createSocketService();

describe('the SDK names the contract’s types', () => {
  test('AckEventName, EventPayload and AckResponse are the protocol’s', () => {
    expectTypeOf<AckEventName>().toEqualTypeOf<AckedClientEvent>();
    expectTypeOf<EventPayload<'send_message'>>().toEqualTypeOf<ClientEventPayload<'send_message'>>();
    expectTypeOf<EventPayload<'send_message'>>().toEqualTypeOf<SendMessageInput>();
    expectTypeOf<AckResponse<'get_history'>>().toEqualTypeOf<AckOf<'get_history'>>();
  });

  test('fire-and-forget events take no ack', () => {
    expectTypeOf<'send_message'>().toExtend<AckEventName>();
    expectTypeOf<'typing_start'>().not.toExtend<AckEventName>();
    expectTypeOf<'typing_stop'>().not.toExtend<AckEventName>();
  });
});

describe('on / off', () => {
  test('a server event’s handler gets its contract payload', () => {
    service.on('receive_message', (message) => {
      expectTypeOf(message).toEqualTypeOf<MessageData>();
    });
    service.on('typing_update', (payload) => {
      expectTypeOf(payload).toEqualTypeOf<TypingUpdatePayload>();
    });
    service.on('match:scheduled', (payload, meta) => {
      expectTypeOf(payload).toEqualTypeOf<MatchPayload<'scheduled'>>();
      expectTypeOf(meta).toEqualTypeOf<NotificationMeta>();
    });
  });

  test('local events have their own payloads', () => {
    service.on('connection_state_changed', (change) => {
      expectTypeOf(change).toEqualTypeOf<ConnectionStateChange>();
    });
    service.on('socket_connected', ({ socketId }) => {
      expectTypeOf(socketId).toBeString();
    });
  });

  test('on returns the function that removes the handler', () => {
    expectTypeOf(service.on('user_joined', () => {})).toEqualTypeOf<() => void>();
  });

  test('a wrong event name or payload does not compile', () => {
    // @ts-expect-error: no such event (a typo of receive_message)
    service.on('recieve_message', () => {});
    // @ts-expect-error: receive_message carries a MessageData, not a string
    service.on('receive_message', (message: string) => message);
    // @ts-expect-error: typing_update's payload has no `text`
    service.on('typing_update', (payload: { text: string }) => payload);
    // @ts-expect-error: client events are not emitted by the server
    service.off('send_message');
  });
});

describe('requests resolve with the contract’s acks', () => {
  test('request: payload and ack follow the event', () => {
    expectTypeOf(service.request('list_chats', {})).toEqualTypeOf<Promise<AckOf<'list_chats'>>>();
    expectTypeOf(service.request<'mark_read'>)
      .parameter(1)
      .toEqualTypeOf<ClientEventPayload<'mark_read'>>();
  });

  test('request refuses unacked events, unknown events and wrong payloads', () => {
    // @ts-expect-error: typing_start takes no acknowledgement
    void service.request('typing_start', { chatId: 'c1' });
    // @ts-expect-error: no such event
    void service.request('send_messages', { chatId: 'c1' });
    // @ts-expect-error: send_message needs a clientMessageId
    void service.request('send_message', { chatId: 'c1', text: 'hi' });
    // @ts-expect-error: upToSeq is a number
    void service.request('mark_read', { chatId: 'c1', upToSeq: '3' });
  });

  test('an ack narrows on ok', async () => {
    const ack = await service.sendMessage('c1', 'hello');
    expectTypeOf(ack).toEqualTypeOf<AckOf<'send_message'>>();
    if (ack.ok) {
      expectTypeOf(ack.message).toEqualTypeOf<MessageData>();
      expectTypeOf(ack.duplicate).toBeBoolean();
    } else {
      expectTypeOf(ack.error).toEqualTypeOf<ErrorBody>();
    }
    const chats = await service.listChats();
    if (chats.ok) expectTypeOf(chats.chats).toEqualTypeOf<ChatSummary[]>();
  });

  test('each method’s result', () => {
    expectTypeOf(service.setupUser).returns.toEqualTypeOf<Promise<AckOf<'setup_user'>>>();
    expectTypeOf(service.joinChat).returns.toEqualTypeOf<Promise<AckOf<'join_chat'>>>();
    expectTypeOf(service.retryMessage).returns.toEqualTypeOf<Promise<AckOf<'send_message'>>>();
    expectTypeOf(service.discardMessage).returns.toEqualTypeOf<Promise<boolean>>();
    expectTypeOf(service.openDm).returns.toEqualTypeOf<Promise<AckOf<'open_dm'>>>();
    expectTypeOf(service.createGroup).returns.toEqualTypeOf<Promise<AckOf<'create_group'>>>();
    expectTypeOf(service.getHistory).returns.toEqualTypeOf<Promise<AckOf<'get_history'>>>();
    expectTypeOf(service.subscribe).returns.toEqualTypeOf<Promise<AckOf<'subscribe'>>>();
    expectTypeOf(service.ping).returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf(service.getDeviceId).returns.toEqualTypeOf<Promise<string>>();
  });

  test('message actions: acks with the message’s state, and its fields in the store', async () => {
    expectTypeOf(service.editMessage).returns.toEqualTypeOf<Promise<AckOf<'edit_message'>>>();
    expectTypeOf(service.deleteMessage).returns.toEqualTypeOf<Promise<AckOf<'delete_message'>>>();
    expectTypeOf(service.reactToMessage).returns.toEqualTypeOf<Promise<AckOf<'react_to_message'>>>();
    expectTypeOf(service.searchMessages).returns.toEqualTypeOf<Promise<AckOf<'search_messages'>>>();
    const edited = await service.editMessage('c1', 'm1', 'fixed');
    if (edited.ok) {
      expectTypeOf(edited.message).toEqualTypeOf<MessageData>();
      expectTypeOf(edited.changed).toBeBoolean();
    }
    const found = await service.searchMessages('goal', { chatId: 'c1', limit: 10 });
    if (found.ok) expectTypeOf(found.nextCursor).toEqualTypeOf<string | null>();
    void service.sendMessage('c1', 'yes', { replyToId: 'm1' });
    const [message] = service.chats.getChatSnapshot('c1').messages;
    expectTypeOf(message?.replyTo).toEqualTypeOf<ReplyPreview | null | undefined>();
    expectTypeOf(message?.syncing).toEqualTypeOf<boolean | undefined>();
    // @ts-expect-error: a reaction is added or removed with a boolean
    void service.reactToMessage('c1', 'm1', '👍', 'add');
    // @ts-expect-error: search takes no unknown option
    void service.searchMessages('goal', { before: 'x' });
  });

  test('presence: the join ack and the chat snapshot list who is there', async () => {
    const ack = await service.joinChat('c1');
    if (ack.ok) expectTypeOf(ack.presentUserIds).toEqualTypeOf<string[]>();
    expectTypeOf(service.chats.getChatSnapshot('c1').presentUserIds).toEqualTypeOf<readonly string[]>();
  });

  test('channels are the contract’s', () => {
    expectTypeOf(service.subscribe).parameter(0).toEqualTypeOf<NotificationChannel[]>();
    // @ts-expect-error: not a notification channel
    void service.subscribe(['sports']);
  });
});

describe('state and stores', () => {
  test('connection status', () => {
    expectTypeOf(service.getState()).toEqualTypeOf<ConnectionState>();
    expectTypeOf(service.getConnectionStatus()).toEqualTypeOf<ConnectionStatus>();
    expectTypeOf(service.getSnapshot).toEqualTypeOf<() => ConnectionStatus>();
    expectTypeOf(service.subscribeState).toEqualTypeOf<(listener: () => void) => () => void>();
    expectTypeOf(ConnectionState.CONNECTED).toExtend<ConnectionState>();
  });

  test('the chat and notification stores fit useSyncExternalStore', () => {
    expectTypeOf(service.chats.subscribe).toEqualTypeOf<(listener: () => void) => () => void>();
    expectTypeOf(service.chats.getChatSnapshot).returns.toEqualTypeOf<ChatSnapshot>();
    expectTypeOf(service.chats.listenerCount).returns.toBeNumber();
    expectTypeOf(service.notifications.subscribe).toEqualTypeOf<(listener: () => void) => () => void>();
    expectTypeOf(service.notifications.getSnapshot).returns.toEqualTypeOf<NotificationSnapshot>();
  });

  test('the stores’ base class adds nothing public', () => {
    // @ts-expect-error: the notification store never had listenerCount
    void service.notifications.listenerCount;
    // @ts-expect-error: notify is protected
    service.notifications.notify();
  });
});
