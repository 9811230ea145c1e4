import { randomUUID } from 'node:crypto';
import type { Audience, MessageData } from '@mpi/protocol';
import { forEachDialect } from '@mpi/test-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CatchUpCursor, DeviceCatchUp } from '../src/storage/chat/chat-storage.js';
import { openStorage } from '../src/storage/open-storage.js';
import type { Storage } from '../src/storage/storage.js';
import {
  deviceCursors,
  initDeviceCursors,
  openNotificationDevice,
  prunedGapsForDevice,
} from './support/inspect.js';

const uid = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/**
 * The connection path's combined reads (`openDeviceCatchUp`, `notifications.openDeviceCatchUp`,
 * `catchUpSummary`) against the step-by-step methods they replace: two devices in the same situation, one
 * through each, must get the same answers.
 */
function defineConnectionPathTests(url: () => string): void {
  let storage: Storage;
  beforeAll(async () => {
    storage = await openStorage(url());
  });
  afterAll(async () => {
    await storage.close();
  });

  const send = async (chatId: string, senderId: string, text = 'hi') =>
    (await storage.chat.appendMessage({ chatId, senderId, clientMessageId: randomUUID(), text })).message;

  const drain = async (userId: string, deviceId: string, first: CatchUpCursor | null) => {
    const all: MessageData[] = [];
    let after = first;
    for (;;) {
      const page = await storage.chat.pendingForDevice(userId, deviceId, after, 3);
      if (page.length === 0) return all;
      all.push(...page);
      const last = page[page.length - 1] as MessageData;
      after = { chatId: last.chatId, seq: last.seq };
    }
  };

  /** What the catch-up did before: initDeviceCursors, deviceCursors, prunedGapsForDevice, every page. */
  const stepByStep = async (userId: string, deviceId: string) => {
    const newDevice = await initDeviceCursors(storage, userId, deviceId);
    const cursors = await deviceCursors(storage, userId, deviceId);
    if (newDevice) return { newDevice, cursors, prunedGaps: [], pending: [] as MessageData[] };
    const prunedGaps = await prunedGapsForDevice(storage, userId, deviceId);
    return { newDevice, cursors, prunedGaps, pending: await drain(userId, deviceId, null) };
  };

  const combined = async (userId: string, deviceId: string) => {
    const start: DeviceCatchUp = await storage.chat.openDeviceCatchUp(userId, deviceId);
    const pending = start.pendingAfter === null ? [] : await drain(userId, deviceId, start.pendingAfter);
    return { newDevice: start.newDevice, cursors: start.cursors, prunedGaps: start.prunedGaps, pending };
  };

  it('matches the step-by-step catch-up for new, known, confirmed, pruned and never-set-up devices', async () => {
    const me = uid('me');
    const [x, y, z] = [uid('x'), uid('y'), uid('z')];
    const dmX = await storage.chat.openDm(me, x);
    const dmY = await storage.chat.openDm(y, me);
    const group = await storage.chat.createGroup({ creatorId: z, name: 'G', memberIds: [me] });
    for (let i = 0; i < 3; i++) {
      await send(dmX.id, x);
      await send(group.id, z);
      await send(dmY.id, me);
    }

    // New devices: cursors at every chat's end, nothing queued.
    const oldNew = await stepByStep(me, 'old');
    const newNew = await combined(me, 'new');
    expect(newNew).toEqual(oldNew);
    expect(newNew.newDevice).toBe(true);
    expect(newNew.cursors).toHaveLength(3);

    // Known devices with nothing new: same cursors, nothing to page through.
    expect(await storage.chat.openDeviceCatchUp(me, 'new')).toMatchObject({
      newDevice: false,
      pendingAfter: null,
    });
    expect(await combined(me, 'new')).toEqual(await stepByStep(me, 'old'));

    // Messages in only one chat, one of them confirmed by both devices.
    const later = [await send(group.id, z, 'a'), await send(group.id, z, 'b'), await send(dmY.id, y, 'c')];
    for (const device of ['old', 'new']) {
      await storage.chat.recordReceipt({
        chatId: group.id,
        userId: me,
        deviceId: device,
        upToSeq: later[0]?.seq ?? 0,
      });
    }
    const oldKnown = await stepByStep(me, 'old');
    const newKnown = await combined(me, 'new');
    expect(newKnown).toEqual(oldKnown);
    expect(newKnown.pending.map((m) => m.text).sort()).toEqual(['b', 'c']);

    // A device that confirmed receipts before it was ever set up keeps its cursors: not new.
    for (const device of ['old-early', 'new-early']) {
      await storage.chat.recordReceipt({ chatId: dmX.id, userId: me, deviceId: device, upToSeq: 1 });
    }
    const oldEarly = await stepByStep(me, 'old-early');
    const newEarly = await combined(me, 'new-early');
    expect(newEarly).toEqual(oldEarly);
    expect(newEarly.newDevice).toBe(false);
    expect(newEarly.pending.length).toBeGreaterThan(0);

    // Retention deleted what the devices never received: the same gaps, and only what is left queued.
    await storage.chat.pruneMessages(new Date(Date.now() + 60_000));
    await send(dmX.id, x, 'kept');
    const oldPruned = await stepByStep(me, 'old-early');
    const newPruned = await combined(me, 'new-early');
    expect(newPruned).toEqual(oldPruned);
    expect(newPruned.prunedGaps.map((gap) => gap.chatId)).toContain(dmX.id);
    expect(newPruned.pending.map((m) => m.text)).toEqual(['kept']);
  });

  it('costs a user without chats one read and one write, and remembers the device', async () => {
    const loner = uid('loner');
    expect(await storage.chat.openDeviceCatchUp(loner, 'phone')).toEqual({
      newDevice: true,
      cursors: [],
      versions: [],
      prunedGaps: [],
      pendingAfter: null,
      updatesAfter: null,
    });
    expect(await initDeviceCursors(storage, loner, 'phone')).toBe(false); // known now
    // A chat joined later catches up from the join on the known device.
    const friend = uid('friend');
    const dm = await storage.chat.openDm(friend, loner);
    const missed = await send(dm.id, friend, 'while away');
    const back = await combined(loner, 'phone');
    expect(back).toEqual({
      newDevice: false,
      cursors: [{ chatId: dm.id, seq: 0 }],
      prunedGaps: [],
      pending: [missed],
    });
  });

  it('reports a new device once under concurrent set-up', async () => {
    const me = uid('me');
    await storage.chat.openDm(me, uid('x'));
    const results = await Promise.all([1, 2, 3].map(() => storage.chat.openDeviceCatchUp(me, 'tab')));
    expect(results.filter((r) => r.newDevice)).toHaveLength(1);
    for (const result of results) {
      expect(result.cursors).toEqual(results[0]?.cursors);
      expect(result.pendingAfter).toBeNull();
    }
  });

  const everyone: Audience = { everyone: true };
  const notify = (audience: Audience = everyone) =>
    storage.notifications.create(
      {
        event: 'system:update',
        channel: 'system',
        payload: (id) => ({ id, title: 'Update', message: 'New version' }),
        audience,
        source: 'api',
      },
      { now: new Date(), respond: () => ({ status: 201, body: {} }) },
    );

  it('opens a notification device like openDevice, and sums up like unreadCount + subscribedChannels', async () => {
    const me = uid('me');
    const before = await storage.notifications.openDeviceCatchUp(me, 'new', new Date());
    const old = await openNotificationDevice(storage, me, 'old', new Date());
    expect(before).toEqual({ ...old, pending: false });
    expect(before.newDevice).toBe(true);

    // Known devices, nothing since: no page to read.
    expect(await storage.notifications.openDeviceCatchUp(me, 'new', new Date())).toEqual({
      newDevice: false,
      cursor: before.cursor,
      pending: false,
    });

    await notify();
    await notify({ users: [me] });
    await storage.notifications.setSubscribed(me, ['matches'], false, new Date());
    const known = await storage.notifications.openDeviceCatchUp(me, 'new', new Date());
    expect(known).toEqual({
      ...(await openNotificationDevice(storage, me, 'old', new Date())),
      pending: true,
    });
    expect(await storage.notifications.pendingForDevice(me, known.cursor, 10)).toHaveLength(2);

    const summary = await storage.notifications.catchUpSummary(me);
    expect(summary).toEqual({
      unreadCount: await storage.notifications.unreadCount(me),
      channels: await storage.notifications.subscribedChannels(me),
    });
    expect(summary.unreadCount).toBe(2);
    expect(summary.channels).not.toContain('matches');
    await storage.notifications.markRead(me, { all: true }, new Date());
    expect((await storage.notifications.catchUpSummary(me)).unreadCount).toBe(0);

    // A user never seen: counted as known from now (targeted items count), and nothing is created.
    const stranger = uid('stranger');
    await notify({ users: [stranger] });
    expect(await storage.notifications.catchUpSummary(stranger)).toEqual({
      unreadCount: 1,
      channels: await storage.notifications.subscribedChannels(stranger),
    });
    expect(await storage.notifications.unreadCount(stranger)).toBe(1);
  });
}

forEachDialect('%s connection path', (db) => {
  defineConnectionPathTests(db.url);
});
