import { createHmac } from 'node:crypto';
import { SIGNATURE_HEADERS } from '@mpi/protocol';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { CreateServerOptions } from '../../packages/server/src/app.js';
import type { Env } from '../../packages/server/src/config.js';
import { startTestServer, type TestServer } from '../../packages/server/test/support/server.js';
import { ContextPool, ensureWebBuild, launchBrowser, messages } from './support.js';

const SIGNING_SECRET = 'browser-test-signing-secret-0123456789abcdef';

/**
 * The production build of apps/web, served by the real server (same origin), driven in Chromium: one
 * server and browser per test file; each test signs in its own users in their own browser contexts (own
 * localStorage and IndexedDB), all closed after it, and no page may log an error.
 */
export function webAppSuite(
  options: {
    env?: Env;
    /** Runs first (e.g. starts a local push service) and gives the server's extra options. */
    before?: () => Promise<CreateServerOptions>;
  } = {},
) {
  let server: TestServer;
  let browser: Browser;
  let pool: ContextPool | undefined;
  let deliveries = 0;

  beforeAll(async () => {
    const dist = await ensureWebBuild();
    const serverOptions = (await options.before?.()) ?? {};
    [server, browser] = await Promise.all([
      startTestServer(
        { WEB_DIST_DIR: dist, NOTIFY_SIGNING_SECRETS: SIGNING_SECRET, ...options.env },
        serverOptions,
      ),
      launchBrowser(),
    ]);
  }, 120_000);

  afterEach(async () => {
    await pool?.closeAll();
    expect(pool?.errors ?? []).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  return {
    server: () => server,
    contexts(): ContextPool {
      pool = new ContextPool(browser, server.url);
      return pool;
    },
    texts: async (page: Page) => (await messages(page)).map((m) => m.text),
    /** What the platform's backend does: a body signed with HMAC-SHA256 over "<timestamp>.<raw body>". */
    postSigned(path: string, body: object): Promise<Response> {
      const raw = JSON.stringify(body);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = createHmac('sha256', SIGNING_SECRET).update(`${timestamp}.${raw}`).digest('hex');
      return fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADERS.timestamp]: timestamp,
          [SIGNATURE_HEADERS.signature]: `v1=${signature}`,
          [SIGNATURE_HEADERS.deliveryId]: `browser-test-${++deliveries}-${Date.now()}`,
        },
        body: raw,
      });
    },
  };
}
