import { forEachDialect } from '@mpi/test-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { match, type NotifyServer, settle, startNotifyServer } from './support/notifications.js';
import { nextEvent, request } from './support/server.js';

const startsAt = () => new Date(Date.now() + 7 * 24 * 3600_000).toISOString();

forEachDialect('channel consent on %s', (db) => {
  let t: NotifyServer;
  beforeAll(async () => {
    t = await startNotifyServer({ databaseUrl: db.url() });
  });
  afterAll(async () => {
    await t?.stop();
  });

  const matchFor = (userId: string, id: string) => ({
    type: 'match:scheduled',
    payload: match(id, startsAt()),
    audience: { users: [userId] },
  });
  const matchForAll = (id: string) => ({
    type: 'match:scheduled',
    payload: match(id, startsAt()),
    audience: { everyone: true },
  });
  const maintenance = (message: string) => ({
    type: 'system:maintenance',
    payload: { message },
    audience: { everyone: true },
  });

  it('subscribes every channel by default', async () => {
    const newcomer = await t.online('newcomer');
    expect(await request(newcomer.client, 'get_preferences', {})).toEqual({
      ok: true,
      channels: ['calendar', 'matches', 'training', 'system'],
    });
    expect(newcomer.catchUp.channels).toEqual(['calendar', 'matches', 'training', 'system']);
  });

  it('an opt-out of matches holds on every device and after reconnects; system still arrives', async () => {
    const phone = await t.online('frank', 'frank-phone');
    const laptop = await t.online('frank', 'frank-laptop');
    const laptopUpdate = nextEvent(laptop.client, 'notification_channels_updated');
    const ack = await request(phone.client, 'unsubscribe', { channels: ['matches'] });
    expect(ack).toEqual({ ok: true, channels: ['calendar', 'training', 'system'] });
    expect(await laptopUpdate).toEqual({ channels: ['calendar', 'training', 'system'] });

    await t.notify(matchFor('frank', 'm-direct'));
    await t.notify(matchForAll('m-all'));
    await t.notify(maintenance('tonight'));
    await settle();
    for (const device of [phone, laptop]) {
      expect(device.received.map((r) => r.event)).toEqual(['system:maintenance']);
    }

    // Reconnect the phone and add a brand-new tablet: the preference comes from the database.
    phone.client.disconnect();
    const phoneAgain = await t.online('frank', 'frank-phone');
    const tablet = await t.online('frank', 'frank-tablet');
    expect(phoneAgain.catchUp.channels).toEqual(['calendar', 'training', 'system']);
    // The phone never confirmed the notice it got live, so it comes again; the matches never do.
    expect(phoneAgain.queued.map((item) => item.event)).toEqual(['system:maintenance']);
    expect(await request(tablet.client, 'get_preferences', {})).toMatchObject({
      channels: ['calendar', 'training', 'system'],
    });
    await t.notify(matchForAll('m-later'));
    await t.notify(matchFor('frank', 'm-later-direct'));
    await t.notify(maintenance('again'));
    await settle();
    for (const device of [phoneAgain, tablet, laptop]) {
      expect(device.received.filter((r) => r.event.startsWith('match:'))).toEqual([]);
      expect(device.received.at(-1)?.payload).toMatchObject({ message: 'again' });
    }
    const inbox = await request(tablet.client, 'list_notifications', { limit: 100 });
    if (!inbox.ok) throw new Error(inbox.error.message);
    expect(inbox.notifications.map((n) => n.event)).toEqual(['system:maintenance', 'system:maintenance']);
  });

  it('subscribing again delivers new items but never those of the opt-out period', async () => {
    const gus = await t.online('gus');
    await request(gus.client, 'unsubscribe', { channels: ['matches', 'training'] });
    await t.notify(matchFor('gus', 'm-hidden'));
    const ack = await request(gus.client, 'subscribe', { channels: ['matches'] });
    expect(ack).toEqual({ ok: true, channels: ['calendar', 'matches', 'system'] });
    await t.notify(matchFor('gus', 'm-visible'));
    await settle();
    expect(gus.received.map((r) => (r.payload as { match: { id: string } }).match.id)).toEqual(['m-visible']);
    const inbox = await request(gus.client, 'list_notifications', {});
    if (!inbox.ok) throw new Error(inbox.error.message);
    expect(inbox.notifications.map((n) => (n.payload as { match: { id: string } }).match.id)).toEqual([
      'm-visible',
    ]);
    expect(inbox.unreadCount).toBe(1);

    // Offline during another match of an opted-out period: not caught up either.
    await request(gus.client, 'notifications_received', { upToSeq: gus.received.at(-1)?.meta.seq ?? 0 });
    await request(gus.client, 'unsubscribe', { channels: ['matches'] });
    gus.client.disconnect();
    await t.notify(matchFor('gus', 'm-offline-hidden'));
    const back = await t.online('gus');
    expect(back.queued).toEqual([]);
    expect(back.received).toEqual([]);
  });

  it('refuses to unsubscribe the system channel and changes nothing', async () => {
    const hugo = await t.online('hugo');
    const error = nextEvent(hugo.client, 'socket_error');
    const ack = await request(hugo.client, 'unsubscribe', { channels: ['matches', 'system'] });
    expect(ack).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN', message: expect.stringMatching(/system/) },
    });
    expect(await error).toMatchObject({ code: 'FORBIDDEN', event: 'unsubscribe' });
    expect(await request(hugo.client, 'get_preferences', {})).toMatchObject({
      channels: ['calendar', 'matches', 'training', 'system'],
    });
    expect(await request(hugo.client, 'subscribe', { channels: ['system'] })).toMatchObject({ ok: true });
  });
});
