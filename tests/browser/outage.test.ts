import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, PROCESS_JWT_SECRET, ServerProcess, sleep } from '@mpi/test-kit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ContextPool,
  connectionState,
  ensureWebBuild,
  HAS_CHROMIUM,
  launchBrowser,
  signIn,
} from './support.js';

/**
 * The web app through a long outage of its server. The page's clock is Playwright's fake one, so the
 * spec's real numbers (five retries from 1 s, then the 30 s health check) pass in a few seconds: the test
 * jumps the clock forward in steps while the real network answers each attempt.
 */
describe.skipIf(!HAS_CHROMIUM)('web app: a server away for long', { timeout: 90_000 }, () => {
  let server: ServerProcess;
  let browser: Browser;
  let pool: ContextPool;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mpi-web-outage-'));
    const dist = await ensureWebBuild();
    server = new ServerProcess(await freePort(), {
      JWT_SECRET: PROCESS_JWT_SECRET,
      DATABASE_URL: join(dir, 'server.sqlite'),
      WEB_DIST_DIR: dist,
    });
    [, browser] = await Promise.all([server.start(), launchBrowser()]);
    pool = new ContextPool(browser, server.url);
  }, 120_000);

  afterAll(async () => {
    await pool?.closeAll();
    await browser?.close();
    await server?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Moves the page's clock on in `stepMs` steps (real time between them) until `done`, at most `maxMs`. */
  async function fastForwardUntil(page: Page, done: () => Promise<boolean>, stepMs: number, maxMs: number) {
    for (let passed = 0; passed <= maxMs; passed += stepMs) {
      if (await done()) return;
      await page.clock.fastForward(stepMs);
      await sleep(150);
    }
    throw new Error(`not done after ${maxMs} ms of page time`);
  }

  it('shows "Offline, retrying in N s" after the five retries, and reconnects by itself', async () => {
    const page = await pool.page();
    await page.clock.install();
    await signIn(page, 'erin');

    await server.stop();
    await fastForwardUntil(page, async () => (await connectionState(page)) === 'error', 1000, 40_000);
    // What the user sees (the error text beside it is for screen readers only).
    const label = await page.locator('.connection-state').evaluate((el) => {
      const copy = el.cloneNode(true) as typeof el;
      for (const hidden of copy.querySelectorAll('.visually-hidden')) hidden.remove();
      return copy.textContent;
    });
    const detail = await page.locator('.connection-detail').textContent();
    const text = `${label} ${detail}`;
    expect(text).toMatch(/^Offline, retrying in \d+ s$/);
    const seconds = Number(/(\d+) s$/.exec(text)?.[1]);
    expect(seconds, text).toBeGreaterThanOrEqual(23);
    expect(seconds, text).toBeLessThanOrEqual(36);

    await server.start();
    await fastForwardUntil(page, async () => (await connectionState(page)) === 'connected', 2000, 40_000);
    expect(pool.errors).toEqual([]);
  });
});
