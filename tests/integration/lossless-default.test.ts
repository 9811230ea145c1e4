import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConnectionState, createSocketService, type SocketService } from '@mpi/client';
import { FileOutboxStore } from '@mpi/client/node';
import type { ClientToServerEvents, MessageData, ServerToClientEvents } from '@mpi/protocol';
import { Cleanup, sleep, tempDir, waitFor } from '@mpi/test-kit';
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpProxy } from '../support/tcp-proxy.js';
import { FAST_RECONNECT, nextCatchUp, online, sdk, startTestServer } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/**
 * The repro: erin (no deviceId) and alice share a DM; alice sends "one"; erin's TCP connection is
 * cut; alice sends "two"; erin reconnects; alice sends "three". Erin must end with each message once, and
 * alice must never be told a message is delivered that erin does not hold.
 */
async function setup() {
  const srv = cleanup.add(await startTestServer(), (s) => s.stop());
  const proxy = cleanup.add(await TcpProxy.start(srv.url), (p) => p.close());
  const alice = sdk(cleanup, srv.url, srv.token, 'alice');
  await online(alice, 'alice');
  const dm = await alice.openDm('erin');
  if (!dm.ok) throw new Error(dm.error.message);
  return { srv, proxy, alice, chatId: dm.chat.id };
}

/** Every `message_delivered` alice gets, checked against what erin holds at that moment. */
function watchDeliveries(alice: SocketService, erinHolds: (messageId: string) => boolean) {
  const delivered: number[] = [];
  const falselyDelivered: number[] = [];
  alice.on('message_delivered', ({ messageId, seq }) => {
    delivered.push(seq);
    if (!erinHolds(messageId)) falselyDelivered.push(seq);
  });
  return { delivered, falselyDelivered };
}

async function send(alice: SocketService, chatId: string, text: string): Promise<MessageData> {
  const ack = await alice.sendMessage(chatId, text);
  if (!ack.ok) throw new Error(ack.error.message);
  return ack.message;
}

