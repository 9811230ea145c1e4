import { forEachDialect, sleep, waitFor } from '@mpi/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { countRows, match, type NotifyServer, startNotifyServer } from './support/notifications.js';
import { type PushService, startPushService } from './support/push-service.js';
import { request, type TestClient } from './support/server.js';

const startsAt = () => new Date(Date.now() + 7 * 24 * 3600_000).toISOString();

/** Time for a push that should not come to show up if it were sent anyway. */
const QUIET_MS = 400;

forEachDialect('Web Push on %s', (db) => {
  let push: PushService;
  let t: NotifyServer;
  let publicKey: string;
  beforeAll(async () => {
    push = await startPushService();
    t = await startNotifyServer({
      databaseUrl: db.url(),
      env: { WEB_PUSH_ENDPOINT_HOSTS: '127.0.0.1', VAPID_SUBJECT: 'mailto:ops@club.example' },
      pushAgent: push.agent,
    });
    const probe = await t.connect('probe');
    const config = await request(probe, 'get_push_config', {});
    if (!config.ok || config.publicKey === null) throw new Error('push is off');
    publicKey = config.publicKey;
    probe.disconnect();
  });
  afterAll(async () => {
    await t?.stop();
    await push?.stop();
  });

  /** A device that turned notifications on, then closed its last tab (disconnected). */
  async function subscribedThenClosed(userId: string, deviceId: string, name = deviceId) {
    const client = await t.connect(userId, deviceId);
    const ack = await request(client, 'register_push_subscription', { subscription: push.subscribe(name) });
    expect(ack).toEqual({ ok: true });
    client.disconnect();
    await expect
      .poll(async () => (await t.server.io.in(`user:${userId}`).fetchSockets()).length, { timeout: 2000 })
      .toBe(0);
  }

  async function dm(sender: TestClient, other: string): Promise<string> {
    const ack = await request(sender, 'open_dm', { userId: other });
    if (!ack.ok) throw new Error(ack.error.message);
    return ack.chat.id;
  }

  it('gives the VAPID public key, and refuses bad subscriptions with typed errors, storing nothing', async () => {
    expect(publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
    const client = await t.connect('mallory', 'mallory-laptop');
    const before = await countRows(db.url(), 'push_subscriptions');
    const good = push.subscribe('mallory');
    for (const [payload, code] of [
      [{ subscription: { ...good, endpoint: 'http://127.0.0.1/push/x' } }, 'VALIDATION_FAILED'],
      [{ subscription: { ...good, keys: { p256dh: 'short', auth: good.keys.auth } } }, 'VALIDATION_FAILED'],
      [{ subscription: good, extra: 1 }, 'VALIDATION_FAILED'],
      // The server would POST to it: only push services of WEB_PUSH_ENDPOINT_HOSTS are accepted.
      [
        { subscription: { ...good, endpoint: 'https://169.254.169.254/latest/meta-data' } },
        'PUSH_ENDPOINT_NOT_ALLOWED',
      ],
      [
        { subscription: { ...good, endpoint: 'https://127.0.0.1.evil.example/push' } },
        'PUSH_ENDPOINT_NOT_ALLOWED',
      ],
    ] as const) {
      const ack = await request(client, 'register_push_subscription', payload as never);
      expect(ack.ok ? 'ok' : ack.error.code).toBe(code);
    }
    expect(await countRows(db.url(), 'push_subscriptions')).toBe(before);
  });

  it('pushes a new message to the devices that are not connected, encrypted and VAPID-signed', async () => {
    await subscribedThenClosed('bea', 'bea-phone');
    await subscribedThenClosed('bea', 'bea-laptop');
    // The sender's own closed devices get nothing for their own message.
    await subscribedThenClosed('abe', 'abe-phone');
    // Bea's laptop opens again: only the phone is without a connection now.
    const laptop = await t.connect('bea', 'bea-laptop');
    const abe = await t.connect('abe', 'abe-desk');
    const chatId = await dm(abe, 'bea');
    const sent = await request(abe, 'send_message', {
      chatId,
      text: 'Kick-off moved to 15:00',
      clientMessageId: 'p1',
    });
    expect(sent.ok).toBe(true);
    await waitFor(() => push.pushesFor('bea-phone').length === 1, 5000);
    const [received] = push.pushesFor('bea-phone');
    expect(received?.message).toEqual({
      kind: 'message',
      message: sent.ok ? sent.message : null,
      chat: { type: 'dm', name: null },
    });
    expect(received?.vapidKey).toBe(publicKey);
    expect(received?.subject).toBe('mailto:ops@club.example');
    expect(received?.ttl).toBe(86_400);
    expect(received?.urgency).toBe('high');
    expect(received?.topic).toMatch(/^[A-Za-z0-9_-]{32}$/);

    // A retry of the same message (same clientMessageId) is no new message: no second push.
    await request(abe, 'send_message', { chatId, text: 'Kick-off moved to 15:00', clientMessageId: 'p1' });
    await sleep(QUIET_MS);
    expect(push.pushesFor('bea-phone')).toHaveLength(1);
    expect(push.pushesFor('bea-laptop')).toEqual([]);
    expect(push.pushesFor('abe-phone')).toEqual([]);
    expect(push.refused).toEqual([]);
    laptop.disconnect();
    abe.disconnect();
  });

  it('long texts are cut for the push; a group push names the group', async () => {
    await subscribedThenClosed('cleo', 'cleo-phone');
    const coach = await t.connect('coach', 'coach-desk');
    const group = await request(coach, 'create_group', { name: 'U12 parents', members: ['cleo'] });
    if (!group.ok) throw new Error(group.error.message);
    const text = 'x'.repeat(4000);
    await request(coach, 'send_message', { chatId: group.chat.id, text, clientMessageId: 'g1' });
    await waitFor(() => push.pushesFor('cleo-phone').length === 1, 5000);
    const message = push.pushesFor('cleo-phone')[0]?.message;
    expect(message?.kind === 'message' && message.chat).toEqual({ type: 'group', name: 'U12 parents' });
    expect(message?.kind === 'message' && message.message.text.length).toBe(1000);
    coach.disconnect();
  });

  it('pushes nothing for the messages of a chat the member muted, but pushes a mention in it', async () => {
    const dora = await t.connect('dora', 'dora-laptop');
    const emil = await t.connect('emil', 'emil-desk');
    const chatId = await dm(emil, 'dora');
    expect(await request(dora, 'set_chat_muted', { chatId, muted: true })).toMatchObject({ ok: true });
    dora.disconnect();
    await subscribedThenClosed('dora', 'dora-phone');
    await request(emil, 'send_message', { chatId, text: 'just chatting', clientMessageId: 'm-1' });
    await sleep(QUIET_MS);
    expect(push.pushesFor('dora-phone')).toEqual([]);
    await request(emil, 'send_message', {
      chatId,
      text: '@dora can you drive?',
      clientMessageId: 'm-2',
      mentions: ['dora'],
    });
    await waitFor(() => push.pushesFor('dora-phone').length === 1, 5000);
    expect(push.pushesFor('dora-phone')[0]?.message).toMatchObject({
      kind: 'notification',
      item: { event: 'chat:mention', payload: { text: '@dora can you drive?' } },
    });
    emil.disconnect();
  });

  it('pushes notifications to closed devices, respecting channel consent, for users and everyone', async () => {
    await subscribedThenClosed('dani', 'dani-phone');
    await subscribedThenClosed('eli', 'eli-phone');
    // Eli turns match notifications off (on another device, then closes it too).
    const eli = await t.connect('eli', 'eli-tablet');
    expect((await request(eli, 'unsubscribe', { channels: ['matches'] })).ok).toBe(true);
    eli.disconnect();

    const direct = await t.notify({
      type: 'match:scheduled',
      payload: match('m-push', startsAt()),
      audience: { users: ['dani', 'eli'] },
    });
    expect(direct.status).toBe(201);
    const broadcast = await t.notify({
      type: 'match:scheduled',
      payload: match('m-all', startsAt()),
      audience: { everyone: true },
    });
    expect(broadcast.status).toBe(201);
    const maintenance = await t.notify({
      type: 'system:maintenance',
      payload: { message: 'Tonight 22:00' },
      audience: { everyone: true },
    });
    expect(maintenance.status).toBe(201);
    await waitFor(
      () => push.pushesFor('dani-phone').length === 3 && push.pushesFor('eli-phone').length === 1,
      5000,
    );
    await sleep(QUIET_MS);
    const items = (name: string) =>
      push
        .pushesFor(name)
        .map((p) => (p.message.kind === 'notification' ? [p.message.item.event, p.message.item.id] : null));
    expect(items('dani-phone')).toEqual(
      expect.arrayContaining([
        ['match:scheduled', direct.body?.id],
        ['match:scheduled', broadcast.body?.id],
        ['system:maintenance', maintenance.body?.id],
      ]),
    );
    // Eli opted out of matches: only the (mandatory) system notice.
    expect(items('eli-phone')).toEqual([['system:maintenance', maintenance.body?.id]]);
    const first = push
      .pushesFor('dani-phone')
      .find((p) => p.message.kind === 'notification' && p.message.item.id === direct.body?.id);
    expect(first?.message).toMatchObject({
      kind: 'notification',
      item: {
        event: 'match:scheduled',
        channel: 'matches',
        payload: { action: 'scheduled', match: { id: 'm-push' } },
      },
    });
  });

  it('forgets a subscription the push service says is gone (410); a device can turn push off', async () => {
    await subscribedThenClosed('finn', 'finn-phone');
    await subscribedThenClosed('finn', 'finn-laptop');
    const rows = await countRows(db.url(), 'push_subscriptions');
    push.expire('finn-phone');
    const sam = await t.connect('sam', 'sam-desk');
    const chatId = await dm(sam, 'finn');
    await request(sam, 'send_message', { chatId, text: 'first', clientMessageId: 'f1' });
    await waitFor(() => push.pushesFor('finn-laptop').length === 1, 5000);
    await expect.poll(() => countRows(db.url(), 'push_subscriptions'), { timeout: 5000 }).toBe(rows - 1);

    // The laptop turns notifications off: nothing more is pushed anywhere.
    const laptop = await t.connect('finn', 'finn-laptop');
    const endpoint = `${push.origin}/push/finn-laptop`;
    expect(await request(laptop, 'unregister_push_subscription', { endpoint })).toEqual({ ok: true });
    laptop.disconnect();
    expect(await countRows(db.url(), 'push_subscriptions')).toBe(rows - 2);
    await request(sam, 'send_message', { chatId, text: 'second', clientMessageId: 'f2' });
    await sleep(QUIET_MS);
    expect(push.pushesFor('finn-laptop')).toHaveLength(1);
    expect(push.pushesFor('finn-phone')).toEqual([]);
    sam.disconnect();
  });

  it('a new subscription of a device replaces its old one; an endpoint moves to the user signed in now', async () => {
    const before = await countRows(db.url(), 'push_subscriptions');
    await subscribedThenClosed('gus', 'gus-phone', 'gus-phone-1');
    await subscribedThenClosed('gus', 'gus-phone', 'gus-phone-2');
    expect(await countRows(db.url(), 'push_subscriptions')).toBe(before + 1);
    // The same browser profile signs in as someone else and subscribes again with the same endpoint.
    const other = await t.connect('hal', 'hal-phone');
    const again = push.subscribe('gus-phone-2');
    expect((await request(other, 'register_push_subscription', { subscription: again })).ok).toBe(true);
    other.disconnect();
    expect(await countRows(db.url(), 'push_subscriptions')).toBe(before + 1);
    const sam = await t.connect('sam2', 'sam2-desk');
    await request(sam, 'send_message', {
      chatId: await dm(sam, 'gus'),
      text: 'for gus',
      clientMessageId: 'g1',
    });
    await request(sam, 'send_message', {
      chatId: await dm(sam, 'hal'),
      text: 'for hal',
      clientMessageId: 'h1',
    });
    await waitFor(() => push.pushesFor('gus-phone-2').length === 1, 5000);
    await sleep(QUIET_MS);
    const texts = push
      .pushesFor('gus-phone-2')
      .map((p) => (p.message.kind === 'message' ? p.message.message.text : ''));
    expect(texts).toEqual(['for hal']);
    expect(push.pushesFor('gus-phone-1')).toEqual([]);
    sam.disconnect();
  });
});

describe('Web Push settings', () => {
  it('is off without configuration in production, and refused there when asked for without keys', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: 'a-production-secret-0123456789' };
    expect(loadConfig(production).push.enabled).toBe(false);
    expect(() => loadConfig({ ...production, WEB_PUSH: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...production, WEB_PUSH: 'true' })).toThrow(
      /VAPID_PUBLIC_KEY: is required in production/,
    );
    const keys = {
      VAPID_PUBLIC_KEY:
        'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
      VAPID_PRIVATE_KEY: 'tUxbf-ToKCWOpjNK6ZAlzqbGJDTl9KQPW1wuBm7Qs4Q',
    };
    expect(() => loadConfig({ ...production, ...keys })).toThrow(/VAPID_SUBJECT: is required in production/);
    const configured = loadConfig({ ...production, ...keys, VAPID_SUBJECT: 'https://club.example/contact' });
    expect(configured.push).toMatchObject({ enabled: true, vapid: { publicKey: keys.VAPID_PUBLIC_KEY } });
    expect(() => loadConfig({ VAPID_PUBLIC_KEY: keys.VAPID_PUBLIC_KEY })).toThrow(/VAPID_PRIVATE_KEY/);
  });

  it('outside production, on with a generated key pair; WEB_PUSH=false turns it off (PUSH_DISABLED)', async () => {
    expect(loadConfig({}).push).toMatchObject({ enabled: true, vapid: undefined });
    const off = await startNotifyServer({ env: { WEB_PUSH: 'false' } });
    try {
      const client = await off.connect('ida');
      expect(await request(client, 'get_push_config', {})).toEqual({ ok: true, publicKey: null });
      const ack = await request(client, 'register_push_subscription', {
        subscription: {
          endpoint: 'https://fcm.googleapis.com/fcm/send/x',
          keys: { p256dh: `B${'A'.repeat(86)}`, auth: 'A'.repeat(22) },
        },
      });
      expect(ack.ok ? 'ok' : ack.error.code).toBe('PUSH_DISABLED');
    } finally {
      await off.stop();
    }
  });
});
