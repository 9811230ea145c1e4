// @vitest-environment jsdom
import { ConnectionState, createSocketService, type SocketService } from '@mpi/client';
import { type StartedServerProcess, startServerProcess } from '@mpi/test-kit';
import { act, cleanup, render, renderHook, waitFor } from '@testing-library/react';
import { type ReactNode, StrictMode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  SocketProvider,
  useChat,
  useChatList,
  useMessageActions,
  useNotificationSocket,
  useReactions,
  useSearch,
  useSocket,
  useSocketEvent,
} from '../src/index.js';

let t: StartedServerProcess;
const services: SocketService[] = [];
beforeAll(async () => {
  t = await startServerProcess();
});
afterEach(() => {
  cleanup();
  for (const service of services.splice(0)) service.destroy();
});
afterAll(async () => {
  await t.stop();
});

function serviceFor(userId: string): SocketService {
  const service = createSocketService({
    url: t.url,
    token: () => t.token(userId),
    deviceId: `${userId}-test`,
  });
  services.push(service);
  return service;
}

function wrapper(service: SocketService) {
  return ({ children }: { children: ReactNode }) => (
    <StrictMode>
      <SocketProvider service={service}>{children}</SocketProvider>
    </StrictMode>
  );
}

async function connected(service: SocketService, userId: string) {
  service.connect();
  await waitFor(() => expect(service.getState()).toBe(ConnectionState.CONNECTED));
  await service.setupUser(userId, {});
}

describe('useSocket', () => {
  it('follows the connection state and measures latency', async () => {
    const service = serviceFor('hana');
    const { result } = renderHook(() => useSocket({ pingIntervalMs: 50 }), { wrapper: wrapper(service) });
    expect(result.current.state).toBe(ConnectionState.DISCONNECTED);
    act(() => result.current.connect());
    await waitFor(() => expect(result.current.state).toBe(ConnectionState.CONNECTED));
    await waitFor(() => expect(result.current.latencyMs).not.toBeNull());
    act(() => result.current.disconnect());
    await waitFor(() => expect(result.current.state).toBe(ConnectionState.DISCONNECTED));
  });
});

describe('useSocketEvent', () => {
  it('calls the latest handler for each event and stops at unmount', async () => {
    const service = serviceFor('jack');
    const kate = serviceFor('kate');
    await connected(service, 'jack');
    await connected(kate, 'kate');
    const opened = await kate.openDm('jack');
    if (!opened.ok) throw new Error(opened.error.message);
    const seen: string[] = [];
    const before = service.listenerCount();
    const { rerender, unmount } = renderHook(
      ({ tag }: { tag: string }) => useSocketEvent('receive_message', (m) => seen.push(`${tag}:${m.text}`)),
      { wrapper: wrapper(service), initialProps: { tag: 'first' } },
    );
    rerender({ tag: 'second' });
    await kate.sendMessage(opened.chat.id, 'one');
    await waitFor(() => expect(seen).toEqual(['second:one']));
    unmount();
    expect(service.listenerCount()).toBe(before);
    await kate.sendMessage(opened.chat.id, 'two');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen).toEqual(['second:one']);
  });
});

describe('useNotificationSocket', () => {
  it('connects on mount, shows the stored channel preference, changes it, and removes its handlers on unmount', async () => {
    const service = serviceFor('ivan');
    void service.notifications; // the store's own listeners are part of the baseline
    const before = service.listenerCount();
    const { result, unmount } = renderHook(() => useNotificationSocket(), { wrapper: wrapper(service) });
    await waitFor(() => expect(result.current.isConnected).toBe(true));
    await waitFor(() =>
      expect([...result.current.channels].sort()).toEqual(['calendar', 'matches', 'system', 'training']),
    );
    await act(async () => {
      expect(await result.current.unsubscribe(['matches'])).toBe(true);
    });
    expect(result.current.channels).not.toContain('matches');
    await act(async () => {
      expect(await result.current.unsubscribe(['system'])).toBe(false);
    });
    expect(result.current.channels).toContain('system');
    unmount();
    expect(service.listenerCount()).toBe(before);

    // The opt-out is the user's, not the device's: a second device sees it.
    const other = serviceFor('ivan');
    const second = renderHook(() => useNotificationSocket(), { wrapper: wrapper(other) });
    await waitFor(() => expect(second.result.current.loaded).toBe(true));
    expect([...second.result.current.channels].sort()).toEqual(['calendar', 'system', 'training']);
  });
});

