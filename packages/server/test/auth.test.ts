import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../src/auth/tokens.js';
import { getUser } from './support/inspect.js';
import { request, startTestServer, TEST_JWT_SECRET, type TestServer } from './support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

async function refusal(token: string | undefined) {
  const error = await t.connect('mallory', token === undefined ? { token: '' } : { token }).then(
    () => {
      throw new Error('the handshake was accepted');
    },
    (err: Error & { data?: { code: string; message: string } }) => err,
  );
  return error.data;
}

describe('handshake authentication', () => {
  it('refuses each bad token with its own code while a good client keeps working', async () => {
    const good = await t.connect('alice');
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mallory')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const forged = (await signToken('some-other-secret-0123456789', 'mallory', { ttlSeconds: 60 })).token;

    const [missing, badSignature, garbage, tooOld] = await Promise.all([
      refusal(undefined),
      refusal(forged),
      refusal('not-a-jwt'),
      refusal(expired),
    ]);
    expect(missing?.code).toBe('AUTH_MISSING');
    expect(badSignature?.code).toBe('AUTH_INVALID');
    expect(garbage?.code).toBe('AUTH_INVALID');
    expect(tooOld?.code).toBe('AUTH_EXPIRED');
    expect(tooOld?.message).toMatch(/expired/i);

    expect(good.connected).toBe(true);
    const pong = await request(good, 'ping', {});
    expect(pong.ok).toBe(true);
  });

  it('refuses a token whose subject is not a valid user id', async () => {
    const noSubject = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    expect((await refusal(noSubject))?.code).toBe('AUTH_INVALID');
  });

  it('accepts only the user of the token in setup_user', async () => {
    const alice = await t.connect('alice');
    const mine = await request(alice, 'setup_user', { userId: 'alice', userInfo: { name: 'Alice' } });
    expect(mine).toEqual({
      ok: true,
      user: { id: 'alice', name: 'Alice' },
      settings: { hidePresence: false },
    });
    const other = await request(alice, 'setup_user', { userId: 'bob', userInfo: {} });
    expect(other).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await getUser(t.server.storage, 'bob')).toBeNull();
  });
});

describe('development tokens', () => {
  it('issues a token that the socket server accepts', async () => {
    const response = await t.server.app.inject({ method: 'GET', url: '/api/dev/token?userId=carol' });
    expect(response.statusCode).toBe(200);
    const { token, userId } = response.json<{ token: string; userId: string }>();
    expect(userId).toBe('carol');
    const carol = await t.connect('carol', { token });
    expect(carol.connected).toBe(true);
  });

  it('rejects a missing or malformed user id with VALIDATION_FAILED', async () => {
    for (const url of ['/api/dev/token', '/api/dev/token?userId=', '/api/dev/token?userId=a%20b']) {
      const response = await t.server.app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
  });

  it('does not exist in production', async () => {
    const prod = await startTestServer({ NODE_ENV: 'production', JWT_SECRET: TEST_JWT_SECRET });
    try {
      const response = await prod.server.app.inject({ method: 'GET', url: '/api/dev/token?userId=alice' });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    } finally {
      await prod.stop();
    }
  });
});

describe('token hygiene', () => {
  it('refuses anything but a compact JWS of bounded size with AUTH_INVALID, padded or not', async () => {
    const valid = await t.token('mallory');
    const padded = [
      `${valid}${' '.repeat(200 * 1024)}`,
      ` ${valid}`,
      `${valid}\n`,
      `${valid}\r\n`,
      `${valid}=`,
      `${valid}==`,
      valid.replace('.', '=.'),
      valid.replace('.', '.\t'),
      `${valid}.${valid}`,
      `${valid.split('.').slice(0, 2).join('.')}.${'A'.repeat(9000)}`,
    ];
    const codes = [];
    for (const token of padded) codes.push((await refusal(token))?.code);
    expect(codes).toEqual(padded.map(() => 'AUTH_INVALID'));
    expect((await t.connect('mallory', { token: valid })).connected).toBe(true);
  });
});
