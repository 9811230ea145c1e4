import { randomUUID } from 'node:crypto';
import { forEachDialect } from '@mpi/test-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStorage } from '../src/storage/open-storage.js';
import type { Storage } from '../src/storage/storage.js';

const uid = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Receipts per device and read marks per user, on every dialect. */
forEachDialect('%s storage: receipts and read marks', (db) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await openStorage(db.url());
  });
  afterAll(async () => {
    await storage?.close();
  });
  const newDm = async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    return { a, b, chat: await storage.chat.openDm(a, b) };
  };
  const send = (chatId: string, senderId: string, text = 'hi', clientMessageId: string = randomUUID()) =>
    storage.chat.appendMessage({ chatId, senderId, clientMessageId, text });

  it('records receipts per device without moving backwards, clamped to the last seq', async () => {
    const { a, b, chat } = await newDm();
    for (let i = 0; i < 5; i++) await send(chat.id, a);
    const receipt = (deviceId: string, upToSeq: number) =>
      storage.chat.recordReceipt({ chatId: chat.id, userId: b, deviceId, upToSeq });
    expect(await receipt('phone', 3)).toEqual({ previousUserSeq: 0, userSeq: 3 });
    expect(await receipt('laptop', 2)).toEqual({ previousUserSeq: 3, userSeq: 3 });
    expect(await receipt('phone', 1)).toEqual({ previousUserSeq: 3, userSeq: 3 });
    expect(await receipt('laptop', 99)).toEqual({ previousUserSeq: 3, userSeq: 5 });
    const members = await storage.chat.listMembers(chat.id);
    expect(members.find((m) => m.userId === b)).toEqual({
      userId: b,
      role: 'member',
      deliveredSeq: 5,
      readSeq: 0,
    });
    expect(members.find((m) => m.userId === a)?.deliveredSeq).toBe(0);
    await expect(
      storage.chat.recordReceipt({ chatId: chat.id, userId: uid('x'), deviceId: 'd', upToSeq: 1 }),
    ).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
    await expect(
      storage.chat.recordReceipt({ chatId: uid('nochat'), userId: b, deviceId: 'd', upToSeq: 1 }),
    ).rejects.toMatchObject({ code: 'CHAT_NOT_FOUND' });
  });

  it('reports a consistent chain of receipts from concurrent devices', async () => {
    const { a, b, chat } = await newDm();
    for (let i = 0; i < 10; i++) await send(chat.id, a);
    const results = await Promise.all(
      range(1, 10).map((i) =>
        storage.chat.recordReceipt({ chatId: chat.id, userId: b, deviceId: `d${i}`, upToSeq: i }),
      ),
    );
    expect(results.every((r) => r.userSeq >= r.previousUserSeq)).toBe(true);
    // Every advance starts where another ended: no two receipts saw the same previous value and advanced.
    const advances = results.filter((r) => r.userSeq > r.previousUserSeq);
    expect(new Set(advances.map((r) => r.previousUserSeq)).size).toBe(advances.length);
    expect(Math.max(...results.map((r) => r.userSeq))).toBe(10);
    expect((await storage.chat.listMembers(chat.id)).find((m) => m.userId === b)?.deliveredSeq).toBe(10);
  });

  it('counts unread messages from others and marks them read without moving backwards', async () => {
    const { a, b, chat } = await newDm();
    for (let i = 0; i < 4; i++) await send(chat.id, a);
    const unreadOf = async (userId: string) =>
      (await storage.chat.listChats(userId)).find((c) => c.id === chat.id)?.unreadCount;
    expect(await unreadOf(b)).toBe(4);
    expect(await unreadOf(a)).toBe(0);
    expect(await storage.chat.markRead(chat.id, b, 2)).toEqual({ readSeq: 2, unreadCount: 2 });
    expect(await storage.chat.markRead(chat.id, b, 1)).toEqual({ readSeq: 2, unreadCount: 2 });
    expect(await unreadOf(b)).toBe(2);
    expect(await storage.chat.markRead(chat.id, b, 100)).toEqual({ readSeq: 4, unreadCount: 0 });
    expect(await unreadOf(b)).toBe(0);
    expect((await storage.chat.listMembers(chat.id)).find((m) => m.userId === b)?.readSeq).toBe(4);
    await expect(storage.chat.markRead(chat.id, uid('x'), 1)).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
    await expect(storage.chat.markRead(uid('nochat'), b, 1)).rejects.toMatchObject({
      code: 'CHAT_NOT_FOUND',
    });
  });

  it('moves the sender read mark with every send, so what they answered is not unread', async () => {
    const { a, b, chat } = await newDm();
    for (let i = 0; i < 3; i++) await send(chat.id, a);
    const unreadOf = async (userId: string) =>
      (await storage.chat.listChats(userId)).find((c) => c.id === chat.id)?.unreadCount;
    const readSeqOf = async (userId: string) =>
      (await storage.chat.listMembers(chat.id)).find((m) => m.userId === userId)?.readSeq;
    expect(await unreadOf(b)).toBe(3);
    expect(await readSeqOf(a)).toBe(3);
    await send(chat.id, b, 'answer', 'b-1');
    expect(await readSeqOf(b)).toBe(4);
    expect(await unreadOf(b)).toBe(0);
    expect(await unreadOf(a)).toBe(1);
    // A read mark never moves back: not on an older markRead, not on a repeated send.
    expect(await storage.chat.markRead(chat.id, b, 1)).toEqual({ readSeq: 4, unreadCount: 0 });
    await send(chat.id, a);
    expect(await send(chat.id, b, 'answer again', 'b-1')).toMatchObject({ duplicate: true });
    expect(await readSeqOf(b)).toBe(4);
    expect(await unreadOf(b)).toBe(1);
  });

  it('leaves the sender read mark at the highest of many concurrent sends', async () => {
    const { a, b, chat } = await newDm();
    await Promise.all(range(1, 20).map(() => send(chat.id, a)));
    expect((await storage.chat.listMembers(chat.id)).find((m) => m.userId === a)?.readSeq).toBe(20);
    expect((await storage.chat.listChats(a)).find((c) => c.id === chat.id)?.unreadCount).toBe(0);
    expect((await storage.chat.listChats(b)).find((c) => c.id === chat.id)?.unreadCount).toBe(20);
  });
});
