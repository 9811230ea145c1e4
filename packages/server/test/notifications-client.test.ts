import { createSocketService, type SocketService } from '@mpi/client';
import { waitFor } from '@mpi/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type NotificationSource, NotificationStore } from '../../client/src/notifications/index.js';
import { signToken } from '../src/auth/tokens.js';
import { match, type NotifyServer, settle, startNotifyServer } from './support/notifications.js';
import { TEST_JWT_SECRET } from './support/server.js';

let t: NotifyServer;
beforeAll(async () => {
  t = await startNotifyServer();
});
afterAll(async () => {
  await t.stop();
});

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A real SocketService, connected and set up, with a NotificationStore over it. */
async function device(userId: string, deviceId: string, limit = 50) {
  const service: SocketService = createSocketService({
    url: t.url,
    token: async () => (await signToken(TEST_JWT_SECRET, userId, { ttlSeconds: 3600 })).token,
    deviceId,
    reconnection: { delay: 20, backoff: 1.5, maxDelay: 200, jitter: 0, attempts: 5 },
  });
  const source: NotificationSource = service; // a SocketService is a NotificationSource
  const store = new NotificationStore(source, { limit, confirmDelayMs: 20 });
  cleanups.push(() => {
    store.destroy();
    service.destroy();
  });
  const caughtUp = waitFor(() => store.getSnapshot().loaded, 5000, 'catch-up');
  void service.setupUser(userId);
  service.connect();
  await caughtUp;
  return { service, store };
}

const notice = (message: string, audience: object = { everyone: true }) => ({
  type: 'system:update',
  payload: { message },
  audience,
});
const texts = (store: NotificationStore) =>
  store.getSnapshot().notifications.map((n) => (n.payload as { message?: string }).message ?? n.event);

describe('NotificationStore against a real server', () => {
  it('loads the inbox, follows live notifications and keeps a stable snapshot between changes', async () => {
    await t.notify(notice('before', { users: ['nina'] }));
    const { store } = await device('nina', 'nina-phone');
    expect(await store.load()).toBe(true);
    const loaded = store.getSnapshot();
    expect(loaded).toMatchObject({
      unreadCount: 1,
      loaded: true,
      channels: ['calendar', 'matches', 'training', 'system'],
    });
    expect(texts(store)).toEqual(['before']);
    expect(store.getSnapshot()).toBe(loaded);

    let changes = 0;
    const unsubscribe = store.subscribe(() => changes++);
    await t.notify(notice('live', { users: ['nina'] }));
    await waitFor(() => texts(store).length === 2, 3000, 'the live notification');
    expect(texts(store)).toEqual(['live', 'before']);
    expect(store.getSnapshot().unreadCount).toBe(2);
    expect(store.getSnapshot()).not.toBe(loaded);
    expect(changes).toBeGreaterThan(0);
    const seen = changes;
    await settle(100);
    expect(changes).toBe(seen); // nothing changed, nothing notified
    unsubscribe();
  });

  it('marks read and follows read marks and channel changes made on another device', async () => {
    const phone = await device('olaf', 'olaf-phone');
    const laptop = await device('olaf', 'olaf-laptop');
    await t.notify(notice('a', { users: ['olaf'] }));
    await t.notify(notice('b', { users: ['olaf'] }));
    await waitFor(() => texts(phone.store).length === 2 && texts(laptop.store).length === 2, 3000, 'both');

    const newest = phone.store.getSnapshot().notifications[0];
    expect(await phone.store.markRead([newest?.id ?? ''])).toBe(true);
    expect(phone.store.getSnapshot().unreadCount).toBe(1);
    await waitFor(() => laptop.store.getSnapshot().unreadCount === 1, 3000, 'the read mark on the laptop');
    expect(laptop.store.getSnapshot().notifications[0]?.read).toBe(true);

    expect(await laptop.store.unsubscribeChannels(['matches'])).toBe(true);
    expect(laptop.store.getSnapshot().channels).toEqual(['calendar', 'training', 'system']);
    await waitFor(() => phone.store.getSnapshot().channels.length === 3, 3000, 'the channels on the phone');
    await t.notify({
      type: 'match:scheduled',
      payload: match('mx', new Date(Date.now() + 86_400_000 * 3).toISOString()),
      audience: { users: ['olaf'] },
    });
    await t.notify(notice('c', { users: ['olaf'] }));
    await waitFor(() => texts(phone.store).length === 3, 3000, 'the system notice');
    expect(texts(phone.store)).toEqual(['c', 'b', 'a']);
    expect(await phone.store.unsubscribeChannels(['system'])).toBe(false);

    expect(await laptop.store.markAllRead()).toBe(true);
    await waitFor(() => phone.store.getSnapshot().unreadCount === 0, 3000, 'all read on the phone');
    expect(phone.store.getSnapshot().notifications.every((n) => n.read)).toBe(true);
  });

  it('catches up after being offline, confirms, and gets nothing twice; keeps the newest N', async () => {
    const { service, store } = await device('pete', 'pete-phone', 3);
    await t.notify(notice('first', { users: ['pete'] }));
    await waitFor(() => texts(store).length === 1, 3000, 'first');
    service.disconnect();
    await settle(50);
    for (const text of ['x1', 'x2', 'x3']) await t.notify(notice(text, { users: ['pete'] }));

    const before = store.getSnapshot();
    service.connect();
    await waitFor(() => store.getSnapshot().unreadCount === 4 && texts(store)[0] === 'x3', 5000, 'catch-up');
    expect(texts(store)).toEqual(['x3', 'x2', 'x1']); // limit 3: 'first' was dropped
    expect(store.getSnapshot()).toMatchObject({ hasMore: true, unreadCount: 4 });
    expect(store.getSnapshot()).not.toBe(before);

    // The store confirmed what it holds: the next catch-up of this device sends nothing again.
    await settle(100);
    const replayed: unknown[] = [];
    service.on('queued_notifications', (items) => replayed.push(...items));
    service.disconnect();
    service.connect();
    await waitFor(() => service.isReady(), 3000, 'reconnect');
    await settle(200);
    expect(replayed).toEqual([]);
  });

  it('stops listening when destroyed', async () => {
    const { service, store } = await device('quin', 'quin-phone');
    const listeners = service.listenerCount();
    store.destroy();
    expect(service.listenerCount()).toBeLessThan(listeners);
    const frozen = store.getSnapshot();
    await t.notify(notice('after destroy', { users: ['quin'] }));
    await settle();
    expect(store.getSnapshot()).toBe(frozen);
  });
});
