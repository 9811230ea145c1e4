import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, signToken, VerifiedTokenCache } from '../src/auth/tokens.js';
import {
  collect,
  nextEvent,
  request,
  startTestServer,
  TEST_JWT_SECRET,
  type TestServer,
} from './support/server.js';

describe('verified token cache', () => {
  const verified = (userId: string, expiresAt?: number) => ({ userId, expiresAt });

  it('forgets a token when it expires, and after its maximum age', () => {
    let now = 1_000_000;
    const cache = new VerifiedTokenCache(10, 60_000, () => now);
    cache.set('short', verified('a', 1_010)); // expires at 1,010,000 ms
    cache.set('forever', verified('b'));
    now = 1_009_999;
    expect(cache.get('short')).toEqual(verified('a', 1_010));
    now = 1_010_000; // jose refuses a token from its exp second on
    expect(cache.get('short')).toBeUndefined();
    expect(cache.get('forever')).toEqual(verified('b'));
    now = 1_060_000;
    expect(cache.get('forever')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('never stores an expired token, and drops the least recently used one when full', () => {
    const now = 5_000_000;
    const cache = new VerifiedTokenCache(2, 60_000, () => now);
    cache.set('expired', verified('x', 5_000));
    expect(cache.size).toBe(0);
    cache.set('t1', verified('u1'));
    cache.set('t2', verified('u2'));
    expect(cache.get('t1')).toEqual(verified('u1')); // t2 is now the least recently used
    cache.set('t3', verified('u3'));
    expect(cache.size).toBe(2);
    expect(cache.get('t2')).toBeUndefined();
    expect(cache.get('t1')).toEqual(verified('u1'));
    expect(cache.get('t3')).toEqual(verified('u3'));
  });

  it('serves a repeated token from the cache and never caches a refusal', async () => {
    const cache = new VerifiedTokenCache();
    const verifier = createTokenVerifier(
      {
        jwtSecret: TEST_JWT_SECRET,
        jwksUrl: undefined,
        issuer: undefined,
        audience: undefined,
        devTokenTtlSeconds: 60,
      },
      cache,
    );
    const { token, expiresAt } = await signToken(TEST_JWT_SECRET, 'alice', { ttlSeconds: 60 });
    expect(await verifier.verify(token)).toEqual({ userId: 'alice', expiresAt });
    expect(cache.size).toBe(1);
    expect(await verifier.verify(token)).toEqual({ userId: 'alice', expiresAt });
    const forged = (await signToken('another-secret-0123456789', 'alice', { ttlSeconds: 60 })).token;
    await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'AUTH_INVALID' });
    await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'AUTH_INVALID' });
    expect(cache.size).toBe(1);
  });
});

describe('connection path', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.stop();
  });

  async function setUp(userId: string, deviceId: string) {
    const client = await t.connect(userId, { deviceId });
    const batches = collect(client, 'queued_messages');
    const notifications = collect(client, 'queued_notifications');
    const done = nextEvent(client, 'catch_up_complete');
    const notificationsDone = nextEvent(client, 'notifications_catch_up_complete');
    const ack = await request(client, 'setup_user', { userId, userInfo: {} });
    expect(ack.ok).toBe(true);
    const [complete, notificationsComplete] = await Promise.all([done, notificationsDone]);
    return { client, batches, notifications, complete, notificationsComplete };
  }

  it('refuses a cached token once it has expired', async () => {
    // Valid for 1-2 s (exp is in whole seconds): accepted (and cached) now, refused once expired.
    const { token, expiresAt } = await signToken(TEST_JWT_SECRET, 'tess', { ttlSeconds: 2 });
    const first = await t.connect('tess', { token });
    expect(first.connected).toBe(true);
    first.disconnect();
    await new Promise((resolve) => setTimeout(resolve, expiresAt * 1000 - Date.now() + 50));
    const error = await t.connect('tess', { token }).then(
      () => null,
      (err: Error & { data?: { code: string } }) => err.data,
    );
    expect(error?.code).toBe('AUTH_EXPIRED');
  });

  it('completes both catch-ups for a new device of a user without chats, and again when known', async () => {
    const fresh = await setUp('nina', 'nina-phone');
    expect(fresh.complete).toEqual({ messages: 0, cursors: [] });
    expect(fresh.notificationsComplete).toMatchObject({ notifications: 0, unreadCount: 0 });
    expect(fresh.notificationsComplete.channels).toContain('system');
    fresh.client.disconnect();

    const again = await setUp('nina', 'nina-phone');
    expect(again.complete).toEqual({ messages: 0, cursors: [] });
    expect(again.notificationsComplete).toEqual(fresh.notificationsComplete);
    expect(again.batches).toHaveLength(0);
    expect(again.notifications).toHaveLength(0);
  });

  it('gives a known device with nothing new its cursors, and queues only the chat with news', async () => {
    const first = await setUp('otto', 'otto-laptop');
    const dmP = await request(first.client, 'open_dm', { userId: 'pia' });
    const dmQ = await request(first.client, 'open_dm', { userId: 'quin' });
    if (!dmP.ok || !dmQ.ok) throw new Error('open_dm failed');
    const pia = await t.connect('pia');
    const quin = await t.connect('quin');
    await request(pia, 'send_message', { chatId: dmP.chat.id, text: 'p1', clientMessageId: 'p1' });
    await request(quin, 'send_message', { chatId: dmQ.chat.id, text: 'q1', clientMessageId: 'q1' });
    for (const chatId of [dmP.chat.id, dmQ.chat.id])
      await request(first.client, 'messages_received', { chatId, upToSeq: 1 });
    first.client.disconnect();

    const byChat = (a: { chatId: string }, b: { chatId: string }) => (a.chatId < b.chatId ? -1 : 1);
    const idle = await setUp('otto', 'otto-laptop');
    expect(idle.complete.messages).toBe(0);
    expect([...idle.complete.cursors].sort(byChat)).toEqual(
      [
        { chatId: dmP.chat.id, seq: 1 },
        { chatId: dmQ.chat.id, seq: 1 },
      ].sort(byChat),
    );
    expect(idle.batches).toHaveLength(0);
    idle.client.disconnect();

    // News in one chat only: just that is queued; the cursors still name both chats.
    await request(quin, 'send_message', { chatId: dmQ.chat.id, text: 'q2', clientMessageId: 'q2' });
    const back = await setUp('otto', 'otto-laptop');
    expect(back.batches.flat().map((m) => m.text)).toEqual(['q2']);
    expect(back.complete.messages).toBe(1);
    expect(back.complete.cursors).toHaveLength(2);

    // A second device of the user starts from now: cursors at each chat's end, nothing queued.
    const tablet = await setUp('otto', 'otto-tablet');
    expect(tablet.batches).toHaveLength(0);
    expect([...tablet.complete.cursors].sort(byChat)).toEqual(
      [
        { chatId: dmP.chat.id, seq: 1 },
        { chatId: dmQ.chat.id, seq: 2 },
      ].sort(byChat),
    );
  });
});
