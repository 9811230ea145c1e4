import { writeFileSync } from 'node:fs';
import { tempDir } from '@mpi/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { handshakeOutcome, startTestServer, TEST_JWT_SECRET, type TestServer } from './support/server.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

/** A handshake of alice with this Origin header (or none). */
const handshakeFrom = async (server: TestServer, origin: string | undefined) =>
  handshakeOutcome(server.url, await server.token('alice'), origin);

describe('origin allowlist', () => {
  it('refuses another site by default, on the handshake and the HTTP API; allows no Origin, its own and localhost', async () => {
    t = await startTestServer();
    const own = new URL(t.url).origin;
    expect(await handshakeFrom(t, 'https://evil.example')).toBe('ORIGIN_NOT_ALLOWED');
    expect(await handshakeFrom(t, 'null')).toBe('ORIGIN_NOT_ALLOWED');
    expect(await handshakeFrom(t, undefined)).toBe('connected');
    expect(await handshakeFrom(t, own)).toBe('connected');
    expect(await handshakeFrom(t, 'http://localhost:5173')).toBe('connected');

    for (const [method, url] of [
      ['GET', '/api/dev/token?userId=alice'],
      ['POST', '/api/v1/notifications'],
      ['GET', '/readyz'],
    ] as const) {
      const refused = await fetch(`${t.url}${url}`, { method, headers: { origin: 'https://evil.example' } });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ error: { code: 'ORIGIN_NOT_ALLOWED' } });
    }
    const same = await fetch(`${t.url}/api/dev/token?userId=alice`, { headers: { origin: own } });
    expect(same.status).toBe(200);
  });

  it('with ALLOWED_ORIGINS, allows exactly those besides its own', async () => {
    t = await startTestServer({ ALLOWED_ORIGINS: 'https://app.example, https://admin.example:8443' });
    expect(await handshakeFrom(t, 'https://app.example')).toBe('connected');
    expect(await handshakeFrom(t, 'https://admin.example:8443')).toBe('connected');
    expect(await handshakeFrom(t, 'https://admin.example')).toBe('ORIGIN_NOT_ALLOWED');
    expect(await handshakeFrom(t, 'http://localhost:5173')).toBe('ORIGIN_NOT_ALLOWED');
    expect(await handshakeFrom(t, new URL(t.url).origin)).toBe('connected');
  });
});

describe('security headers', () => {
  it('sends a CSP, nosniff, no framing and no referrer on pages and API answers', async () => {
    t = await startTestServer();
    for (const url of ['/', '/healthz']) {
      const response = await fetch(`${t.url}${url}`, { headers: { accept: 'text/html' } });
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });
});

describe('production', () => {
  const production = { NODE_ENV: 'production', JWT_SECRET: TEST_JWT_SECRET };

  it('serves /metrics only with METRICS_TOKEN as a bearer token', async () => {
    t = await startTestServer({ ...production, METRICS_TOKEN: 'scrape-0123456789abcdef' });
    expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${t.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${t.url}/metrics`, {
      headers: { authorization: 'Bearer scrape-0123456789abcdef' },
    });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('mpi_socket_connections');
    await t.stop();
    t = await startTestServer(production);
    expect((await fetch(`${t.url}/metrics`)).status).toBe(404);
  });

  it('does not serve source maps', async () => {
    const web = tempDir();
    writeFileSync(web.file('index.html'), '<!doctype html><title>x</title>');
    writeFileSync(web.file('app.js'), 'console.log(1);');
    writeFileSync(web.file('app.js.map'), '{"version":3}');
    t = await startTestServer({ ...production, WEB_DIST_DIR: web.path });
    expect((await fetch(`${t.url}/app.js`)).status).toBe(200);
    expect((await fetch(`${t.url}/app.js.map`)).status).toBe(404);
    await t.stop();
    t = await startTestServer({ WEB_DIST_DIR: web.path });
    expect((await fetch(`${t.url}/app.js.map`)).status).toBe(200);
  });
});