describe('lossless without a deviceId', () => {
  it('the SDK: a connection cut between messages loses nothing and confirms nothing unheld', async () => {
    const { proxy, alice, chatId, srv } = await setup();
    const erin = cleanup.add(
      createSocketService({ url: proxy.url, token: () => srv.token('erin'), reconnection: FAST_RECONNECT }),
      (s) => s.destroy(),
    );
    const held = () => erin.chats.getChatSnapshot(chatId).messages;
    const watch = watchDeliveries(alice, (id) => held().some((m) => m.id === id));
    const firstCatchUp = nextCatchUp(erin);
    await online(erin, 'erin');
    await firstCatchUp;

    await send(alice, chatId, 'one');
    await waitFor(() => held().length === 1, 5000, 'erin holds one');

    proxy.blocked = true;
    proxy.cut();
    await waitFor(() => erin.getState() === ConnectionState.RECONNECTING, 5000, 'erin reconnecting');
    await send(alice, chatId, 'two');
    await sleep(200);
    const caughtUp = nextCatchUp(erin);
    proxy.blocked = false;
    await caughtUp;
    await waitFor(() => erin.isReady(), 5000, 'erin back');
    await send(alice, chatId, 'three');

    await waitFor(() => watch.delivered.includes(3), 5000, 'alice sees three delivered');
    await sleep(300);
    expect(held().map((m) => m.text)).toEqual(['one', 'two', 'three']);
    expect(held().map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(watch.falselyDelivered).toEqual([]);
    expect(alice.chats.getChatSnapshot(chatId).messages.map((m) => m.status)).toEqual([
      'delivered',
      'delivered',
      'delivered',
    ]);
  });

  it('a raw socket.io-client with the spec WEBSOCKET_CONFIG and auth { token } alone', async () => {
    const { proxy, alice, chatId, srv } = await setup();
    // The guide's WEBSOCKET_CONFIG, verbatim but for the URL, and a token and nothing else.
    const WEBSOCKET_CONFIG = {
      URL: proxy.url,
      ENABLED: true,
      CONNECTION: {
        transports: ['websocket'],
        autoConnect: false,
        timeout: 20000,
        reconnection: true,
        reconnectionAttempts: 5,
        reconnectionDelay: 1000,
      },
      QUERY: {
        client: 'web',
        version: '1.0.0',
      },
    };
    const erin: Socket<ServerToClientEvents, ClientToServerEvents> = io(WEBSOCKET_CONFIG.URL, {
      ...WEBSOCKET_CONFIG.CONNECTION,
      query: WEBSOCKET_CONFIG.QUERY,
      auth: { token: await srv.token('erin') },
    });
    cleanup.add(erin, (s) => s.disconnect());
    // What a spec app does: set the user up on every connect, keep messages by id.
    const store = new Map<string, MessageData>();
    const copies: string[] = [];
    const keep = (message: MessageData) => {
      copies.push(message.text);
      store.set(message.id, message);
    };
    erin.on('receive_message', keep);
    erin.on('queued_messages', (batch) => batch.forEach(keep));
    let catchUps = 0;
    erin.on('catch_up_complete', () => catchUps++);
    erin.on('connect', () =>
      erin.emit('setup_user', { userId: 'erin', userInfo: { name: 'erin' } }, () => {}),
    );
    const watch = watchDeliveries(alice, (id) => store.has(id));
    erin.connect();
    await waitFor(() => catchUps === 1, 5000, 'erin set up');

    await send(alice, chatId, 'one');
    await waitFor(() => store.size === 1, 5000, 'erin holds one');

    proxy.blocked = true;
    proxy.cut();
    await waitFor(() => !erin.connected, 5000, 'erin cut off');
    await send(alice, chatId, 'two');
    await sleep(200);
    proxy.blocked = false;
    await waitFor(() => catchUps === 2, 10_000, 'erin reconnected by socket.io and caught up');
    await send(alice, chatId, 'three');
    await waitFor(() => store.size === 3, 5000, 'erin holds three messages');
    await sleep(300);

    const texts = [...store.values()].sort((a, b) => a.seq - b.seq).map((m) => m.text);
    expect(texts).toEqual(['one', 'two', 'three']);
    expect(copies).toContain('two');
    // This client never confirms: nothing may be reported delivered.
    expect(watch.falselyDelivered).toEqual([]);
    expect(watch.delivered).toEqual([]);
  });

  it('Node: a restarted app with a FileOutboxStore is the same device and catches up what it missed', async () => {
    const { alice, chatId, srv } = await setup();
    const dir = tempDir();
    const outboxPath = join(dir.path, 'outbox.json');
    const start = () =>
      cleanup.add(
        createSocketService({
          url: srv.url,
          token: () => srv.token('erin'),
          outboxStore: new FileOutboxStore(outboxPath),
          reconnection: FAST_RECONNECT,
        }),
        (s) => s.destroy(),
      );
    const first = start();
    const firstCatchUp = nextCatchUp(first);
    await online(first, 'erin');
    await firstCatchUp;
    await send(alice, chatId, 'one');
    await waitFor(() => first.chats.getChatSnapshot(chatId).messages.length === 1, 5000, 'erin holds one');
    await sleep(200); // its receipt
    const deviceId = await first.getDeviceId();
    first.destroy();
    expect(existsSync(`${outboxPath}.device-id`)).toBe(true);

    await send(alice, chatId, 'two');
    const second = start();
    const queued: string[] = [];
    second.on('queued_messages', (batch) => queued.push(...batch.map((m) => m.text)));
    const caughtUp = nextCatchUp(second);
    await online(second, 'erin');
    expect(await caughtUp).toBe(1);
    expect(queued).toEqual(['two']);
    expect(await second.getDeviceId()).toBe(deviceId);
  });

  it('two tabs of one device: the tab that was cut off fetches what the other confirmed meanwhile', async () => {
    const { proxy, alice, chatId, srv } = await setup();
    const tab = (url: string) =>
      cleanup.add(
        createSocketService({
          url,
          token: () => srv.token('erin'),
          deviceId: 'erin-browser',
          reconnection: FAST_RECONNECT,
        }),
        (s) => s.destroy(),
      );
    const cutOff = tab(proxy.url);
    const other = tab(srv.url);
    const caughtUp = Promise.all([nextCatchUp(cutOff), nextCatchUp(other)]);
    await Promise.all([online(cutOff, 'erin'), online(other, 'erin')]);
    await caughtUp;
    await send(alice, chatId, 'one');
    const texts = (s: SocketService) => s.chats.getChatSnapshot(chatId).messages.map((m) => m.text);
    await waitFor(() => texts(cutOff).length === 1, 5000, 'the tab holds one');

    proxy.blocked = true;
    proxy.cut();
    await send(alice, chatId, 'two');
    await waitFor(
      () => alice.chats.getChatSnapshot(chatId).messages[1]?.status === 'delivered',
      5000,
      'confirmed',
    );
    const back = nextCatchUp(cutOff);
    proxy.blocked = false;
    await back;
    await send(alice, chatId, 'three');
    await waitFor(() => texts(cutOff).length === 3, 5000, 'the tab holds three messages');
    expect(texts(cutOff)).toEqual(['one', 'two', 'three']);
    expect(texts(other)).toEqual(['one', 'two', 'three']);
  });
});
