import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { forEachDialect } from '@mpi/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../src/storage/db/open-database.js';
import { StorageError } from '../src/storage/db/storage-error.js';
import { openStorage } from '../src/storage/open-storage.js';
import type { Storage } from '../src/storage/storage.js';
import { getUser, isMember } from './support/inspect.js';

/** A fresh id per call, so tests sharing one database never see each other's rows. */
const uid = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The contract every dialect must honour. `urlFor(label)` names the database a test opens. */
function defineStorageTests(urlFor: (label: string) => string): void {
  let storage: Storage;
  const opened: Storage[] = [];
  const open = async (label: string) => {
    const s = await openStorage(urlFor(label));
    opened.push(s);
    return s;
  };
  const newDm = async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    return { a, b, chat: await storage.chat.openDm(a, b) };
  };
  const send = (chatId: string, senderId: string, text = 'hi', clientMessageId: string = randomUUID()) =>
    storage.chat.appendMessage({ chatId, senderId, clientMessageId, text });

  beforeAll(async () => {
    storage = await open('main');
  });
  afterAll(async () => {
    for (const s of opened) await s.close();
  });

  it('answers ping and tolerates migrate() being run again', async () => {
    await storage.ping();
    await storage.migrate();
    await storage.migrate();
    const again = await open('main');
    await again.close();
    const { chat, a } = await newDm();
    expect((await send(chat.id, a)).message.seq).toBe(1);
  });

  it('upserts users, keeping fields that are not given', async () => {
    const id = uid('user');
    expect(await getUser(storage, id)).toBeNull();
    expect(await storage.chat.upsertUser({ id, name: 'Ann', avatarUrl: 'https://x/a.png' })).toEqual({
      user: { id, name: 'Ann', avatarUrl: 'https://x/a.png' },
      settings: { hidePresence: false },
      changed: false,
    });
    expect(await storage.chat.upsertUser({ id, name: 'Annie' })).toMatchObject({ changed: true });
    expect(await storage.chat.upsertUser({ id, name: 'Annie' })).toMatchObject({ changed: false });
    expect(await getUser(storage, id)).toEqual({ id, name: 'Annie', avatarUrl: 'https://x/a.png' });
  });

  it('opens one DM per pair, in either order, and rejects a DM with oneself', async () => {
    const { a, b, chat } = await newDm();
    expect(chat).toMatchObject({ type: 'dm', name: null, lastSeq: 0 });
    expect(chat.members).toEqual([a, b].sort());
    expect((await storage.chat.openDm(b, a)).id).toBe(chat.id);
    expect(await storage.chat.getChat(chat.id)).toEqual(chat);
    expect(await isMember(storage, chat.id, a)).toBe(true);
    expect(await isMember(storage, chat.id, uid('stranger'))).toBe(false);
    expect(await storage.chat.getChat(uid('nochat'))).toBeNull();
    await expect(storage.chat.openDm(a, a)).rejects.toMatchObject({
      name: 'StorageError',
      code: 'VALIDATION_FAILED',
    });
  });

  it('keeps DMs apart when user ids contain separators', async () => {
    const p = uid('p');
    const one = await storage.chat.openDm(`${p}:x`, `${p}:y`);
    const two = await storage.chat.openDm(p, `x:${p}:y`);
    expect(one.id).not.toBe(two.id);
  });

  it('returns the same DM to 20 concurrent openers', async () => {
    const [a, b] = [uid('a'), uid('b')];
    const chats = await Promise.all(
      range(1, 20).map((i) => (i % 2 ? storage.chat.openDm(a, b) : storage.chat.openDm(b, a))),
    );
    expect(new Set(chats.map((c) => c.id)).size).toBe(1);
    expect(await storage.chat.listMembers(chats[0]?.id ?? '')).toHaveLength(2);
  });

  it('numbers messages 1, 2, 3 with increasing ULIDs and ISO timestamps', async () => {
    const { a, b, chat } = await newDm();
    const sent = [
      await send(chat.id, a, 'one'),
      await send(chat.id, b, 'two'),
      await send(chat.id, a, 'three'),
    ];
    expect(sent.map((r) => [r.message.seq, r.duplicate])).toEqual([
      [1, false],
      [2, false],
      [3, false],
    ]);
    const ids = sent.map((r) => r.message.id);
    expect([...ids].sort()).toEqual(ids);
    expect(sent[0]?.message).toMatchObject({ chatId: chat.id, senderId: a, text: 'one' });
    expect(new Date(sent[0]?.message.createdAt ?? '').toISOString()).toBe(sent[0]?.message.createdAt);
    expect((await storage.chat.getChat(chat.id))?.lastSeq).toBe(3);
  });

  it('refuses an append by a non-member without using a seq, and returns the members to notify', async () => {
    const { a, b, chat } = await newDm();
    await expect(send(chat.id, `${a}-stranger`, 'let me in')).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
    const sent = await send(chat.id, a, 'first');
    expect(sent.message.seq).toBe(1);
    expect([...sent.members].sort((x, y) => x.userId.localeCompare(y.userId))).toEqual(
      [
        { userId: a, readSeq: 1 },
        { userId: b, readSeq: 0 },
      ].sort((x, y) => x.userId.localeCompare(y.userId)),
    );
  });

  it('returns the original for a repeated clientMessageId and stores nothing new', async () => {
    const { a, b, chat } = await newDm();
    const first = await send(chat.id, a, 'hello', 'c-1');
    const retry = await send(chat.id, a, 'hello again', 'c-1');
    expect(retry).toMatchObject({ message: first.message, duplicate: true });
    // The same clientMessageId from another sender is a different message.
    expect(await send(chat.id, b, 'hey', 'c-1')).toMatchObject({ duplicate: false, message: { seq: 2 } });
    expect((await send(chat.id, a, 'next')).message.seq).toBe(3);
    const history = await storage.chat.getHistory(chat.id, { limit: 10 });
    expect(history.messages.map((m) => m.seq)).toEqual([3, 2, 1]);
  });

  it('gives 50 concurrent appends to one chat the seqs 1..50 exactly', async () => {
    const { a, b, chat } = await newDm();
    const results = await Promise.all(range(1, 50).map((i) => send(chat.id, i % 2 ? a : b, `m${i}`)));
    expect(results.map((r) => r.message.seq).sort((x, y) => x - y)).toEqual(range(1, 50));
    expect(results.every((r) => !r.duplicate)).toBe(true);
    const stored = await storage.chat.getMessageRange(chat.id, 0, 100);
    expect(stored.map((m) => m.seq)).toEqual(range(1, 50));
    expect((await storage.chat.getChat(chat.id))?.lastSeq).toBe(50);
  });

  it('stores one message for 10 concurrent retries of one clientMessageId', async () => {
    const { a, chat } = await newDm();
    const results = await Promise.all(range(1, 10).map(() => send(chat.id, a, 'once', 'same')));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
    expect((await storage.chat.getChat(chat.id))?.lastSeq).toBe(1);
  });

  it('throws StorageError CHAT_NOT_FOUND when appending to a missing chat', async () => {
    const attempt = send(uid('nochat'), uid('a'));
    await expect(attempt).rejects.toBeInstanceOf(StorageError);
    await expect(attempt).rejects.toMatchObject({ code: 'CHAT_NOT_FOUND' });
  });

  it('commits appends of one turn to several chats together, each with its own seq and outcome', async () => {
    const one = await newDm();
    const two = await newDm();
    await send(one.chat.id, one.a, 'before', 'dup');
    // All started in the same turn: they share one transaction, in this order.
    const attempts = [
      send(one.chat.id, one.a, 'one-1'),
      send(two.chat.id, two.b, 'two-1'),
      send(one.chat.id, `${one.a}-stranger`, 'refused'),
      send(one.chat.id, one.b, 'one-2'),
      send(uid('nochat'), one.a, 'nowhere'),
      send(one.chat.id, one.a, 'retry', 'dup'),
      send(two.chat.id, two.a, 'two-2'),
      send(one.chat.id, one.a, 'one-3'),
    ];
    const settled = await Promise.allSettled(attempts);
    const value = (i: number) => {
      const result = settled[i];
      if (result?.status !== 'fulfilled') throw new Error(`attempt ${i} failed`);
      return result.value;
    };
    expect(settled[2]).toMatchObject({ status: 'rejected', reason: { code: 'NOT_A_MEMBER' } });
    expect(settled[4]).toMatchObject({ status: 'rejected', reason: { code: 'CHAT_NOT_FOUND' } });
    expect(value(5)).toMatchObject({ duplicate: true, message: { seq: 1, text: 'before' } });
    expect([0, 3, 7].map((i) => [value(i).message.seq, value(i).duplicate])).toEqual([
      [2, false],
      [3, false],
      [4, false],
    ]);
    expect([1, 6].map((i) => value(i).message.seq)).toEqual([1, 2]);
    expect(value(7).members.find((m) => m.userId === one.a)?.readSeq).toBe(4);
    // Gapless: the refused and the duplicate attempts gave their seqs back.
    const stored = await storage.chat.getMessageRange(one.chat.id, 0, 100);
    expect(stored.map((m) => [m.seq, m.text])).toEqual([
      [1, 'before'],
      [2, 'one-1'],
      [3, 'one-2'],
      [4, 'one-3'],
    ]);
    expect((await storage.chat.getChat(one.chat.id))?.lastSeq).toBe(4);
    expect((await storage.chat.getMessageRange(two.chat.id, 0, 100)).map((m) => m.text)).toEqual([
      'two-1',
      'two-2',
    ]);
    expect((await storage.chat.getChat(two.chat.id))?.lastSeq).toBe(2);
  });

  it('commits receipts and appends of one turn together, appends first, each with its own outcome', async () => {
    const { a, b, chat } = await newDm();
    await send(chat.id, a, 'one');
    const [sent, receipt, refused, later] = await Promise.allSettled([
      send(chat.id, a, 'two'),
      storage.chat.recordReceipt({ chatId: chat.id, userId: b, deviceId: 'phone', upToSeq: 99 }),
      storage.chat.recordReceipt({ chatId: chat.id, userId: uid('x'), deviceId: 'd', upToSeq: 1 }),
      send(chat.id, b, 'three'),
    ]);
    expect(sent).toMatchObject({ status: 'fulfilled', value: { message: { seq: 2 } } });
    // A chat's appends run before its receipts (lock order: write-batcher.ts), so the receipt is clamped
    // to the seq of 'three'.
    expect(receipt).toEqual({ status: 'fulfilled', value: { previousUserSeq: 0, userSeq: 3 } });
    expect(refused).toMatchObject({ status: 'rejected', reason: { code: 'NOT_A_MEMBER' } });
    expect(later).toMatchObject({ status: 'fulfilled', value: { message: { seq: 3 } } });
    expect((await storage.chat.listMembers(chat.id)).find((m) => m.userId === b)?.deliveredSeq).toBe(3);
  });

  it('keeps 200 concurrent appends over 20 chats gapless and in arrival order per chat', async () => {
    const dms = await Promise.all(range(1, 20).map(() => newDm()));
    const results = await Promise.all(
      range(0, 199).map((i) => {
        const dm = dms[i % 20];
        if (!dm) throw new Error('no dm');
        return send(dm.chat.id, i % 3 ? dm.a : dm.b, `m${i}`);
      }),
    );
    for (const [k, dm] of dms.entries()) {
      const mine = results.filter((_, i) => i % 20 === k);
      expect(mine.map((r) => r.message.seq)).toEqual(range(1, 10));
      const stored = await storage.chat.getMessageRange(dm.chat.id, 0, 100);
      expect(stored.map((m) => m.text)).toEqual(mine.map((r) => r.message.text));
    }
  });

  it('pages history newest first with beforeSeq and hasMore', async () => {
    const { a, chat } = await newDm();
    expect(await storage.chat.getHistory(chat.id, { limit: 10 })).toEqual({ messages: [], hasMore: false });
    for (let i = 1; i <= 25; i++) await send(chat.id, a, `m${i}`);
    const seqs = async (beforeSeq: number | undefined) => {
      const page = await storage.chat.getHistory(chat.id, { beforeSeq, limit: 10 });
      return [page.messages.map((m) => m.seq), page.hasMore];
    };
    expect(await seqs(undefined)).toEqual([range(16, 25).reverse(), true]);
    expect(await seqs(16)).toEqual([range(6, 15).reverse(), true]);
    expect(await seqs(6)).toEqual([range(1, 5).reverse(), false]);
    expect(await seqs(11)).toEqual([range(1, 10).reverse(), false]);
    expect((await storage.chat.getMessageRange(chat.id, 5, 8)).map((m) => m.seq)).toEqual([6, 7, 8]);
    await expect(storage.chat.getHistory(chat.id, { limit: 0 })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('lists chats most recently active first, with members and last message', async () => {
    const me = uid('me');
    const [x, y, z] = [uid('x'), uid('y'), uid('z')];
    expect(await storage.chat.listChats(me)).toEqual([]);
    const dm1 = await storage.chat.openDm(me, x);
    await send(dm1.id, x, 'first');
    const dm2 = await storage.chat.openDm(me, y);
    const dm3 = await storage.chat.openDm(z, me);
    const latest = await send(dm3.id, z, 'latest');
    expect((await storage.chat.listChats(me)).map((c) => c.id)).toEqual([dm3.id, dm2.id, dm1.id]);

    const newest = await send(dm1.id, me, 'newest');
    const chats = await storage.chat.listChats(me);
    expect(chats.map((c) => c.id)).toEqual([dm1.id, dm3.id, dm2.id]);
    // Sending in dm1 read it up to the sent message.
    expect(chats[0]).toEqual({
      ...dm1,
      lastSeq: 2,
      lastMessage: newest.message,
      unreadCount: 0,
      muted: false,
    });
    expect(chats[1]).toEqual({
      ...dm3,
      lastSeq: 1,
      lastMessage: latest.message,
      unreadCount: 1,
      muted: false,
    });
    expect(chats[2]).toEqual({ ...dm2, lastMessage: null, unreadCount: 0, muted: false });
    expect((await storage.chat.listChats(x)).map((c) => c.id)).toEqual([dm1.id]);
  });

  it('keeps every change across close and reopen', async () => {
    const first = await open('restart');
    const [a, b] = [uid('a'), uid('b')];
    await first.chat.upsertUser({ id: a, name: 'A' });
    const chat = await first.chat.openDm(a, b);
    const m1 = await first.chat.appendMessage({
      chatId: chat.id,
      senderId: a,
      clientMessageId: 'k1',
      text: 'one',
    });
    await first.chat.appendMessage({ chatId: chat.id, senderId: a, clientMessageId: 'k2', text: 'two' });
    await first.chat.recordReceipt({ chatId: chat.id, userId: b, deviceId: 'd', upToSeq: 2 });
    await first.chat.markRead(chat.id, b, 1);
    await first.close();

    const second = await open('restart');
    expect(await getUser(second, a)).toEqual({ id: a, name: 'A' });
    expect(await second.chat.openDm(b, a)).toEqual({ ...chat, lastSeq: 2 });
    expect((await second.chat.getHistory(chat.id, { limit: 10 })).messages.map((m) => m.text)).toEqual([
      'two',
      'one',
    ]);
    expect((await second.chat.listMembers(chat.id)).find((m) => m.userId === b)).toMatchObject({
      deliveredSeq: 2,
      readSeq: 1,
    });
    const retry = await second.chat.appendMessage({
      chatId: chat.id,
      senderId: a,
      clientMessageId: 'k1',
      text: 'x',
    });
    expect(retry).toMatchObject({ message: m1.message, duplicate: true });
    const next = await second.chat.appendMessage({
      chatId: chat.id,
      senderId: b,
      clientMessageId: 'k3',
      text: 'three',
    });
    expect(next.message.seq).toBe(3);
  });
}

forEachDialect('%s storage', (db) => {
  describe('contract', () => {
    // On SQLite each label is a file of its own next to the suite's database; PostgreSQL has one database.
    defineStorageTests((label) => (db.dialect === 'sqlite' ? join(db.dir(), `${label}.db`) : db.url()));
  });

  if (db.dialect === 'sqlite') {
    it('accepts sqlite:, file: and :memory: URLs and creates the parent directory', async () => {
      const nested = join(db.dir(), 'a', 'b', 'chat.db');
      const s = await openStorage(`sqlite:${nested}`);
      await s.ping();
      await s.close();
      expect(existsSync(nested)).toBe(true);
      const memory = await openStorage(':memory:');
      expect(memory.dialect).toBe('sqlite');
      await memory.close();
    });
  } else {
    it('reports the postgres dialect', async () => {
      const s = await openStorage(db.url(), { poolSize: 2 });
      expect(s.dialect).toBe('postgres');
      await s.close();
    });
  }
});

describe('parseDatabaseUrl', () => {
  it.each([
    ['postgres://u@h/db', { dialect: 'postgres', url: 'postgres://u@h/db' }],
    ['postgresql://u@h/db', { dialect: 'postgres', url: 'postgresql://u@h/db' }],
    ['./data/chat.db', { dialect: 'sqlite', path: './data/chat.db' }],
    ['sqlite:data/chat.db', { dialect: 'sqlite', path: 'data/chat.db' }],
    ['sqlite:///var/chat.db', { dialect: 'sqlite', path: '/var/chat.db' }],
    ['file:///var/chat.db', { dialect: 'sqlite', path: '/var/chat.db' }],
    ['file:chat.db', { dialect: 'sqlite', path: 'chat.db' }],
    [':memory:', { dialect: 'sqlite', path: ':memory:' }],
    ['sqlite::memory:', { dialect: 'sqlite', path: ':memory:' }],
  ])('reads %s', (url, expected) => {
    expect(parseDatabaseUrl(url)).toEqual(expected);
  });
});
