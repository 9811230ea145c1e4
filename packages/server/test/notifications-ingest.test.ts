import { forEachDialect } from '@mpi/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countRows,
  NEXT_SECRET,
  type NotifyServer,
  SECRET,
  settle,
  startNotifyServer,
} from './support/notifications.js';

const maintenance = {
  type: 'system:maintenance',
  payload: { message: 'The platform is down for maintenance at 22:00.' },
  audience: { everyone: true },
};

describe('the signed ingestion API rejects bad requests and stores nothing', () => {
  let t: NotifyServer;
  let watcher: Awaited<ReturnType<NotifyServer['online']>>;
  beforeAll(async () => {
    t = await startNotifyServer();
    watcher = await t.online('watcher');
  });
  afterAll(async () => {
    await t.stop();
  });

  const snapshot = async () => ({
    received: watcher.received.length,
    notifications: await countRows(t.databaseUrl, 'notifications'),
    deliveries: await countRows(t.databaseUrl, 'ingest_deliveries'),
  });

  it('accepts a signed notification, answers 201 and delivers the spec payload', async () => {
    const response = await t.notify(maintenance);
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      id: expect.any(String),
      seq: expect.any(Number),
      type: 'system:maintenance',
      channel: 'system',
      recipientCount: null,
      reminders: { scheduled: 0, cancelled: 0 },
    });
    await settle();
    expect(watcher.received).toEqual([
      {
        event: 'system:maintenance',
        payload: { message: maintenance.payload.message, id: response.body?.id },
        meta: {
          id: response.body?.id,
          seq: response.body?.seq,
          channel: 'system',
          createdAt: expect.any(String),
        },
      },
    ]);
  });

  const stale = 6 * 60 * 1000;
  const cases: Array<[string, () => ReturnType<NotifyServer['call']>, number, string]> = [
    [
      'a zero signature',
      () => t.notify(maintenance, { headers: { 'x-mpi-signature': `v1=${'0'.repeat(64)}` } }),
      401,
      'SIGNATURE_INVALID',
    ],
    ['no signature', () => t.notify(maintenance, { unsigned: true }), 401, 'SIGNATURE_MISSING'],
    [
      'a signature made with another secret',
      () => t.notify(maintenance, { secret: 'some-other-secret-0123456789abcdef-000' }),
      401,
      'SIGNATURE_INVALID',
    ],
    [
      'a malformed signature header',
      () => t.notify(maintenance, { headers: { 'x-mpi-signature': 'v1=not-hex' } }),
      401,
      'SIGNATURE_INVALID',
    ],
    [
      'a body changed after signing',
      () =>
        t.notify(maintenance, { signedBody: JSON.stringify({ ...maintenance, audience: { users: ['x'] } }) }),
      401,
      'SIGNATURE_INVALID',
    ],
    [
      'a timestamp 6 minutes old',
      () => t.notify(maintenance, { timestampMs: Date.now() - stale }),
      401,
      'SIGNATURE_STALE',
    ],
    [
      'a timestamp 6 minutes ahead',
      () => t.notify(maintenance, { timestampMs: Date.now() + stale }),
      401,
      'SIGNATURE_STALE',
    ],
    [
      'a body over 64 KiB',
      () => t.notify({ ...maintenance, payload: { message: 'x'.repeat(70 * 1024) } }),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    ['a body that is not JSON', () => t.notify('{"type": "system:maint'), 400, 'INVALID_JSON'],
    [
      'a text/plain body',
      () => t.notify(maintenance, { headers: { 'content-type': 'text/plain' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a form body',
      () => t.notify(maintenance, { headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['an unknown type', () => t.notify({ ...maintenance, type: 'system:gossip' }), 400, 'VALIDATION_FAILED'],
    [
      'a payload that does not match its type',
      () => t.notify({ ...maintenance, type: 'match:scheduled' }),
      400,
      'VALIDATION_FAILED',
    ],
    ['an unknown field', () => t.notify({ ...maintenance, priority: 'high' }), 400, 'VALIDATION_FAILED'],
    [
      'an empty audience',
      () => t.notify({ ...maintenance, audience: { users: [] } }),
      400,
      'VALIDATION_FAILED',
    ],
    ['no delivery id', () => t.notify(maintenance, { deliveryId: null }), 400, 'VALIDATION_FAILED'],
    [
      'an audience group that does not exist',
      () => t.notify({ ...maintenance, audience: { groups: ['no-such-team'] } }),
      404,
      'GROUP_NOT_FOUND',
    ],
  ];

  it.each(cases)('refuses %s', async (_name, send, status, code) => {
    const before = await snapshot();
    const response = await send();
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ error: { code, message: expect.any(String) } });
    await settle();
    expect(await snapshot()).toEqual(before);
  });

  it('accepts either of two configured secrets (rotation)', async () => {
    const rotating = await startNotifyServer({ env: { NOTIFY_SIGNING_SECRETS: `${SECRET},${NEXT_SECRET}` } });
    try {
      expect((await rotating.notify(maintenance, { secret: SECRET })).status).toBe(201);
      expect((await rotating.notify(maintenance, { secret: NEXT_SECRET })).status).toBe(201);
      expect((await t.notify(maintenance, { secret: NEXT_SECRET })).status).toBe(401);
    } finally {
      await rotating.stop();
    }
  });

  it('answers 503 when no signing secret is configured', async () => {
    const disabled = await startNotifyServer({ env: { NOTIFY_SIGNING_SECRETS: '' } });
    try {
      const response = await disabled.notify(maintenance);
      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({ error: { code: 'UNAVAILABLE' } });
    } finally {
      await disabled.stop();
    }
  });

  it('delivers a generic webhook as webhook:notification { type, title, message }', async () => {
    const response = await t.call('POST', '/api/v1/webhooks/payments', {
      type: 'invoice.paid',
      title: 'Membership fee',
      message: 'Your membership fee for 2031 was received.',
      audience: { users: ['watcher'] },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      type: 'webhook:notification',
      channel: 'system',
      recipientCount: 1,
    });
    await settle();
    expect(watcher.received.at(-1)).toMatchObject({
      event: 'webhook:notification',
      payload: {
        type: 'invoice.paid',
        title: 'Membership fee',
        message: 'Your membership fee for 2031 was received.',
      },
    });
    expect(Object.keys(watcher.received.at(-1)?.payload as object).sort()).toEqual([
      'message',
      'title',
      'type',
    ]);
  });
});

forEachDialect('delivery ids on %s', (db) => {
  let t: NotifyServer;
  let watcher: Awaited<ReturnType<NotifyServer['online']>>;
  beforeAll(async () => {
    t = await startNotifyServer({ databaseUrl: db.url() });
    watcher = await t.online(`watcher-${db.label}`);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('answers a replayed delivery id with the original result and creates nothing', async () => {
    const first = await t.notify(maintenance, { deliveryId: 'delivery-1' });
    expect(first.status).toBe(201);
    await settle();
    const rows = await countRows(t.databaseUrl, 'notifications');
    const delivered = watcher.received.length;

    for (const attempt of [1, 2]) {
      const replay = await t.notify(maintenance, { deliveryId: 'delivery-1' });
      expect(replay.status, `replay ${attempt}`).toBe(201);
      expect(replay.body).toEqual(first.body);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
    }
    await settle();
    expect(await countRows(t.databaseUrl, 'notifications')).toBe(rows);
    expect(watcher.received).toHaveLength(delivered);
  });

  it('stores one notification when the same delivery races itself', async () => {
    const before = await countRows(t.databaseUrl, 'notifications');
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => t.notify(maintenance, { deliveryId: 'delivery-race' })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201));
    expect(new Set(answers.map((a) => a.body?.id)).size).toBe(1);
    await settle();
    expect(await countRows(t.databaseUrl, 'notifications')).toBe(before + 1);
    expect(watcher.received.filter((r) => r.meta.id === answers[0]?.body?.id)).toHaveLength(1);
  });

  it('refuses a delivery id reused for a different request', async () => {
    expect((await t.notify(maintenance, { deliveryId: 'delivery-2' })).status).toBe(201);
    const before = await countRows(t.databaseUrl, 'notifications');
    const other = { ...maintenance, payload: { message: 'Something else' } };
    const response = await t.notify(other, { deliveryId: 'delivery-2' });
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ error: { code: 'DELIVERY_ID_REUSED' } });
    expect(await countRows(t.databaseUrl, 'notifications')).toBe(before);
  });
});
