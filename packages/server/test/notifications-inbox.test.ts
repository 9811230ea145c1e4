import { forEachDialect } from '@mpi/test-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type NotifyServer, settle, startNotifyServer } from './support/notifications.js';
import { nextEvent, request } from './support/server.js';

const notice = (message: string, audience: object) => ({
  type: 'system:update',
  payload: { message },
  audience,
});
const messages = (items: Array<{ payload: unknown }>) =>
  items.map((i) => (i.payload as { message: string }).message);

forEachDialect('inbox and catch-up on %s', (db) => {
  let t: NotifyServer;
  beforeAll(async () => {
    t = await startNotifyServer({ databaseUrl: db.url() });
    await t.call('PUT', '/api/v1/groups/squad/members', { members: ['olga', 'pia'] });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('gives a user offline during 3 notifications all 3 on reconnect, once', async () => {
    const first = await t.online('olga', 'olga-phone'); // the phone is known from now on
    first.client.disconnect();

    await t.notify(notice('one', { users: ['olga'] }));
    await t.notify(notice('two', { groups: ['squad'] }));
    await t.notify(notice('three', { everyone: true }));
    await t.notify(notice('not for olga', { users: ['pia'] }));

    const back = await t.online('olga', 'olga-phone');
    expect(messages(back.queued)).toEqual(['one', 'two', 'three']);
    expect(back.queued.map((i) => i.read)).toEqual([false, false, false]);
    expect(back.catchUp).toMatchObject({ notifications: 3, unreadCount: 3 });
    await settle();
    expect(back.received).toEqual([]); // nothing live twice

    const lastSeq = back.queued.at(-1)?.seq ?? 0;
    expect(await request(back.client, 'notifications_received', { upToSeq: lastSeq })).toEqual({ ok: true });
    back.client.disconnect();
    const again = await t.online('olga', 'olga-phone');
    expect(again.queued).toEqual([]);
    expect(again.catchUp).toMatchObject({ notifications: 0, fromSeq: lastSeq, unreadCount: 3 });

    // A new device starts from now; the inbox still lists everything.
    const tablet = await t.online('olga', 'olga-tablet');
    expect(tablet.queued).toEqual([]);
    const inbox = await request(tablet.client, 'list_notifications', {});
    if (!inbox.ok) throw new Error(inbox.error.message);
    expect(messages(inbox.notifications)).toEqual(['three', 'two', 'one']);
  });

  it('pages the inbox, counts unread and syncs read marks to other devices', async () => {
    const phone = await t.online('pia', 'pia-phone');
    const laptop = await t.online('pia', 'pia-laptop');
    const baseline = await request(phone.client, 'list_notifications', { limit: 100 });
    if (!baseline.ok) throw new Error(baseline.error.message);
    await request(phone.client, 'mark_notifications_read', { all: true });
    for (let i = 1; i <= 25; i++) await t.notify(notice(`n${i}`, { users: ['pia'] }));

    const pages: string[] = [];
    let beforeSeq: number | undefined;
    for (;;) {
      const page = await request(phone.client, 'list_notifications', {
        limit: 10,
        ...(beforeSeq && { beforeSeq }),
      });
      if (!page.ok) throw new Error(page.error.message);
      expect(page.unreadCount).toBe(25);
      pages.push(...messages(page.notifications));
      if (!page.hasMore) break;
      beforeSeq = page.notifications.at(-1)?.seq;
    }
    expect(pages.slice(0, 25)).toEqual(Array.from({ length: 25 }, (_, i) => `n${25 - i}`));

    const newest = await request(phone.client, 'list_notifications', { limit: 2 });
    if (!newest.ok) throw new Error(newest.error.message);
    const ids = newest.notifications.map((n) => n.id);
    const synced = nextEvent(laptop.client, 'notifications_read');
    expect(await request(phone.client, 'mark_notifications_read', { ids })).toEqual({
      ok: true,
      unreadCount: 23,
    });
    expect(await synced).toEqual({ ids: expect.arrayContaining(ids), unreadCount: 23 });

    const unread = await request(laptop.client, 'list_notifications', { limit: 100, unreadOnly: true });
    if (!unread.ok) throw new Error(unread.error.message);
    expect(unread.notifications).toHaveLength(23);
    expect(unread.notifications.some((n) => ids.includes(n.id))).toBe(false);

    // Ids of other users' notifications are ignored.
    const foreign = await request(laptop.client, 'mark_notifications_read', {
      ids: ['01ARZ3NDEKTSV4RRFFQ69G5FAV'],
    });
    expect(foreign).toEqual({ ok: true, unreadCount: 23 });

    const allRead = nextEvent(phone.client, 'notifications_read');
    expect(await request(laptop.client, 'mark_notifications_read', { all: true })).toEqual({
      ok: true,
      unreadCount: 0,
    });
    expect(await allRead).toEqual({ all: true, unreadCount: 0 });
    const after = await request(phone.client, 'list_notifications', { limit: 5 });
    expect(after).toMatchObject({ ok: true, unreadCount: 0 });
    if (after.ok) expect(after.notifications.every((n) => n.read)).toBe(true);
  });

  it('refuses malformed inbox requests', async () => {
    const quinn = await t.online('quinn');
    const cases = [
      request(quinn.client, 'list_notifications', { limit: 0 }),
      request(quinn.client, 'list_notifications', { limit: 101 }),
      request(quinn.client, 'mark_notifications_read', {}),
      request(quinn.client, 'mark_notifications_read', { ids: ['a'], all: true }),
      request(quinn.client, 'mark_notifications_read', { ids: ['a', 'a'] }),
      request(quinn.client, 'notifications_received', { upToSeq: -1 }),
    ];
    for (const ack of await Promise.all(cases)) {
      expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
  });
});
