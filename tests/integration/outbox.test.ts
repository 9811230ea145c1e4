import { ConnectionState, createClientMessageId } from '@mpi/client';
import { FileOutboxStore } from '@mpi/client/node';
import type { MessageData } from '@mpi/protocol';
import { Cleanup, tempDir, waitFor } from '@mpi/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { online, range, sdk, seqsOf, startTestServer } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

async function pair(env: Record<string, string> = {}) {
  const srv = cleanup.add(await startTestServer(env), (s) => s.stop());
  const alice = sdk(cleanup, srv.url, srv.token, 'alice');
  const bob = sdk(cleanup, srv.url, srv.token, 'bob');
  await Promise.all([online(alice, 'alice'), online(bob, 'bob')]);
  const dm = await alice.openDm('bob');
  if (!dm.ok) throw new Error(dm.error.message);
  const bobReceived: MessageData[] = [];
  bob.on('receive_message', (m) => bobReceived.push(m));
  bob.on('queued_messages', (batch) => bobReceived.push(...batch));
  return { srv, alice, bob, chatId: dm.chat.id, bobReceived };
}

describe('outbox against the real server', () => {
  it('messages sent while disconnected are pending, then sent once after reconnect, then delivered and read', async () => {
    const { alice, bob, chatId, bobReceived } = await pair();
    alice.disconnect();
    const ids = range(3).map(() => createClientMessageId());
    const acks = ids.map((clientMessageId, i) =>
      alice.sendMessage(chatId, `offline ${i + 1}`, { clientMessageId }),
    );
    const pending = alice.chats.getChatSnapshot(chatId).messages;
    expect(pending.map((m) => [m.clientMessageId, m.status, m.seq])).toEqual(
      ids.map((id) => [id, 'pending', null]),
    );
    expect((await alice.getOutbox()).map((e) => e.clientMessageId)).toEqual(ids);

    alice.connect();
    const results = await Promise.all(acks);
    expect(results.map((ack) => ack.ok && ack.message.seq)).toEqual([1, 2, 3]);
    expect(
      alice.chats
        .getChatSnapshot(chatId)
        .messages.map((m) => m.status)
        .every((s) => s !== 'pending'),
    ).toBe(true);
    expect(await alice.getOutbox()).toEqual([]);

    await waitFor(() => bob.chats.getChatSnapshot(chatId).messages.length === 3, 5000, 'bob has 3');
    await waitFor(
      () => alice.chats.getChatSnapshot(chatId).messages.every((m) => m.status === 'delivered'),
      5000,
      'delivered',
    );
    expect(await bob.chats.markChatRead(chatId)).toBe(true);
    await waitFor(
      () => alice.chats.getChatSnapshot(chatId).messages.every((m) => m.status === 'read'),
      5000,
      'read',
    );
    expect(bobReceived.map((m) => m.clientMessageId).sort()).toEqual([...ids].sort());
    expect(seqsOf(bob.chats.getChatSnapshot(chatId))).toEqual([1, 2, 3]);
  });

  it('a message whose ack was lost is resent with the same clientMessageId and stored once', async () => {
    const { alice, bob, chatId, bobReceived } = await pair();
    const clientMessageId = createClientMessageId();
    // The server stores the message and acks; the ack never reaches alice (dropped on her socket).
    const socket = alice.socket as unknown as { onack(packet: { data?: unknown[] }): void };
    const deliver = socket.onack.bind(socket);
    let dropped = 0;
    socket.onack = (packet) => {
      const ack = packet.data?.[0] as { message?: MessageData; duplicate?: boolean } | undefined;
      if (ack?.message?.clientMessageId === clientMessageId && !ack.duplicate) {
        dropped++;
        return;
      }
      deliver(packet);
    };
    alice.configure({ ackTimeoutMs: 300 });
    const ack = await alice.sendMessage(chatId, 'ack lost', { clientMessageId });
    expect(dropped).toBe(1);
    expect(ack).toMatchObject({ ok: true, duplicate: true, message: { clientMessageId, seq: 1 } });
    expect(alice.chats.getChatSnapshot(chatId).messages).toMatchObject([
      { clientMessageId, status: expect.not.stringMatching('pending') },
    ]);
    await waitFor(() => bob.chats.getChatSnapshot(chatId).messages.length === 1, 5000, 'bob has it');
    const history = await bob.getHistory(chatId);
    expect(history.ok && history.messages.map((m) => m.clientMessageId)).toEqual([clientMessageId]);
    // The retry is re-broadcast (same id) in case the first broadcast was lost; the store shows it once.
    expect(
      new Set(bobReceived.filter((m) => m.clientMessageId === clientMessageId).map((m) => m.id)).size,
    ).toBe(1);
    expect(bob.chats.getChatSnapshot(chatId).messages).toHaveLength(1);
  });

  it('a connection lost before the ack: the message is resent on the next connection and stored once', async () => {
    const { srv, alice, bob, chatId } = await pair();
    const acks = range(20).map((i) => alice.sendMessage(chatId, `m${i}`));
    await waitFor(() => bob.chats.getChatSnapshot(chatId).messages.length >= 3, 5000, 'some sent');
    srv.server.io.in('user:alice').disconnectSockets(true);
    expect((await Promise.all(acks)).every((ack) => ack.ok)).toBe(true);
    await waitFor(() => bob.chats.getChatSnapshot(chatId).messages.length === 20, 5000, 'bob has 20');
    expect(bob.chats.getChatSnapshot(chatId).messages.map((m) => m.text)).toEqual(
      range(20).map((i) => `m${i}`),
    );
    const history = await bob.getHistory(chatId, { limit: 100 });
    expect(history.ok && history.messages.length).toBe(20);
    expect(alice.getState()).toBe(ConnectionState.CONNECTED);
  });

  it('VALIDATION_FAILED makes a message failed; it can be discarded; the next one still goes', async () => {
    const { alice, bob, chatId } = await pair();
    const blank = alice.sendMessage(chatId, '   ', { clientMessageId: 'blank-1' });
    const good = alice.sendMessage(chatId, 'fine', { clientMessageId: 'good-1' });
    expect(await blank).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect((await good).ok).toBe(true);
    expect(alice.chats.getChatSnapshot(chatId).messages.map((m) => [m.clientMessageId, m.status])).toEqual([
      ['good-1', 'sent'],
      ['blank-1', 'failed'],
    ]);
    expect(alice.chats.getChatSnapshot(chatId).messages[1]?.error?.code).toBe('VALIDATION_FAILED');
    expect(await alice.getOutbox()).toMatchObject([{ clientMessageId: 'blank-1', status: 'failed' }]);
    expect(await alice.discardMessage('blank-1')).toBe(true);
    expect(alice.chats.getChatSnapshot(chatId).messages.map((m) => m.clientMessageId)).toEqual(['good-1']);
    expect(await alice.getOutbox()).toEqual([]);
    await waitFor(() => bob.chats.getChatSnapshot(chatId).messages.length === 1, 5000, 'bob has 1');

    const stranger = await alice.sendMessage('no-such-chat', 'hello?');
    expect(stranger).toMatchObject({ ok: false, error: { code: 'CHAT_NOT_FOUND' } });
  });

  it('RATE_LIMITED sends wait retryAfterMs and then all go through, in order', async () => {
    const { alice, bob, chatId } = await pair({ RATE_LIMIT_EVENTS: '15', RATE_LIMIT_WINDOW_SECONDS: '1' });
    const limited: number[] = [];
    alice.on('socket_rate_limit_exceeded', ({ retryAfterMs }) => limited.push(retryAfterMs));
    const acks = await Promise.all(range(25).map((i) => alice.sendMessage(chatId, `burst ${i}`)));
    expect(acks.every((ack) => ack.ok)).toBe(true);
    expect(limited.length).toBeGreaterThan(0);
    expect(acks.map((ack) => ack.ok && ack.message.text)).toEqual(range(25).map((i) => `burst ${i}`));
    await waitFor(() => bob.chats.getChatSnapshot(chatId).messages.length === 25, 10_000, 'bob has 25');
    expect(seqsOf(bob.chats.getChatSnapshot(chatId))).toEqual(range(25));
  });

  it('survives a restart of the app with FileOutboxStore: queued offline, delivered once', async () => {
    const path = tempDir('mpi-outbox-it-').file('outbox.json'); // removed after the test and its afterEach
    const srv = cleanup.add(await startTestServer(), (s) => s.stop());
    const bob = sdk(cleanup, srv.url, srv.token, 'bob');
    const first = sdk(cleanup, srv.url, srv.token, 'alice', { outboxStore: new FileOutboxStore(path) });
    await online(bob, 'bob');
    await online(first, 'alice');
    const dm = await first.openDm('bob');
    if (!dm.ok) throw new Error(dm.error.message);
    const chatId = dm.chat.id;
    first.disconnect();

    void first.sendMessage(chatId, 'written before the crash', { clientMessageId: 'durable-1' });
    expect(await first.getOutbox()).toMatchObject([{ clientMessageId: 'durable-1', status: 'pending' }]);
    first.destroy(); // the app "crashes": the promise is abandoned, the file remains

    const second = sdk(cleanup, srv.url, srv.token, 'alice', { outboxStore: new FileOutboxStore(path) });
    expect(await second.getOutbox()).toMatchObject([
      { clientMessageId: 'durable-1', text: 'written before the crash' },
    ]);
    expect(second.chats.getChatSnapshot(chatId).messages).toMatchObject([{ status: 'pending' }]);
    await online(second, 'alice');
    await waitFor(() => bob.chats.getChatSnapshot(chatId).messages.length === 1, 5000, 'bob has it');
    await waitFor(() => second.chats.getChatSnapshot(chatId).messages[0]?.status !== 'pending', 5000, 'sent');
    expect(await second.getOutbox()).toEqual([]);
    expect(await new FileOutboxStore(path).load()).toEqual([]);
    const history = await bob.getHistory(chatId);
    expect(history.ok && history.messages.map((m) => m.clientMessageId)).toEqual(['durable-1']);
  });
});
