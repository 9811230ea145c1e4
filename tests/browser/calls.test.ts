import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../packages/server/test/support/server.js';
import {
  ContextPool,
  ensureWebBuild,
  HAS_CHROMIUM,
  launchBrowser,
  openChat,
  signIn,
  startDm,
} from './support.js';

const callScreen = (page: Page) => page.locator('.call-screen');
const inbound = async (page: Page) => ({
  audio: Number(await callScreen(page).getAttribute('data-inbound-audio')),
  video: Number(await callScreen(page).getAttribute('data-inbound-video')),
});
const callEntries = (page: Page) => page.locator('.messages .call-entry').allTextContents();

describe.skipIf(!HAS_CHROMIUM)('calls in a real browser', { timeout: 90_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let pool: ContextPool;

  beforeAll(async () => {
    const dist = await ensureWebBuild();
    [server, browser] = await Promise.all([
      startTestServer({ WEB_DIST_DIR: dist, CALL_RING_SECONDS: '3' }),
      launchBrowser([
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        '--autoplay-policy=no-user-gesture-required',
      ]),
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

  it('a video call connects with audio and video flowing both ways, then hangs up; declined and missed calls are in history', async () => {
    pool = new ContextPool(browser, server.url);
    const [alice, bob] = await Promise.all([pool.page(), pool.page()]);
    await Promise.all([signIn(alice, 'alice'), signIn(bob, 'bob')]);
    await startDm(alice, 'bob');

    await alice.getByRole('button', { name: 'Video call' }).click();
    await alice.getByText('Calling bob…').waitFor();
    const incoming = bob.getByRole('region', { name: 'Incoming call from alice' });
    await incoming.waitFor();
    await incoming.getByRole('button', { name: 'Accept' }).click();

    for (const page of [alice, bob]) {
      await expect
        .poll(() => callScreen(page).getAttribute('data-connection-state'), { timeout: 20_000 })
        .toBe('connected');
    }
    const before = await Promise.all([inbound(alice), inbound(bob)]);
    await alice.waitForTimeout(1500);
    const after = await Promise.all([inbound(alice), inbound(bob)]);
    for (const side of [0, 1]) {
      expect(after[side]?.audio).toBeGreaterThan(before[side]?.audio ?? 0);
      expect(after[side]?.video).toBeGreaterThan(before[side]?.video ?? 0);
    }
    // The call's own controls (the chat header has a Mute for the chat's alerts too).
    await callScreen(alice).getByRole('button', { name: 'Mute' }).click();
    await callScreen(alice).getByRole('button', { name: 'Unmute' }).waitFor();
    await callScreen(alice).getByRole('button', { name: 'Camera off' }).click();
    await callScreen(alice).getByRole('button', { name: 'Camera on' }).waitFor();

    await alice.getByRole('button', { name: 'Hang up' }).click();
    await callScreen(alice).waitFor({ state: 'detached' });
    await callScreen(bob).waitFor({ state: 'detached' });
    await expect.poll(() => callEntries(alice)).toEqual([expect.stringMatching(/^🎥 Video call · 0:0\d$/)]);

    // Declined.
    await alice.getByRole('button', { name: 'Voice call' }).click();
    await bob
      .getByRole('region', { name: 'Incoming call from alice' })
      .getByRole('button', { name: 'Decline' })
      .click();
    await alice.getByText('Call declined.').waitFor();
    // Missed: nobody answers within CALL_RING_SECONDS.
    await alice.getByRole('button', { name: 'Voice call' }).click();
    await bob.getByRole('region', { name: 'Incoming call from alice' }).waitFor();
    await bob
      .getByRole('region', { name: 'Incoming call from alice' })
      .waitFor({ state: 'detached', timeout: 10_000 });
    await alice.getByText('No answer.').waitFor();

    await openChat(bob, 'alice');
    await expect
      .poll(() => callEntries(bob))
      .toEqual([
        expect.stringMatching(/^🎥 Video call · 0:0\d$/),
        '📞 Declined voice call',
        '📞 Missed voice call',
      ]);
    await expect
      .poll(() => callEntries(alice))
      .toEqual([
        expect.stringMatching(/^🎥 Video call/),
        '📞 Declined voice call',
        '📞 Voice call, no answer',
      ]);
  });
});
