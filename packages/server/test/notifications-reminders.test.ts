import { describePostgres, forEachDialect, waitFor } from '@mpi/test-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pendingReminders } from './support/inspect.js';
import {
  type ManualClock,
  manualClock,
  match,
  type NotifyServer,
  settle,
  startNotifyServer,
} from './support/notifications.js';
import { request } from './support/server.js';

const HOUR = 3600_000;
const at = (ms: number) => new Date(ms).toISOString();

forEachDialect('reminders on %s', (db) => {
  let clock: ManualClock;
  let t: NotifyServer;
  const servers: NotifyServer[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const server = await startNotifyServer({ databaseUrl: db.url(), clock, env });
    servers.push(server);
    return server;
  };
  beforeAll(async () => {
    clock = manualClock();
    t = await start();
  });
  afterAll(async () => {
    for (const server of servers) await server.stop({ keepData: true }).catch(() => undefined);
  });

  const reminders = (received: Array<{ event: string; payload: unknown }>) =>
    received
      .filter((r) => r.event.endsWith(':reminder'))
      .map((r) => {
        const p = r.payload as { match?: { id: string }; training?: { id: string }; timeUntil: string };
        return `${(p.match ?? p.training)?.id} ${p.timeUntil}`;
      });
  const run = () => t.server.notifications.reminders.runOnce();

  it('fires each lead time once, at its time', async () => {
    const rita = await t.online(`rita-${db.label}`);
    const startsAt = clock.now() + 48 * HOUR;
    const game = match(`m1-${db.label}`, at(startsAt));
    const created = await t.notify({
      type: 'match:scheduled',
      payload: game,
      audience: { users: [`rita-${db.label}`] },
    });
    expect(created.body).toMatchObject({ reminders: { scheduled: 2, cancelled: 0 } });
    const pending = await pendingReminders(t.server.storage, { kind: 'match', itemId: game.id });
    expect(pending.map((r) => r.dueAt)).toEqual([at(startsAt - 24 * HOUR), at(startsAt - HOUR)]);

    clock.set(startsAt - 24 * HOUR - 1000);
    expect(await run()).toBe(0);
    clock.set(startsAt - 24 * HOUR);
    expect(await run()).toBe(1);
    expect(await run()).toBe(0);
    await settle();
    const first = rita.received.filter((r) => r.event === 'match:reminder');
    expect(first).toEqual([
      {
        event: 'match:reminder',
        payload: { match: game, timeUntil: 'P1D' },
        meta: {
          id: expect.any(String),
          seq: expect.any(Number),
          channel: 'matches',
          createdAt: at(startsAt - 24 * HOUR),
        },
      },
    ]);

    clock.set(startsAt - HOUR + 30_000);
    expect(await run()).toBe(1);
    clock.set(startsAt + HOUR);
    expect(await run()).toBe(0);
    await settle();
    expect(reminders(rita.received)).toEqual([`${game.id} P1D`, `${game.id} PT1H`]);
  });

  it('moves a reminder when the item is updated and drops it when cancelled', async () => {
    const user = `sam-${db.label}`;
    const sam = await t.online(user);
    const startsAt = clock.now() + 10 * HOUR; // the 24 h reminder is already past: only the 1 h one
    const game = match(`m2-${db.label}`, at(startsAt));
    const scheduled = await t.notify({ type: 'match:scheduled', payload: game, audience: { users: [user] } });
    expect(scheduled.body).toMatchObject({ reminders: { scheduled: 1, cancelled: 0 } });
    const later = { ...game, startsAt: at(startsAt + 2 * HOUR) };
    const updated = await t.notify({ type: 'match:updated', payload: later, audience: { users: [user] } });
    expect(updated.body).toMatchObject({ reminders: { scheduled: 1, cancelled: 1 } });

    clock.set(startsAt - HOUR);
    expect(await run()).toBe(0); // the old time passes silently
    clock.set(startsAt + HOUR);
    expect(await run()).toBe(1);
    await settle();
    expect(sam.received.filter((r) => r.event === 'match:reminder').map((r) => r.payload)).toEqual([
      { match: later, timeUntil: 'PT1H' },
    ]);

    const training = { id: `t1-${db.label}`, title: 'Drills', startsAt: at(clock.now() + 30 * HOUR) };
    await t.notify({ type: 'training:scheduled', payload: training, audience: { users: [user] } });
    const game3 = match(`m3-${db.label}`, at(clock.now() + 30 * HOUR));
    await t.notify({ type: 'match:scheduled', payload: game3, audience: { users: [user] } });
    const cancelled = await t.notify({
      type: 'match:cancelled',
      payload: game3,
      audience: { users: [user] },
    });
    expect(cancelled.body).toMatchObject({ reminders: { scheduled: 0, cancelled: 2 } });
    expect(await pendingReminders(t.server.storage, { kind: 'match', itemId: game3.id })).toEqual([]);
    clock.advance(29 * HOUR);
    expect(await run()).toBe(1); // the training's 1 h reminder (its 24 h one is overdue too: nearest only)
    await settle();
    expect(reminders(sam.received)).toEqual([`${game.id} PT1H`, `${training.id} PT1H`]);
    expect(sam.received.at(-1)).toMatchObject({ event: 'training:reminder', payload: { training } });
  });

  it('a restart spanning the due time neither loses nor doubles a reminder', async () => {
    const user = `uma-${db.label}`;
    const first = await t.online(user);
    first.client.disconnect();
    const startsAt = clock.now() + 2 * HOUR;
    const game = match(`m4-${db.label}`, at(startsAt));
    const started = match(`m5-${db.label}`, at(clock.now() + 65 * 60_000));
    await t.notify({ type: 'match:scheduled', payload: game, audience: { users: [user] } });
    await t.notify({ type: 'match:scheduled', payload: started, audience: { users: [user] } });
    await t.stop({ keepData: true });

    // Down from before the 1 h reminder until 10 minutes after it; m5 started meanwhile.
    clock.set(startsAt - 50 * 60_000);
    t = await start();
    await run();
    const back = await t.online(user);
    expect(reminders(back.queued)).toEqual([`${game.id} PT50M`]);
    expect(back.received).toEqual([]);
    expect(await pendingReminders(t.server.storage)).toEqual([]);

    // And once more: nothing fires twice.
    await t.stop({ keepData: true });
    t = await start();
    expect(await run()).toBe(0);
    const inbox = await request((await t.online(user)).client, 'list_notifications', { limit: 100 });
    if (!inbox.ok) throw new Error(inbox.error.message);
    expect(inbox.notifications.filter((n) => n.event === 'match:reminder')).toHaveLength(1);
  });

  it('polls by itself', async () => {
    const poller = await start({ REMINDER_POLL_MS: '20' });
    const user = `vic-${db.label}`;
    const vic = await poller.online(user);
    const startsAt = clock.now() + 3 * HOUR;
    const training = { id: `t2-${db.label}`, title: 'Swim', startsAt: at(startsAt) };
    await poller.notify({ type: 'training:scheduled', payload: training, audience: { users: [user] } });
    await settle(100);
    expect(reminders(vic.received)).toEqual([]);
    clock.set(startsAt - HOUR);
    await waitFor(() => reminders(vic.received).length > 0, 3000, 'the reminder');
    await settle(100);
    expect(reminders(vic.received)).toEqual([`${training.id} PT1H`]);
    await poller.stop({ keepData: true });
  });
});

