import { LIMITS } from '@mpi/protocol';
import { waitFor } from '@mpi/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collect,
  nextEvent,
  request,
  startTestServer,
  type TestClient,
  type TestServer,
} from './support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

async function dmBetween(a: TestClient, otherUserId: string) {
  const opened = await request(a, 'open_dm', { userId: otherUserId });
  if (!opened.ok) throw new Error(opened.error.message);
  return opened.chat;
}

describe('a DM between two users', () => {
  it('delivers A → B live and tells A once B has confirmed receipt', async () => {
    const alice = await t.connect('alice');
    const bob = await t.connect('bob');
    const chat = await dmBetween(alice, 'bob');
    expect(chat).toMatchObject({ type: 'dm', members: expect.arrayContaining(['alice', 'bob']) });
    expect(await dmBetween(bob, 'alice')).toMatchObject({ id: chat.id });

    const received = nextEvent(bob, 'receive_message');
    const delivered = nextEvent(alice, 'message_delivered');
    const ack = await request(alice, 'send_message', {
      chatId: chat.id,
      text: 'Training at 6?',
      clientMessageId: 'c-1',
    });
    if (!ack.ok) throw new Error(ack.error.message);
    expect(ack.message).toMatchObject({ chatId: chat.id, senderId: 'alice', text: 'Training at 6?', seq: 1 });
    expect(new Date(ack.message.createdAt).toISOString()).toBe(ack.message.createdAt);

    const message = await received;
    expect(message).toEqual(ack.message);

    const receipt = await request(bob, 'messages_received', { chatId: chat.id, upToSeq: message.seq });
    expect(receipt.ok).toBe(true);
    expect(await delivered).toMatchObject({ messageId: message.id, chatId: chat.id });
  });

  it('answers a retried clientMessageId with the original message and stores nothing new', async () => {
    const alice = await t.connect('alice');
    const bob = await t.connect('bob');
    const chat = await dmBetween(alice, 'bob');
    const seenByBob = collect(bob, 'receive_message');
    const send = () =>
      request(alice, 'send_message', { chatId: chat.id, text: 'once', clientMessageId: 'retry-1' });
    const first = await send();
    const second = await send();
    if (!first.ok || !second.ok) throw new Error('send failed');
    expect(second.message).toEqual(first.message);
    expect(second.duplicate).toBe(true);
    const history = await t.server.storage.chat.getHistory(chat.id, { limit: 100 });
    expect(history.messages.filter((m) => m.clientMessageId === 'retry-1')).toHaveLength(1);
    // The retry is re-broadcast with the same id (the first broadcast may have been lost with its node);
    // clients dedupe by id, so the recipient still shows one message.
    await waitFor(() => seenByBob.length === 2);
    expect(new Set(seenByBob.map((m) => m.id))).toEqual(new Set([first.message.id]));
  });

  it('keeps history in order, newest first, in pages', async () => {
    const carol = await t.connect('carol');
    const chat = await dmBetween(carol, 'dave');
    for (let i = 1; i <= 5; i++) {
      await request(carol, 'send_message', { chatId: chat.id, text: `m${i}`, clientMessageId: `h-${i}` });
    }
    const page = await request(carol, 'get_history', { chatId: chat.id, limit: 3 });
    if (!page.ok) throw new Error(page.error.message);
    expect(page.messages.map((m) => m.text)).toEqual(['m5', 'm4', 'm3']);
    expect(page.hasMore).toBe(true);
    const older = await request(carol, 'get_history', {
      chatId: chat.id,
      limit: 3,
      beforeSeq: page.messages.at(-1)?.seq ?? 0,
    });
    if (!older.ok) throw new Error(older.error.message);
    expect(older.messages.map((m) => m.text)).toEqual(['m2', 'm1']);
    expect(older.hasMore).toBe(false);
  });
});