describe('useMessageActions, useReactions and useSearch', () => {
  it('edits, reacts, deletes and finds messages, shown in the other user’s chat', async () => {
    const lena = serviceFor('lena');
    const max = serviceFor('max');
    await connected(lena, 'lena');
    await connected(max, 'max');
    const opened = await lena.openDm('max');
    if (!opened.ok) throw new Error(opened.error.message);
    const chatId = opened.chat.id;
    const sent = await lena.sendMessage(chatId, 'Kickoff at 10');
    if (!sent.ok) throw new Error(sent.error.message);

    const mine = renderHook(() => ({ chat: useChat(chatId), actions: useMessageActions(chatId) }), {
      wrapper: wrapper(lena),
    });
    const theirs = renderHook(
      () => {
        const chat = useChat(chatId);
        return { chat, chips: useReactions(chat.messages[0]), search: useSearch({ debounceMs: 10 }) };
      },
      { wrapper: wrapper(max) },
    );
    await waitFor(() => expect(theirs.result.current.chat.messages).toHaveLength(1));
    const message = () => mine.result.current.chat.messages[0];
    expect(mine.result.current.actions.canEdit(message() as never)).toBe(true);
    expect(mine.result.current.actions.canEdit(theirs.result.current.chat.messages[0] as never)).toBe(false);

    await act(async () => {
      await mine.result.current.actions.edit(sent.message.id, 'Kickoff at 11');
    });
    await waitFor(() => expect(theirs.result.current.chat.messages[0]?.text).toBe('Kickoff at 11'));

    await act(async () => {
      await theirs.result.current.chat.send('ok', { replyToId: sent.message.id });
    });
    await act(async () => {
      await mine.result.current.actions.toggleReaction(message() as never, '👍');
    });
    await waitFor(() =>
      expect(theirs.result.current.chips).toEqual([
        { emoji: '👍', count: 1, userIds: ['lena'], mine: false },
      ]),
    );
    await act(async () => {
      await mine.result.current.actions.toggleReaction(message() as never, '👍');
    });
    await waitFor(() => expect(theirs.result.current.chips).toEqual([]));

    act(() => theirs.result.current.search.setQuery('kickoff'));
    await waitFor(() =>
      expect(theirs.result.current.search.results.map((m) => m.text)).toEqual(['Kickoff at 11']),
    );

    await act(async () => {
      await mine.result.current.actions.remove(sent.message.id);
    });
    await waitFor(() => expect(theirs.result.current.chat.messages[0]?.deletedAt).not.toBeNull());
    expect(theirs.result.current.chat.messages[1]?.replyTo).toMatchObject({ deleted: true, text: '' });
    mine.unmount();
    theirs.unmount();
  });
});

