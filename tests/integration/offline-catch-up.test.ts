import type { MessageData } from '@mpi/protocol';
import { Cleanup, sleep, waitFor } from '@mpi/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { nextCatchUp, online, range, sdk, seqsOf, startTestServer } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('offline recipient', () => {
  it('gets all 200 messages sent while it was offline through queued_messages, in order, once', async () => {
    const srv = cleanup.add(await startTestServer({ RATE_LIMIT_EVENTS: '10000' }), (s) => s.stop());
    const alice = sdk(cleanup, srv.url, srv.token, 'alice');
    const bob = sdk(cleanup, srv.url, srv.token, 'bob');
    await online(alice, 'alice');
    await online(bob, 'bob'); // bob's device is known to the server from here on
    const dm = await alice.openDm('bob');
    if (!dm.ok) throw new Error(dm.error.message);
    const chatId = dm.chat.id;

    bob.disconnect();
    const acks = await Promise.all(range(200).map((i) => alice.sendMessage(chatId, `message ${i}`)));
    expect(acks.every((ack) => ack.ok)).toBe(true);

    const queued: MessageData[] = [];
    const live: MessageData[] = [];
    bob.on('queued_messages', (batch) => queued.push(...batch));
    bob.on('receive_message', (message) => live.push(message));
    const caughtUp = nextCatchUp(bob);
    const started = Date.now();
    await online(bob, 'bob');
    expect(await caughtUp).toBe(200);

    expect(live).toEqual([]);
    expect(queued.map((m) => m.seq)).toEqual(range(200));
    expect(new Set(queued.map((m) => m.id)).size).toBe(200);
    const snapshot = bob.chats.getChatSnapshot(chatId);
    expect(seqsOf(snapshot)).toEqual(range(200));
    expect(snapshot.messages.map((m) => m.text)).toEqual(range(200).map((i) => `message ${i}`));
    expect(snapshot.messages.every((m) => m.status === 'received' && !m.own)).toBe(true);
    console.info(`catch-up of 200 messages took ${Date.now() - started} ms`);

    // bob's device confirmed them: alice sees every message delivered, and a reconnect queues nothing.
    await waitFor(
      () => alice.chats.getChatSnapshot(chatId).messages.every((m) => m.status === 'delivered'),
      5000,
      'alice sees delivered',
    );
    bob.disconnect();
    const again = nextCatchUp(bob);
    await online(bob, 'bob');
    expect(await again).toBe(0);
    expect(queued).toHaveLength(200);
    expect(bob.chats.getChatSnapshot(chatId).messages).toHaveLength(200);
  });

  it('a live message lost on the way: receipts stop below it, the gap is fetched, then all are confirmed', async () => {
    const srv = cleanup.add(await startTestServer(), (s) => s.stop());
    const alice = sdk(cleanup, srv.url, srv.token, 'alice');
    const bob = sdk(cleanup, srv.url, srv.token, 'bob', { gapFillAfterMs: 1000 });
    const bobCaughtUp = nextCatchUp(bob);
    await Promise.all([online(alice, 'alice'), online(bob, 'bob')]);
    await bobCaughtUp; // receipts may flow from here on
    const dm = await alice.openDm('bob');
    if (!dm.ok) throw new Error(dm.error.message);
    const chatId = dm.chat.id;

    // Bob's socket loses the live copy of message 2 (as if a node died between store and emit).
    const socket = bob.socket as unknown as { onevent(packet: { data: unknown[] }): void };
    const deliver = socket.onevent.bind(socket);
    socket.onevent = (packet) => {
      const [event, payload] = packet.data as [string, MessageData | undefined];
      if (event === 'receive_message' && payload?.seq === 2) return;
      deliver(packet);
    };
    for (const text of ['one', 'two', 'three']) expect((await alice.sendMessage(chatId, text)).ok).toBe(true);
    await waitFor(() => bob.chats.getChatSnapshot(chatId).messages.length === 2, 3000, 'bob has 1 and 3');
    expect(seqsOf(bob.chats.getChatSnapshot(chatId))).toEqual([1, 3]);
    await sleep(250);
    expect(alice.chats.getChatSnapshot(chatId).messages.map((m) => m.status)).toEqual([
      'delivered',
      'sent',
      'sent',
    ]);

    await waitFor(() => bob.chats.getChatSnapshot(chatId).messages.length === 3, 3000, 'gap filled');
    expect(bob.chats.getChatSnapshot(chatId).messages.map((m) => m.text)).toEqual(['one', 'two', 'three']);
    await waitFor(
      () => alice.chats.getChatSnapshot(chatId).messages.every((m) => m.status === 'delivered'),
      3000,
      'all delivered',
    );
  });
});
