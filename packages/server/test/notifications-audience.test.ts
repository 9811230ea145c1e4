import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, match, type NotifyServer, settle, startNotifyServer } from './support/notifications.js';
import { request } from './support/server.js';

let t: NotifyServer;
beforeAll(async () => {
  t = await startNotifyServer();
});
afterAll(async () => {
  await t.stop();
});

const notice = (message: string, audience: object) => ({
  type: 'system:update',
  payload: { message },
  audience,
});

const eventsOf = (received: Array<{ payload: unknown }>) =>
  received.map((r) => (r.payload as { message?: string }).message);

describe('audiences', () => {
  it('delivers to the listed users only, on every device', async () => {
    const alicePhone = await t.online('alice', 'alice-phone');
    const aliceLaptop = await t.online('alice', 'alice-laptop');
    const bob = await t.online('bob');
    const carol = await t.online('carol');
    const response = await t.notify(notice('for alice and bob', { users: ['alice', 'bob', 'alice'] }));
    expect(response.body).toMatchObject({ recipientCount: 2 });
    await settle();
    expect(eventsOf(alicePhone.received)).toEqual(['for alice and bob']);
    expect(eventsOf(aliceLaptop.received)).toEqual(['for alice and bob']);
    expect(eventsOf(bob.received)).toEqual(['for alice and bob']);
    expect(carol.received).toEqual([]);
    const inbox = await request(carol.client, 'list_notifications', {});
    expect(inbox).toMatchObject({ ok: true, notifications: [], unreadCount: 0 });
  });

  it('manages groups through the API and delivers to their members', async () => {
    const put = await t.call('PUT', '/api/v1/groups/team-1/members', { members: ['dora', 'emil'] });
    expect(put).toMatchObject({ status: 200, body: { groupId: 'team-1', members: ['dora', 'emil'] } });
    const patch = await t.call('PATCH', '/api/v1/groups/team-1/members', { add: ['fred'], remove: ['emil'] });
    expect(patch.body).toEqual({ groupId: 'team-1', members: ['dora', 'fred'] });
    expect((await t.call('GET', '/api/v1/groups/team-1/members')).body).toEqual(patch.body);
    await t.call('PUT', '/api/v1/groups/team-2/members', { members: ['fred', 'gina'] });

    const [dora, emil, fred, gina] = await Promise.all(
      ['dora', 'emil', 'fred', 'gina'].map((u) => t.online(u)),
    );
    const response = await t.notify(notice('team news', { groups: ['team-1', 'team-2'] }));
    expect(response.body).toMatchObject({ recipientCount: 3 });
    await settle();
    expect(eventsOf(dora?.received ?? [])).toEqual(['team news']);
    expect(eventsOf(fred?.received ?? [])).toEqual(['team news']); // in both groups, gets it once
    expect(eventsOf(gina?.received ?? [])).toEqual(['team news']);
    expect(emil?.received).toEqual([]);
  });

  it('deletes groups; a replayed delete answers the same', async () => {
    await t.call('PUT', '/api/v1/groups/team-x/members', { members: ['hana'] });
    const deleted = await t.call('DELETE', '/api/v1/groups/team-x', undefined, { deliveryId: 'del-team-x' });
    expect(deleted.status).toBe(204);
    const again = await t.call('DELETE', '/api/v1/groups/team-x', undefined, { deliveryId: 'del-team-x' });
    expect(again.status).toBe(204);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const gone = await t.call('GET', '/api/v1/groups/team-x/members');
    expect(gone).toMatchObject({ status: 404, body: { error: { code: 'GROUP_NOT_FOUND' } } });
    expect((await t.call('DELETE', '/api/v1/groups/team-x')).status).toBe(404);
    const unsigned = await t.call('GET', '/api/v1/groups/team-1/members', undefined, { unsigned: true });
    expect(unsigned.status).toBe(401);
  });

  it('stores an everyone notification once and keeps read marks per user', async () => {
    const ivan = await t.online('ivan');
    const jana = await t.online('jana');
    const rows = await countRows(t.databaseUrl, 'notifications');
    const recipients = await countRows(t.databaseUrl, 'notification_recipients');
    const response = await t.notify(notice('for everyone', { everyone: true }));
    await settle();
    expect(await countRows(t.databaseUrl, 'notifications')).toBe(rows + 1);
    expect(await countRows(t.databaseUrl, 'notification_recipients')).toBe(recipients);
    expect(eventsOf(ivan.received)).toEqual(['for everyone']);
    expect(eventsOf(jana.received)).toEqual(['for everyone']);

    const id = response.body?.id as string;
    expect(await request(ivan.client, 'mark_notifications_read', { ids: [id] })).toEqual({
      ok: true,
      unreadCount: 0,
    });
    const ivanInbox = await request(ivan.client, 'list_notifications', {});
    const janaInbox = await request(jana.client, 'list_notifications', {});
    expect(ivanInbox).toMatchObject({ ok: true, unreadCount: 0, notifications: [{ id, read: true }] });
    expect(janaInbox).toMatchObject({ ok: true, unreadCount: 1, notifications: [{ id, read: false }] });
  });
});

describe('payloads are the spec shapes exactly', () => {
  const startsAt = new Date(Date.now() + 3 * 24 * 3600_000).toISOString();
  const event = { id: 'ev-1', title: 'Club assembly', startsAt, location: 'Clubhouse' };
  const game = match('m-1', startsAt, { competition: 'League' });
  const training = { id: 'tr-1', title: 'Sprint drills', startsAt, coach: 'Kim' };
  const cases: Array<[string, object, object]> = [
    ['calendar:event-created', event, { event, action: 'created' }],
    ['calendar:event-updated', event, { event, action: 'updated' }],
    ['calendar:event-cancelled', event, { event, action: 'cancelled' }],
    ['match:scheduled', game, { match: game, action: 'scheduled' }],
    ['match:updated', game, { match: game, action: 'updated' }],
    ['match:cancelled', game, { match: game, action: 'cancelled' }],
    ['training:scheduled', training, { training, action: 'scheduled' }],
  ];

  it.each(cases)('%s', async (type, payload, expected) => {
    const kim = await t.online(`kim-${type.replace(':', '-')}`);
    const response = await t.notify({ type, payload, audience: { everyone: true } });
    expect(response.status).toBe(201);
    await settle();
    expect(kim.received).toEqual([
      {
        event: type,
        payload: expected,
        meta: {
          id: response.body?.id,
          seq: response.body?.seq,
          channel: response.body?.channel,
          createdAt: response.body?.createdAt,
        },
      },
    ]);
    const inbox = await request(kim.client, 'list_notifications', { limit: 1 });
    expect(inbox).toMatchObject({
      ok: true,
      notifications: [{ event: type, payload: expected, read: false }],
    });
    kim.client.disconnect();
  });
});