describe('membership', () => {
  it('refuses a non-member join, send and history, and stores nothing', async () => {
    const alice = await t.connect('alice');
    const chat = await dmBetween(alice, 'bob');
    const before = await t.server.storage.chat.getHistory(chat.id, { limit: 100 });

    const mallory = await t.connect('mallory');
    const errors = collect(mallory, 'socket_error');
    const join = await request(mallory, 'join_chat', { chatId: chat.id });
    const send = await request(mallory, 'send_message', {
      chatId: chat.id,
      text: 'let me in',
      clientMessageId: 'x-1',
    });
    const history = await request(mallory, 'get_history', { chatId: chat.id, limit: 10 });
    for (const ack of [join, send, history])
      expect(ack).toMatchObject({ ok: false, error: { code: 'NOT_A_MEMBER' } });
    await waitFor(() => errors.length === 3);
    expect(errors.map((e) => e.event)).toEqual(['join_chat', 'send_message', 'get_history']);
    expect(errors.every((e) => e.code === 'NOT_A_MEMBER')).toBe(true);

    const after = await t.server.storage.chat.getHistory(chat.id, { limit: 100 });
    expect(after.messages).toEqual(before.messages);
    const sockets = await t.server.io.in(`chat:${chat.id}`).fetchSockets();
    expect(sockets.some((s) => s.data.userId === 'mallory')).toBe(false);
  });

  it('answers CHAT_NOT_FOUND for a chat that does not exist', async () => {
    const alice = await t.connect('alice');
    const ack = await request(alice, 'join_chat', { chatId: 'no-such-chat' });
    expect(ack).toMatchObject({ ok: false, error: { code: 'CHAT_NOT_FOUND' } });
  });

  it('announces joins and leaves to the others in the chat room', async () => {
    const alice = await t.connect('alice');
    const bob = await t.connect('bob');
    const chat = await dmBetween(alice, 'bob');
    await request(alice, 'join_chat', { chatId: chat.id });
    const joined = nextEvent(alice, 'user_joined');
    await request(bob, 'join_chat', { chatId: chat.id });
    expect(await joined).toEqual({ userId: 'bob', chatId: chat.id });
    const left = nextEvent(alice, 'user_left');
    await request(bob, 'leave_chat', { chatId: chat.id });
    expect(await left).toEqual({ userId: 'bob', chatId: chat.id });
  });
});

describe('invalid send_message payloads', () => {
  const cases: Array<[string, unknown, string]> = [
    ['no chatId', { text: 'hi', clientMessageId: 'v-1' }, 'chatId'],
    ['text of the wrong type', { chatId: 'CHAT', text: 42, clientMessageId: 'v-2' }, 'text'],
    [
      'text over the limit',
      { chatId: 'CHAT', text: 'x'.repeat(LIMITS.messageTextMaxLength + 1), clientMessageId: 'v-3' },
      'text',
    ],
    [
      'an extra huge field',
      { chatId: 'CHAT', text: 'hi', clientMessageId: 'v-4', blob: 'y'.repeat(100_000) },
      '',
    ],
    ['no payload at all', undefined, ''],
    ['a string instead of an object', 'hello', ''],
  ];

  it.each(cases)(
    'rejects %s with socket_validation_error naming the problem, storing nothing',
    async (_name, raw, path) => {
      const alice = await t.connect('alice');
      const chat = await dmBetween(alice, 'bob');
      const payload = raw && typeof raw === 'object' && 'chatId' in raw ? { ...raw, chatId: chat.id } : raw;
      const before = await t.server.storage.chat.getHistory(chat.id, { limit: 1 });
      const validationError = nextEvent(alice, 'socket_validation_error');
      const ack = await request(alice, 'send_message', payload as never);
      expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
      const error = await validationError;
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED', event: 'send_message' });
      expect(error.issues.length).toBeGreaterThan(0);
      if (path) expect(error.issues.map((i) => i.path)).toContain(path);
      expect(error.message).not.toMatch(/at .*\.ts/);
      const after = await t.server.storage.chat.getHistory(chat.id, { limit: 1 });
      expect(after.messages[0]?.seq ?? 0).toBe(before.messages[0]?.seq ?? 0);
    },
  );

  it('closes the connection of a client that sends a frame over the size limit, and keeps serving others', async () => {
    const alice = await t.connect('alice');
    const bob = await t.connect('bob');
    const closed = new Promise<string>((resolve) => alice.once('disconnect', resolve));
    (alice as unknown as { emit(event: string, payload: unknown): void }).emit('send_message', {
      chatId: 'x',
      text: 'z'.repeat(LIMITS.maxFrameBytes + 10),
      clientMessageId: 'big',
    });
    expect(await closed).toMatch(/transport/);
    const pong = await request(bob, 'ping', {});
    expect(pong.ok).toBe(true);
  });

  it('tells a client that emits an unknown event', async () => {
    const alice = await t.connect('alice');
    const error = nextEvent(alice, 'socket_error');
    (alice as unknown as { emit(event: string, payload: unknown): void }).emit('drop_tables', {});
    expect(await error).toMatchObject({ code: 'UNKNOWN_EVENT' });
  });
});
