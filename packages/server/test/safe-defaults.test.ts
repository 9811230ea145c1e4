import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { startTestServer, TEST_JWT_SECRET } from './support/server.js';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

/** An address of this machine that is not loopback, if it has one. */
const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((info) => info && info.family === 'IPv4' && !info.internal)?.address;

describe('development tokens', () => {
  it('are minted for loopback callers only, even on 0.0.0.0', async () => {
    const t = await startTestServer({ HOST: '0.0.0.0', NODE_ENV: 'development' });
    try {
      const local = await fetch(`http://127.0.0.1:${new URL(t.url).port}/api/dev/token?userId=alice`);
      expect(local.status).toBe(200);
      const remote = await t.server.app.inject({
        method: 'GET',
        url: '/api/dev/token?userId=alice',
        remoteAddress: '192.0.2.7',
      });
      expect(remote.statusCode).toBe(403);
      expect(remote.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
      // A proxy on this machine makes every caller look local: a forwarded request is not one.
      const proxied = await t.server.app.inject({
        method: 'GET',
        url: '/api/dev/token?userId=alice',
        headers: { 'x-forwarded-for': '192.0.2.7' },
      });
      expect(proxied.statusCode).toBe(403);
      if (lanAddress) {
        const viaLan = await fetch(`http://${lanAddress}:${new URL(t.url).port}/api/dev/token?userId=alice`);
        expect(viaLan.status).toBe(403);
      }
    } finally {
      await t.stop();
    }
  });

  it('behind a trusted proxy, follow the address it forwarded', async () => {
    const t = await startTestServer({ TRUST_PROXY: 'true' });
    try {
      const via = (forwardedFor: string) =>
        t.server.app.inject({
          method: 'GET',
          url: '/api/dev/token?userId=alice',
          headers: { 'x-forwarded-for': forwardedFor },
        });
      expect((await via('127.0.0.1')).statusCode).toBe(200);
      expect((await via('192.0.2.7')).statusCode).toBe(403);
      // Only the proxy's own entry counts, not one the client wrote before it.
      expect((await via('127.0.0.1, 192.0.2.7')).statusCode).toBe(403);
    } finally {
      await t.stop();
    }
  });

  it('can be turned off outside production', async () => {
    const t = await startTestServer({ DEV_TOKENS: 'false' });
    try {
      const response = await t.server.app.inject({ method: 'GET', url: '/api/dev/token?userId=alice' });
      expect(response.statusCode).toBe(404);
    } finally {
      await t.stop();
    }
  });
});

describe('production', () => {
  it('refuses to start with development settings', () => {
    const base = { NODE_ENV: 'production', JWT_SECRET: TEST_JWT_SECRET };
    expect(problemsOf(base)).toEqual([]);
    expect(problemsOf({ ...base, DEV_TOKENS: 'true' }).join()).toMatch(/DEV_TOKENS/);
    expect(
      problemsOf({
        NODE_ENV: 'production',
        JWT_SECRET: 'mpi-realtime-development-secret-do-not-use-in-production',
      }).join(),
    ).toMatch(/JWT_SECRET: is the development secret/);
    expect(loadConfig(base)).toMatchObject({ devTokensEnabled: false, allowedOrigins: { localhost: false } });
  });
});
