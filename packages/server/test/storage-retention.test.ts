import { randomUUID } from 'node:crypto';
import type { MessageData } from '@mpi/protocol';
import { forEachDialect, sleep } from '@mpi/test-kit';
import { afterEach, expect, it } from 'vitest';
import { openStorage } from '../src/storage/open-storage.js';
import type { Storage } from '../src/storage/storage.js';
import { prunedGapsForDevice } from './support/inspect.js';

const uid = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/**
 * Retention, on one dialect. Pruning deletes across the whole database, so every test gets a database of
 * its own from `fresh()`.
 */
function defineRetentionTests(fresh: () => Promise<Storage>): void {
  let storage: Storage;
  const send = async (chatId: string, senderId: string, text = 'hi') =>
    (await storage.chat.appendMessage({ chatId, senderId, clientMessageId: randomUUID(), text })).message;
  /** Sends `count` messages, then returns a cutoff later than all of them. */
  const sendOld = async (chatId: string, senderId: string, count: number) => {
    const sent: MessageData[] = [];
    for (let i = 0; i < count; i++) sent.push(await send(chatId, senderId, `old ${i}`));
    await sleep(5);
    const cutoff = new Date();
    await sleep(5);
    return { sent, cutoff };
  };

  it('prunes old messages and reports the gap only to devices behind it', async () => {
    storage = await fresh();
    const [owner, me] = [uid('owner'), uid('me')];
    const group = await storage.chat.createGroup({ creatorId: owner, name: 'G', memberIds: [me] });
    const { cutoff } = await sendOld(group.id, owner, 5);
    const receipt = (deviceId: string, upToSeq: number) =>
      storage.chat.recordReceipt({ chatId: group.id, userId: me, deviceId, upToSeq });
    await receipt('phone', 5);
    await receipt('laptop', 2);
    const fresh6 = await send(group.id, owner, 'new 6');
    const fresh7 = await send(group.id, owner, 'new 7');

    expect(await storage.chat.pruneMessages(cutoff)).toEqual({ deleted: 5 });
    expect((await storage.chat.getHistory(group.id, { limit: 10 })).messages).toEqual([fresh7, fresh6]);
    expect(await storage.chat.getMessageRange(group.id, 0, 10)).toEqual([fresh6, fresh7]);

    const gap = [{ chatId: group.id, prunedSeq: 5 }];
    expect(await prunedGapsForDevice(storage, me, 'phone')).toEqual([]);
    expect(await prunedGapsForDevice(storage, me, 'laptop')).toEqual(gap);
    expect(await prunedGapsForDevice(storage, me, 'tablet')).toEqual(gap);
    // What is left still comes through catch-up; the gap says what no longer can.
    expect(await storage.chat.pendingForDevice(me, 'laptop', null, 10)).toEqual([fresh6, fresh7]);
    expect(await storage.chat.pendingForDevice(me, 'phone', null, 10)).toEqual([fresh6, fresh7]);

    // Receiving past the gap closes it; so does joining after it.
    await receipt('laptop', 7);
    expect(await prunedGapsForDevice(storage, me, 'laptop')).toEqual([]);
    const late = uid('late');
    await storage.chat.addMembers(group.id, [late]);
    expect(await prunedGapsForDevice(storage, late, 'phone')).toEqual([]);
    expect(await prunedGapsForDevice(storage, uid('stranger'), 'phone')).toEqual([]);

    // Seqs keep counting after a prune, and the chat list still shows the chat.
    expect((await send(group.id, me)).seq).toBe(8);
    expect((await storage.chat.listChats(me)).map((c) => [c.id, c.lastSeq, c.unreadCount])).toEqual([
      [group.id, 8, 0],
    ]);
  });

  it('prunes several chats at once and never lowers what was pruned', async () => {
    storage = await fresh();
    const [a, b] = [uid('a'), uid('b')];
    const one = await storage.chat.openDm(a, b);
    const two = await storage.chat.createGroup({ creatorId: a, name: 'G', memberIds: [b] });
    const untouched = await storage.chat.openDm(a, uid('c'));
    await send(one.id, a);
    await send(one.id, b);
    await send(two.id, b);
    const { cutoff } = await sendOld(one.id, a, 1);
    const kept = await send(untouched.id, a);
    await send(two.id, a);

    expect(await storage.chat.pruneMessages(cutoff)).toEqual({ deleted: 4 });
    const gaps = [
      { chatId: one.id, prunedSeq: 3 },
      { chatId: two.id, prunedSeq: 1 },
    ].sort((x, y) => (x.chatId < y.chatId ? -1 : 1));
    expect(await prunedGapsForDevice(storage, a, 'phone')).toEqual(gaps);

    // Pruning again, or with an earlier cutoff, deletes nothing and keeps the recorded gaps.
    expect(await storage.chat.pruneMessages(cutoff)).toEqual({ deleted: 0 });
    expect(await storage.chat.pruneMessages(new Date(cutoff.getTime() - 60_000))).toEqual({ deleted: 0 });
    expect(await prunedGapsForDevice(storage, a, 'phone')).toEqual(gaps);
    expect(await storage.chat.getMessageRange(untouched.id, 0, 10)).toEqual([kept]);
    await expect(storage.chat.pruneMessages(new Date(Number.NaN))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('prunes nothing from an empty database', async () => {
    storage = await fresh();
    expect(await storage.chat.pruneMessages(new Date())).toEqual({ deleted: 0 });
  });
}

forEachDialect('%s retention', (db) => {
  const opened: Storage[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });
  // A database of its own per test (db.fresh()), removed after the test, once afterEach closed it.
  defineRetentionTests(async () => {
    const s = await openStorage(await db.fresh());
    opened.push(s);
    return s;
  });
});