describe('useChat and useChatList', () => {
  it('sends optimistically, receives, and cleans up under StrictMode', async () => {
    const alice = serviceFor('alice');
    const bob = serviceFor('bob');
    await connected(alice, 'alice');
    await connected(bob, 'bob');
    const opened = await alice.openDm('bob');
    if (!opened.ok) throw new Error(opened.error.message);
    const chatId = opened.chat.id;

    const aliceListeners = alice.listenerCount();
    const aliceChat = renderHook(() => useChat(chatId), { wrapper: wrapper(alice) });
    const bobList = renderHook(() => useChatList(), { wrapper: wrapper(bob) });

    let sending: Promise<unknown> | undefined;
    act(() => {
      sending = aliceChat.result.current.send('Practice moved to 7pm');
    });
    // Optimistic: the message shows before the server answered.
    expect(aliceChat.result.current.messages.at(-1)).toMatchObject({
      text: 'Practice moved to 7pm',
      own: true,
    });
    await act(async () => {
      await sending;
    });
    await waitFor(() =>
      expect(aliceChat.result.current.messages.at(-1)?.status).toMatch(/^(sent|delivered|read)$/),
    );
    await waitFor(() =>
      expect(bobList.result.current.find((c) => c.id === chatId)).toMatchObject({
        unreadCount: 1,
        lastMessage: { text: 'Practice moved to 7pm' },
      }),
    );

    aliceChat.unmount();
    bobList.unmount();
    expect(alice.listenerCount()).toBe(aliceListeners);
    expect(alice.chats.listenerCount()).toBe(0);
  });

  it('shows the other user typing and clears it', async () => {
    const cara = serviceFor('cara');
    const dan = serviceFor('dan');
    await connected(cara, 'cara');
    await connected(dan, 'dan');
    const opened = await cara.openDm('dan');
    if (!opened.ok) throw new Error(opened.error.message);
    const chatId = opened.chat.id;
    const caraChat = renderHook(() => useChat(chatId), { wrapper: wrapper(cara) });
    const danChat = renderHook(() => useChat(chatId), { wrapper: wrapper(dan) });
    await waitFor(() => expect(cara.socket?.connected).toBe(true));
    await new Promise((resolve) => setTimeout(resolve, 100)); // both joined the room
    act(() => danChat.result.current.setDraft('Hel'));
    await waitFor(() => expect(caraChat.result.current.typingUserIds).toEqual(['dan']));
    act(() => danChat.result.current.setDraft(''));
    await waitFor(() => expect(caraChat.result.current.typingUserIds).toEqual([]));
  });

  // Joins, acks and user_joined cross a real server: on a busy machine they take more than the default 1 s.
  const PRESENCE_WAIT = { timeout: 5000 };

  it('shows who has the chat open: present on join, then arrivals and departures', async () => {
    const eve = serviceFor('eve');
    const finn = serviceFor('finn');
    await connected(eve, 'eve');
    await connected(finn, 'finn');
    const opened = await eve.openDm('finn');
    if (!opened.ok) throw new Error(opened.error.message);
    const chatId = opened.chat.id;
    const finnChat = renderHook(() => useChat(chatId), { wrapper: wrapper(finn) });
    await waitFor(() => expect(finn.chats.getChatSnapshot(chatId).presentUserIds).toEqual([]), PRESENCE_WAIT);
    // finn was there first: eve learns it from her join alone (no user_joined reaches her for finn).
    const eveChat = renderHook(() => useChat(chatId), { wrapper: wrapper(eve) });
    await waitFor(() => expect(eveChat.result.current.presentUserIds).toEqual(['finn']), PRESENCE_WAIT);
    await waitFor(() => expect(finnChat.result.current.presentUserIds).toEqual(['eve']), PRESENCE_WAIT);
    finnChat.unmount();
    await waitFor(() => expect(eveChat.result.current.presentUserIds).toEqual([]), PRESENCE_WAIT);
  });
});

describe('DMChat', () => {
  it('renders a conversation, sends from the form, and shows the delivered tick', async () => {
    const { DMChat } = await import('../src/dm-chat.js');
    const { fireEvent, screen } = await import('@testing-library/react');
    const eva = serviceFor('eva');
    const finn = serviceFor('finn');
    await connected(eva, 'eva');
    await connected(finn, 'finn');
    const opened = await eva.openDm('finn');
    if (!opened.ok) throw new Error(opened.error.message);
    const chatId = opened.chat.id;
    renderHook(() => useChat(chatId), { wrapper: wrapper(finn) }); // finn has the chat open

    render(<DMChat chatId={chatId} title="Finn" />, { wrapper: wrapper(eva) });
    const input = screen.getByLabelText('Message');
    fireEvent.change(input, { target: { value: 'See you at the pitch' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(await screen.findByText('See you at the pitch')).toBeTruthy();
    expect((input as HTMLInputElement).value).toBe('');
    await waitFor(() => expect(screen.getByRole('img', { name: /Delivered|Read/ })).toBeTruthy(), {
      timeout: 5000,
    });
  });
});
