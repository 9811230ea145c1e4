import type { MessageData } from '@mpi/protocol';
import { Cleanup, sleep, waitFor } from '@mpi/test-kit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createClientMessageId,
  createSocketService,
  getSocketService,
  SocketRequestError,
  type SocketService,
  type SocketServiceOptions,
  socketService,
} from '../src/index.js';
import { ConnectionState, type FakeServerOptions, startFakeServer, waitForState } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const fast = { delay: 20, backoff: 1.5, maxDelay: 10_000, jitter: 0, attempts: 5 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function service(options: SocketServiceOptions): SocketService {
  return cleanup.add(createSocketService({ timeoutMs: 2000, reconnection: fast, ...options }), (s) =>
    s.destroy(),
  );
}

async function server(options: FakeServerOptions = {}) {
  return cleanup.add(await startFakeServer(options), (s) => s.close());
}

function message(seq: number): MessageData {
  return {
    id: `m${seq}`,
    clientMessageId: `c${seq}`,
    chatId: 'chat-1',
    senderId: 'u2',
    text: `hello ${seq}`,
    createdAt: new Date().toISOString(),
    seq,
  };
}

async function connected(options: FakeServerOptions = {}, serviceOptions: SocketServiceOptions = {}) {
  const srv = await server(options);
  const s = service({ url: srv.url, token: 'valid', ...serviceOptions });
  s.connect();
  await waitForState(s, ConnectionState.CONNECTED);
  return { srv, s };
}

/** The listener counts on the raw socket.io-client socket. */
function rawListenerCounts(s: SocketService) {
  const socket = s.socket;
  if (!socket) return null;
  return {
    connect: socket.listeners('connect').length,
    connectError: socket.listeners('connect_error').length,
    disconnect: socket.listeners('disconnect').length,
    any: socket.listenersAny().length,
  };
}

describe('event handlers', () => {
  it('survive reconnects without duplicates, and off() removes them', async () => {
    const { srv, s } = await connected();
    const received: number[] = [];
    const onMessage = (m: MessageData) => received.push(m.seq);
    const connectedIds: string[] = [];
    s.on('receive_message', onMessage);
    s.on('socket_connected', ({ socketId }) => connectedIds.push(socketId));
    const rawBefore = rawListenerCounts(s);
    expect(rawBefore).toEqual({ connect: 1, connectError: 1, disconnect: 1, any: 1 });

    srv.io.emit('receive_message', message(1));
    await waitFor(() => received.length === 1);

    for (let i = 0; i < 2; i++) {
      srv.io.disconnectSockets(true);
      await waitFor(() => connectedIds.length === i + 1 && s.isReady());
    }
    expect(rawListenerCounts(s)).toEqual(rawBefore);
    srv.io.emit('receive_message', message(2));
    await waitFor(() => received.length === 2);
    await sleep(30);
    expect(received).toEqual([1, 2]);

    s.off('receive_message', onMessage);
    srv.io.emit('receive_message', message(3));
    await sleep(50);
    expect(received).toEqual([1, 2]);
  });

  it('off(event) without a handler removes all handlers of that event only', async () => {
    const { srv, s } = await connected();
    const a: number[] = [];
    const b: number[] = [];
    const typing: boolean[] = [];
    s.on('receive_message', (m) => a.push(m.seq));
    s.on('receive_message', (m) => b.push(m.seq));
    s.on('typing_update', (t) => typing.push(t.isTyping));
    expect(s.listenerCount('receive_message')).toBe(2);
    s.off('receive_message');
    expect(s.listenerCount('receive_message')).toBe(0);
    srv.io.emit('receive_message', message(1));
    srv.io.emit('typing_update', { chatId: 'chat-1', userId: 'u2', isTyping: true });
    await waitFor(() => typing.length === 1);
    expect(a).toEqual([]);
    expect(b).toEqual([]);
  });

  it('1,000 on/off cycles leave listener counts unchanged', async () => {
    const { s } = await connected();
    const total = s.listenerCount();
    const raw = rawListenerCounts(s);
    for (let i = 0; i < 1000; i++) {
      const handler = () => {};
      s.on('receive_message', handler);
      const remove = s.on('user_joined', handler);
      s.off('receive_message', handler);
      remove();
    }
    expect(s.listenerCount()).toBe(total);
    expect(rawListenerCounts(s)).toEqual(raw);
  });

  it('1,000 subscribe/unsubscribe cycles of the chat store and state leave no listener behind', async () => {
    const { s } = await connected();
    const store = s.chats.listenerCount();
    const total = s.listenerCount();
    for (let i = 0; i < 1000; i++) {
      const a = s.chats.subscribe(() => {});
      const b = s.subscribeState(() => {});
      const c = s.on('chat_list_updated', () => {});
      a();
      b();
      c();
    }
    expect(s.chats.listenerCount()).toBe(store);
    expect(s.listenerCount()).toBe(total);
    s.chats.subscribe(() => {});
    s.destroy();
    expect(s.chats.listenerCount()).toBe(0);
  });

  it('isolates a throwing handler', async () => {
    const { srv, s } = await connected();
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    cleanup.add(error, (spy) => spy.mockRestore());
    const seen: number[] = [];
    s.on('receive_message', () => {
      throw new Error('boom');
    });
    s.on('receive_message', (m) => seen.push(m.seq));
    srv.io.emit('receive_message', message(7));
    await waitFor(() => seen.length === 1);
    expect(error).toHaveBeenCalled();
  });

  it('logs incoming events in debug mode', async () => {
    const storage = { getItem: (key: string) => (key === 'websocket_debug' ? 'true' : null) };
    vi.stubGlobal('localStorage', storage);
    cleanup.add(null, () => vi.unstubAllGlobals());
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    cleanup.add(log, (spy) => spy.mockRestore());
    const { srv, s } = await connected();
    const seen: number[] = [];
    s.on('receive_message', (m) => seen.push(m.seq));
    const payload = message(1);
    srv.io.emit('receive_message', payload);
    await waitFor(() => seen.length === 1);
    expect(log).toHaveBeenCalledWith('🔌 [WebSocket] receive_message:', [payload]);
  });

  it('destroy() removes every handler and leaves no open socket', async () => {
    const { srv, s } = await connected();
    let notified = 0;
    s.subscribeState(() => notified++);
    s.on('receive_message', () => {});
    s.on('connection_state_changed', () => {});
    const raw = s.socket;
    s.destroy();
    expect(s.socket).toBeNull();
    expect(raw?.connected).toBe(false);
    expect(raw?.listenersAny()).toEqual([]);
    expect(s.listenerCount()).toBe(0);
    expect(s.getState()).toBe(ConnectionState.DISCONNECTED);
    await waitFor(() => srv.io.engine.clientsCount === 0, 2000, 'server to see the socket close');
    const before = notified;
    await sleep(100);
    expect(notified).toBe(before);
    expect(srv.tokens).toEqual(['valid']);
  });
});

describe('requests', () => {
  it('sendMessage generates a clientMessageId and resolves with the ack', async () => {
    const { s } = await connected();
    const ack = await s.sendMessage('chat-1', 'hello');
    expect(ack.ok).toBe(true);
    if (!ack.ok) return;
    expect(ack.duplicate).toBe(false);
    expect(ack.message.text).toBe('hello');
    expect(ack.message.clientMessageId).toMatch(UUID);

    const id = createClientMessageId();
    const again = await s.sendMessage('chat-1', 'hi', { clientMessageId: id });
    expect(again.ok && again.message.clientMessageId).toBe(id);
  });

  it('resolves UNAVAILABLE at once when not connected (messages wait in the outbox instead)', async () => {
    const s = service({ url: 'http://127.0.0.1:9', token: 'valid' });
    let settled = false;
    void s.sendMessage('chat-1', 'hello', { clientMessageId: 'c-offline' }).then(() => {
      settled = true;
    });
    await sleep(20);
    expect(settled).toBe(false);
    expect(s.chats.getChatSnapshot('chat-1').messages).toMatchObject([
      { clientMessageId: 'c-offline', status: 'pending', seq: null, own: true },
    ]);
    expect(await s.getOutbox()).toMatchObject([{ clientMessageId: 'c-offline', status: 'pending' }]);
    expect(await s.joinChat('chat-1')).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    await expect(s.ping()).rejects.toBeInstanceOf(SocketRequestError);
    s.startTyping('chat-1'); // dropped silently
  });

  it('maps an ack timeout to UNAVAILABLE', async () => {
    const { s } = await connected({ noAck: ['list_chats'] }, { ackTimeoutMs: 100 });
    const started = Date.now();
    const ack = await s.listChats();
    expect(ack).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect((await s.listChats()).ok).toBe(false);
  });

  it('maps a connection lost before the ack to UNAVAILABLE', async () => {
    const { srv, s } = await connected({ noAck: ['ping'] });
    const pending = s.request('ping', {});
    await sleep(30);
    srv.io.disconnectSockets(true);
    expect(await pending).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
  });

  it('emits typing signals while connected', async () => {
    const { srv, s } = await connected();
    const seen: string[] = [];
    const [socket] = await srv.io.fetchSockets();
    const serverSocket = srv.io.sockets.sockets.get(socket?.id ?? '');
    serverSocket?.on('typing_start', ({ chatId }) => seen.push(`start:${chatId}`));
    serverSocket?.on('typing_stop', ({ chatId }) => seen.push(`stop:${chatId}`));
    s.startTyping('chat-1');
    s.stopTyping('chat-1');
    await waitFor(() => seen.length === 2);
    expect(seen).toEqual(['start:chat-1', 'stop:chat-1']);
  });
});

describe('shared instance', () => {
  it('is one instance, configured by getSocketService(options)', () => {
    expect(getSocketService()).toBe(socketService);
    expect(getSocketService({ deviceId: 'd' })).toBe(socketService);
    expect(socketService.getState()).toBe(ConnectionState.DISCONNECTED);
  });
});
