import { randomUUID } from 'node:crypto';
import type { MessageData } from '@mpi/protocol';
import { forEachDialect } from '@mpi/test-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CatchUpCursor } from '../src/storage/chat/chat-storage.js';
import { openStorage } from '../src/storage/open-storage.js';
import type { Storage } from '../src/storage/storage.js';
import { initDeviceCursors, prunedGapsForDevice } from './support/inspect.js';

const uid = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const key = (m: MessageData) => `${m.chatId}#${m.seq}`;
/** The catch-up order: by chat id, then seq. Chat ids are ULIDs, which sort the same in every collation. */
const byChatThenSeq = (x: MessageData, y: MessageData) =>
  x.chatId === y.chatId ? x.seq - y.seq : x.chatId < y.chatId ? -1 : 1;

/** Device cursors and catch-up, on one dialect. `url()` names the database. */
function defineCatchUpTests(url: () => string): void {
  let storage: Storage;
  beforeAll(async () => {
    storage = await openStorage(url());
  });
  afterAll(async () => {
    await storage.close();
  });

  const send = async (chatId: string, senderId: string, text = 'hi') =>
    (await storage.chat.appendMessage({ chatId, senderId, clientMessageId: randomUUID(), text })).message;
  /** Every page of a device's catch-up, `limit` messages at a time. */
  const drain = async (userId: string, deviceId: string, limit: number) => {
    const pages: MessageData[][] = [];
    let after: CatchUpCursor | null = null;
    for (;;) {
      const page = await storage.chat.pendingForDevice(userId, deviceId, after, limit);
      if (page.length === 0) return pages;
      pages.push(page);
      const last = page[page.length - 1] as MessageData;
      after = { chatId: last.chatId, seq: last.seq };
    }
  };

  /** A user in two DMs and a group, with messages from others and from the user, interleaved. */
  const threeChats = async () => {
    const me = uid('me');
    const [x, y, z] = [uid('x'), uid('y'), uid('z')];
    const dmX = await storage.chat.openDm(me, x);
    const dmY = await storage.chat.openDm(y, me);
    const group = await storage.chat.createGroup({ creatorId: z, name: 'G', memberIds: [me, x] });
    const sent: MessageData[] = [];
    for (let round = 0; round < 3; round++) {
      sent.push(await send(dmX.id, x, `x${round}`));
      sent.push(await send(group.id, z, `z${round}`));
      sent.push(await send(dmY.id, y, `y${round}`));
      sent.push(await send(group.id, me, `me${round}`));
      if (round < 2) sent.push(await send(dmX.id, me, `me-x${round}`));
    }
    // Someone else's chat: never part of my catch-up.
    await send((await storage.chat.openDm(x, y)).id, x, 'not mine');
    return { me, x, dmX, dmY, group, sent: [...sent].sort(byChatThenSeq) };
  };

  it('pages through three chats in (chat, seq) order without gaps or repeats', async () => {
    const { me, sent } = await threeChats();
    expect(sent).toHaveLength(14);
    for (const limit of [1, 3, 5, 14, 100]) {
      const pages = await drain(me, 'phone', limit);
      expect(pages.every((p) => p.length <= limit)).toBe(true);
      expect(pages.length).toBe(Math.ceil(sent.length / limit));
      expect(pages.flat()).toEqual(sent);
    }
    // Catch-up includes what the user wrote from another device, and does not move any cursor itself.
    expect((await drain(me, 'laptop', 4)).flat().filter((m) => m.senderId === me)).toHaveLength(5);
    expect((await drain(me, 'phone', 100)).flat()).toEqual(sent);
  });

  it('starts after any cursor position, even one between chats or past a chat end', async () => {
    const { me, dmX, sent } = await threeChats();
    const rest = (after: CatchUpCursor) =>
      sent.filter((m) => m.chatId > after.chatId || (m.chatId === after.chatId && m.seq > after.seq));
    for (const after of [
      { chatId: dmX.id, seq: 2 },
      { chatId: dmX.id, seq: 999 },
      { chatId: '', seq: 0 },
      { chatId: `${dmX.id}~`, seq: 0 },
    ]) {
      expect(await storage.chat.pendingForDevice(me, 'phone', after, 100)).toEqual(rest(after));
    }
    await expect(storage.chat.pendingForDevice(me, 'phone', null, 0)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('follows each device cursor independently', async () => {
    const { me, dmX, dmY, group, sent } = await threeChats();
    const receipt = (deviceId: string, chatId: string, upToSeq: number) =>
      storage.chat.recordReceipt({ chatId, userId: me, deviceId, upToSeq });
    await receipt('phone', dmX.id, 3);
    await receipt('phone', group.id, 6);
    await receipt('laptop', dmY.id, 2);
    const cursors: Record<string, Record<string, number>> = {
      phone: { [dmX.id]: 3, [group.id]: 6 },
      laptop: { [dmY.id]: 2 },
      tablet: {},
    };
    for (const [deviceId, cursor] of Object.entries(cursors)) {
      const expected = sent.filter((m) => m.seq > (cursor[m.chatId] ?? 0));
      expect((await drain(me, deviceId, 3)).flat().map(key)).toEqual(expected.map(key));
    }
    // A receipt on one device changes nothing for the others.
    await receipt('phone', dmY.id, 99);
    expect((await drain(me, 'phone', 100)).flat().map(key)).toEqual(
      sent.filter((m) => m.chatId === dmX.id && m.seq > 3).map(key),
    );
    expect((await drain(me, 'tablet', 100)).flat()).toEqual(sent);
  });

  it('leaves out what was sent before the user joined a group', async () => {
    const [owner, me] = [uid('owner'), uid('me')];
    const group = await storage.chat.createGroup({ creatorId: owner, name: 'G', memberIds: [] });
    for (let i = 0; i < 5; i++) await send(group.id, owner);
    await storage.chat.addMembers(group.id, [me]);
    const after = [await send(group.id, owner), await send(group.id, me)];
    expect(await storage.chat.pendingForDevice(me, 'phone', null, 100)).toEqual(after);
    expect(await storage.chat.pendingForDevice(me, 'phone', { chatId: group.id, seq: 0 }, 100)).toEqual(
      after,
    );
    expect(await storage.chat.pendingForDevice(owner, 'phone', null, 100)).toHaveLength(7);
  });

  it('sets up a new device once, at the current end of every chat', async () => {
    const { me, x, dmX, group, sent } = await threeChats();
    expect(await initDeviceCursors(storage, me, 'phone')).toBe(true);
    expect(await initDeviceCursors(storage, me, 'phone')).toBe(false);
    expect(await storage.chat.pendingForDevice(me, 'phone', null, 100)).toEqual([]);

    // While the phone is away, the old laptop (which never set up: all cursors at 0) and the phone miss
    // these; a tablet set up afterwards starts from now.
    const missed = [await send(dmX.id, x, 'missed 1'), await send(group.id, x, 'missed 2')].sort(
      byChatThenSeq,
    );
    expect(await storage.chat.pendingForDevice(me, 'phone', null, 100)).toEqual(missed);
    expect(await initDeviceCursors(storage, me, 'tablet')).toBe(true);
    expect(await storage.chat.pendingForDevice(me, 'tablet', null, 100)).toEqual([]);
    expect((await drain(me, 'laptop', 100)).flat()).toEqual([...sent, ...missed].sort(byChatThenSeq));
    expect(await initDeviceCursors(storage, me, 'phone')).toBe(false);

    // A device that already has a cursor somewhere is not new: setting up does not skip what it missed.
    await storage.chat.recordReceipt({ chatId: dmX.id, userId: me, deviceId: 'watch', upToSeq: 1 });
    expect(await initDeviceCursors(storage, me, 'watch')).toBe(false);
    expect((await drain(me, 'watch', 100)).flat()).toEqual(
      [...sent, ...missed].filter((m) => m.chatId !== dmX.id || m.seq > 1).sort(byChatThenSeq),
    );
    // Setting up moves no delivery mark: the tablet did not receive anything.
    const meInDmX = (await storage.chat.listMembers(dmX.id)).find((m) => m.userId === me);
    expect(meInDmX?.deliveredSeq).toBe(1);

    const next = await send(dmX.id, x, 'after setup');
    expect(await storage.chat.pendingForDevice(me, 'tablet', null, 100)).toEqual([next]);
  });

  it('reports a new device exactly once under concurrent set-up', async () => {
    const { me } = await threeChats();
    const results = await Promise.all(Array.from({ length: 8 }, () => initDeviceCursors(storage, me, 'pad')));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await storage.chat.pendingForDevice(me, 'pad', null, 100)).toEqual([]);
  });

  it('remembers a device set up before its user had any chat', async () => {
    const [loner, friend] = [uid('loner'), uid('friend')];
    expect(await initDeviceCursors(storage, loner, 'phone')).toBe(true);
    expect(await storage.chat.pendingForDevice(loner, 'phone', null, 10)).toEqual([]);
    // While the phone is offline, a friend writes: the phone gets it on its next catch-up.
    const dm = await storage.chat.openDm(friend, loner);
    const missed = [await send(dm.id, friend, 'one'), await send(dm.id, friend, 'two')];
    expect(await initDeviceCursors(storage, loner, 'phone')).toBe(false);
    expect(await storage.chat.pendingForDevice(loner, 'phone', null, 10)).toEqual(missed);
    expect(await prunedGapsForDevice(storage, loner, 'phone')).toEqual([]);
    // A second device set up now starts from now.
    expect(await initDeviceCursors(storage, loner, 'laptop')).toBe(true);
    expect(await storage.chat.pendingForDevice(loner, 'laptop', null, 10)).toEqual([]);
  });
}

forEachDialect('%s catch-up storage', (db) => {
  defineCatchUpTests(db.url);
});
