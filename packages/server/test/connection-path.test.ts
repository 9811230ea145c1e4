import { createHmac } from 'node:crypto';
import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, signToken, VerifiedTokenCache, verifyPlainHs256 } from '../src/auth/tokens.js';
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
    const cache = new VerifiedTokenCache(10_000, 60_000, () => now);
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
    // Room for two entries of ~204 bytes each (see the cache's estimate), not three.
    const cache = new VerifiedTokenCache(450, 60_000, () => now);
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
    expect(await verifier.verify(token)).toEqual({ userId: 'alice', expiresAt, issuedAt: expiresAt - 60 });
    expect(cache.size).toBe(1);
    expect(await verifier.verify(token)).toEqual({ userId: 'alice', expiresAt, issuedAt: expiresAt - 60 });
    const forged = (await signToken('another-secret-0123456789', 'alice', { ttlSeconds: 60 })).token;
    await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'AUTH_INVALID' });
    await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'AUTH_INVALID' });
    expect(cache.size).toBe(1);
  });
});

describe('HS256 without WebCrypto', () => {
  const secret = TEST_JWT_SECRET;
  const now = Math.floor(Date.now() / 1000);
  const b64 = (value: unknown) =>
    Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  /** A token with any header and payload, signed with HMAC-SHA256 (or `alg`'s hash) by hand. */
  const craft = (header: unknown, payload: unknown, key = secret, hash = 'sha256') => {
    const input = `${b64(header)}.${b64(payload)}`;
    return `${input}.${createHmac(hash, key).update(input).digest('base64url')}`;
  };
  const hs256 = { alg: 'HS256' };
  const cases: Array<[string, string]> = [
    ['plain', craft(hs256, { sub: 'ann', exp: now + 60 })],
    ['with typ and iat', craft({ alg: 'HS256', typ: 'JWT' }, { sub: 'ann', iat: now, exp: now + 60 })],
    ['without exp', craft(hs256, { sub: 'ann' })],
    ['expired', craft(hs256, { sub: 'ann', exp: now - 1 })],
    ['expiring this second', craft(hs256, { sub: 'ann', exp: now })],
    ['not yet valid', craft(hs256, { sub: 'ann', nbf: now + 60, exp: now + 120 })],
    ['valid since', craft(hs256, { sub: 'ann', nbf: now - 5, exp: now + 60 })],
    ['iat not a number', craft(hs256, { sub: 'ann', iat: 'yesterday', exp: now + 60 })],
    ['exp not a number', craft(hs256, { sub: 'ann', exp: String(now + 60) })],
    ['exp null', craft(hs256, { sub: 'ann', exp: null })],
    ['forged', craft(hs256, { sub: 'ann', exp: now + 60 }, 'another-secret-0123456789')],
    ['HS512', craft({ alg: 'HS512' }, { sub: 'ann', exp: now + 60 }, secret, 'sha512')],
    ['none', `${b64({ alg: 'none' })}.${b64({ sub: 'ann' })}.`],
    ['crit', craft({ alg: 'HS256', crit: ['exp'] }, { sub: 'ann', exp: now + 60 })],
    ['unencoded payload', craft({ alg: 'HS256', crit: ['b64'], b64: false }, { sub: 'ann' })],
    ['array claims', craft(hs256, ['ann'])],
    ['array header', craft(['HS256'], { sub: 'ann' })],
    ['not JSON', craft(hs256, 'ann')],
    ['two parts', `${b64(hs256)}.${b64({ sub: 'ann' })}`],
    ['padding', `${craft(hs256, { sub: 'ann', exp: now + 60 })}=`],
  ];

  it('accepts only what jose accepts, with the same claims, and leaves the rest to jose', async () => {
    const key = new TextEncoder().encode(secret);
    const verifier = createTokenVerifier(
      {
        jwtSecret: secret,
        jwksUrl: undefined,
        issuer: undefined,
        audience: undefined,
        devTokenTtlSeconds: 60,
      },
      new VerifiedTokenCache(0),
    );
    for (const [name, token] of cases) {
      const jose = await jwtVerify(token, key, { algorithms: ['HS256'] }).then(
        (result) => ({ ok: true as const, payload: result.payload }),
        (error: Error & { code?: string }) => ({ ok: false as const, code: error.code }),
      );
      const fast = verifyPlainHs256(token, Buffer.from(secret), {});
      if (fast !== undefined) expect({ name, ok: jose.ok }).toEqual({ name, ok: true });
      if (jose.ok && fast !== undefined) expect(fast).toEqual(jose.payload);
      const ours = await verifier.verify(token).then(
        (verified) => ({ ok: true as const, verified }),
        (error: { code: string }) => ({ ok: false as const, code: error.code }),
      );
      // jose skips `=` padding and whitespace; the verifier refuses anything but a compact JWS first.
      const compact = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
      expect({ name, ok: ours.ok }).toEqual({ name, ok: jose.ok && compact });
      if (!ours.ok && !compact) expect({ name, code: ours.code }).toEqual({ name, code: 'AUTH_INVALID' });
      else if (!ours.ok && !jose.ok)
        expect({ name, code: ours.code }).toEqual({
          name,
          code: jose.code === 'ERR_JWT_EXPIRED' ? 'AUTH_EXPIRED' : 'AUTH_INVALID',
        });
    }
    expect(verifyPlainHs256(cases[0]?.[1] ?? '', Buffer.from(secret), {})).toMatchObject({ sub: 'ann' });
  });

  it('checks iss and aud as jose does', () => {
    const options = { issuer: 'mpi', audience: 'realtime' };
    const claims = { sub: 'ann', exp: now + 60 };
    const check = (payload: object) => verifyPlainHs256(craft(hs256, payload), Buffer.from(secret), options);
    expect(check({ ...claims, iss: 'mpi', aud: 'realtime' })).toBeDefined();
    expect(check({ ...claims, iss: 'mpi', aud: ['web', 'realtime'] })).toBeDefined();
    expect(check({ ...claims, iss: 'other', aud: 'realtime' })).toBeUndefined();
    expect(check({ ...claims, iss: 'mpi', aud: 'web' })).toBeUndefined();
    expect(check({ ...claims, aud: 'realtime' })).toBeUndefined();
    expect(check({ ...claims, iss: 'mpi' })).toBeUndefined();
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
    expect(fresh.complete).toEqual({ messages: 0, cursors: [], updates: 0, versions: [] });
    expect(fresh.notificationsComplete).toMatchObject({ notifications: 0, unreadCount: 0 });
    expect(fresh.notificationsComplete.channels).toContain('system');
    fresh.client.disconnect();

    const again = await setUp('nina', 'nina-phone');
    expect(again.complete).toEqual({ messages: 0, cursors: [], updates: 0, versions: [] });
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
