import { forEachDialect } from '@mpi/test-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  countRows,
  type ManualClock,
  manualClock,
  type NotifyServer,
  startNotifyServer,
} from './support/notifications.js';
import { request } from './support/server.js';

const DAY = 24 * 3600_000;

forEachDialect('notification retention on %s', (db) => {
  let clock: ManualClock;
  let t: NotifyServer;
  beforeAll(async () => {
    clock = manualClock();
    t = await startNotifyServer({ databaseUrl: db.url(), clock });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('deletes old notifications, read and unread, with their recipients and read marks, and keeps newer ones', async () => {
    const now = clock.now();
    const nina = await t.online('nina');
    const notice = async (message: string, audience: object) =>
      (await t.notify({ type: 'system:update', payload: { message }, audience })).body?.id as string;
    clock.set(now - 100 * DAY);
    const readOld = await notice('old, read', { users: ['nina', 'otto'] });
    await notice('old, unread', { users: ['nina'] });
    await notice('old, for everyone', { everyone: true });
    clock.set(now - 10 * DAY);
    await notice('recent', { users: ['nina'] });
    clock.set(now);
    await request(nina.client, 'mark_notifications_read', { ids: [readOld] });
    expect(await countRows(t.databaseUrl, 'notification_reads')).toBe(1);

    const cutoff = new Date(now - 90 * DAY);
    expect(await t.server.storage.notifications.pruneNotifications(cutoff)).toEqual({ deleted: 3 });
    expect(await t.server.storage.notifications.pruneNotifications(cutoff)).toEqual({ deleted: 0 });
    expect(await countRows(t.databaseUrl, 'notifications')).toBe(1);
    expect(await countRows(t.databaseUrl, 'notification_recipients')).toBe(1);
    expect(await countRows(t.databaseUrl, 'notification_reads')).toBe(0);

    const inbox = await request(nina.client, 'list_notifications', {});
    if (!inbox.ok) throw new Error(inbox.error.message);
    expect(inbox.notifications.map((n) => (n.payload as { message: string }).message)).toEqual(['recent']);
    expect(inbox.unreadCount).toBe(1);
    // Her device, which confirmed none of them, catches up on what is left.
    nina.client.disconnect();
    const back = await t.online('nina');
    expect(back.queued.map((n) => (n.payload as { message: string }).message)).toEqual(['recent']);
    expect(back.catchUp).toMatchObject({ notifications: 1, fromSeq: 0, unreadCount: 1 });
  });
});