describePostgres('reminders with two nodes on one %s database', (db) => {
  it('fire on one node only', async () => {
    const clock = manualClock();
    const url = db.url();
    const [a, b] = [
      await startNotifyServer({ databaseUrl: url, clock }),
      await startNotifyServer({ databaseUrl: url, clock }),
    ];
    try {
      const startsAt = clock.now() + 5 * HOUR;
      const ids = Array.from({ length: 30 }, (_, i) => `race-${i}`);
      for (const id of ids) {
        await a.notify({
          type: 'match:scheduled',
          payload: match(id, at(startsAt)),
          audience: { users: ['wes'] },
        });
      }
      clock.set(startsAt - HOUR);
      const fired = await Promise.all([
        a.server.notifications.service.fireDueReminders(3),
        b.server.notifications.service.fireDueReminders(3),
        a.server.notifications.service.fireDueReminders(3),
        b.server.notifications.service.fireDueReminders(3),
      ]);
      expect(fired.reduce((sum, n) => sum + n, 0)).toBe(30);
      const inbox = await a.server.storage.notifications.listInbox('wes', { limit: 100, unreadOnly: false });
      const reminderIds = inbox.items
        .filter((n) => n.event === 'match:reminder')
        .map((n) => (n.payload as { match: { id: string } }).match.id);
      expect(reminderIds.sort()).toEqual([...ids].sort());
    } finally {
      await a.stop({ keepData: true });
      await b.stop({ keepData: true });
    }
  });
});
