import { tempDir } from '@mpi/test-kit';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
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
  waitConnected,
} from './support.js';

/** Each chunk's PATCH held back this long, so that the progress bar is seen between 0 and 100 %. */
const SLOW_CHUNK_MS = 400;

async function slowUploads(page: Page): Promise<void> {
  await page.route('**/api/files/uploads/*', async (route) => {
    if (route.request().method() === 'PATCH')
      await new Promise((resolve) => setTimeout(resolve, SLOW_CHUNK_MS));
    await route.continue();
  });
}

/** True once the page showed an upload's progress bar part-way (neither empty nor full). */
async function sawPartialProgress(page: Page, name: string): Promise<boolean> {
  const bar = page.locator('.upload', { hasText: name }).locator('progress');
  const partial = () =>
    bar.evaluate((element) => {
      const { value, max } = element as unknown as { value: number; max: number };
      return value > 0 && value < max;
    });
  await expect.poll(partial, { interval: 20, timeout: 15_000 }).toBe(true);
  return true;
}

describe.skipIf(!HAS_CHROMIUM)('files and voice messages in a real browser', { timeout: 90_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let pool: ContextPool;
  const files = tempDir();

  beforeAll(async () => {
    const dist = await ensureWebBuild();
    [server, browser] = await Promise.all([
      startTestServer({ WEB_DIST_DIR: dist, FILES_DIR: files.path }),
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
    files.remove();
  });

  it('sends an image and a PDF with visible progress; the other user sees the thumbnail and downloads the PDF', async () => {
    pool = new ContextPool(browser, server.url);
    const [alice, bob] = await Promise.all([pool.page(), pool.page()]);
    await Promise.all([signIn(alice, 'alice'), signIn(bob, 'bob')]);
    await startDm(alice, 'bob');
    await slowUploads(alice);

    const image = await sharp({
      create: {
        width: 1000,
        height: 750,
        channels: 3,
        background: '#000',
        noise: { type: 'gaussian', mean: 120, sigma: 50 },
      },
    })
      .png()
      .toBuffer();
    const pdf = Buffer.concat([
      Buffer.from('%PDF-1.4\n'),
      Buffer.alloc(2.5 * 1024 * 1024, 0x41),
      Buffer.from('\n%%EOF\n'),
    ]);
    const input = alice.getByTestId('file-input');
    await input.setInputFiles({ name: 'match.png', mimeType: 'image/png', buffer: image });
    expect(await sawPartialProgress(alice, 'match.png')).toBe(true);
    // The local preview shows while it uploads.
    expect(
      await alice.locator('.upload', { hasText: 'match.png' }).locator('img.upload-preview').count(),
    ).toBe(1);
    await alice.locator('.messages .attachment-image img').waitFor({ timeout: 20_000 });

    await input.setInputFiles({ name: 'training plan.pdf', mimeType: 'application/pdf', buffer: pdf });
    expect(await sawPartialProgress(alice, 'training plan.pdf')).toBe(true);
    await alice
      .locator('.messages .file-card', { hasText: 'training plan.pdf' })
      .waitFor({ timeout: 20_000 });
    await alice.locator('.upload').first().waitFor({ state: 'detached' });

    await openChat(bob, 'alice');
    const thumbnail = bob.locator('.messages .attachment-image img');
    await thumbnail.waitFor();
    await expect
      .poll(() =>
        thumbnail.evaluate((element) => {
          const img = element as unknown as {
            complete: boolean;
            naturalWidth: number;
            naturalHeight: number;
          };
          return [img.complete, img.naturalWidth, img.naturalHeight];
        }),
      )
      .toEqual([true, 320, 240]);
    const card = bob.locator('.messages .file-card', { hasText: 'training plan.pdf' });
    await card.getByText('2.5 MB').waitFor();
    const [download] = await Promise.all([
      bob.waitForEvent('download'),
      card.getByRole('button', { name: 'Download' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('training plan.pdf');
    const saved = await download.createReadStream();
    let bytes = 0;
    for await (const chunk of saved) bytes += (chunk as Buffer).length;
    expect(bytes).toBe(pdf.length);
  });

  it('resumes an upload cut off mid-way from where the server stopped', async () => {
    pool = new ContextPool(browser, server.url);
    const [gina, hugo] = await Promise.all([pool.page(), pool.page()]);
    await Promise.all([signIn(gina, 'gina'), signIn(hugo, 'hugo')]);
    await startDm(gina, 'hugo');
    const requests: string[] = [];
    let cut = false;
    await gina.route('**/api/files/uploads/*', async (route) => {
      const method = route.request().method();
      requests.push(`${method} ${route.request().headers()['upload-offset'] ?? ''}`);
      // The connection drops during the second chunk.
      if (method === 'PATCH' && !cut && route.request().headers()['upload-offset'] !== '0') {
        cut = true;
        return route.abort('connectionreset');
      }
      await route.continue();
    });
    const data = Buffer.alloc(3 * 1024 * 1024 + 100, 7);
    await gina
      .getByTestId('file-input')
      .setInputFiles({ name: 'season.pdf', mimeType: 'application/pdf', buffer: data });
    await gina.locator('.messages .file-card', { hasText: 'season.pdf' }).waitFor({ timeout: 20_000 });
    // After the cut: a HEAD for the server's offset, then the rest from 1 MiB on, not from 0.
    const afterCut = requests.slice(requests.indexOf('PATCH 1048576') + 1);
    expect(afterCut[0]).toBe('HEAD ');
    expect(afterCut[1]).toBe('PATCH 1048576');
    expect(requests.filter((r) => r === 'PATCH 0')).toHaveLength(1);

    await openChat(hugo, 'gina');
    const card = hugo.locator('.messages .file-card', { hasText: 'season.pdf' });
    const [download] = await Promise.all([
      hugo.waitForEvent('download'),
      card.getByRole('button', { name: 'Download' }).click(),
    ]);
    let bytes = 0;
    for await (const chunk of await download.createReadStream()) bytes += (chunk as Buffer).length;
    expect(bytes).toBe(data.length);
  });

  it('a reload during an upload resumes it from where the server stopped, and sends it once', async () => {
    pool = new ContextPool(browser, server.url);
    const [ivan, jade] = await Promise.all([pool.page(), pool.page()]);
    await Promise.all([signIn(ivan, 'ivan'), signIn(jade, 'jade')]);
    await startDm(ivan, 'jade');
    const requests: string[] = [];
    await ivan.route('**/api/files/uploads**', async (route) => {
      const method = route.request().method();
      requests.push(`${method} ${route.request().headers()['upload-offset'] ?? ''}`);
      if (method === 'PATCH') await new Promise((resolve) => setTimeout(resolve, SLOW_CHUNK_MS));
      await route.continue();
    });
    const data = Buffer.alloc(4 * 1024 * 1024 + 10, 9);
    await ivan
      .getByTestId('file-input')
      .setInputFiles({ name: 'kit.pdf', mimeType: 'application/pdf', buffer: data });
    await expect
      .poll(() => requests.filter((r) => r === 'PATCH 1048576').length, { timeout: 15_000 })
      .toBe(1);
    await ivan.reload();
    await waitConnected(ivan);
    // After the reload the chat's upload shows again and goes on (HEAD, then from the server's offset).
    await ivan.locator('.upload', { hasText: 'kit.pdf' }).waitFor();
    await ivan.locator('.messages .file-card', { hasText: 'kit.pdf' }).waitFor({ timeout: 20_000 });
    expect(requests.filter((r) => r.startsWith('POST'))).toHaveLength(1);
    expect(requests.filter((r) => r === 'PATCH 0')).toHaveLength(1);
    expect(requests).toContain('HEAD ');

    await openChat(jade, 'ivan');
    const card = jade.locator('.messages .file-card', { hasText: 'kit.pdf' });
    await card.waitFor();
    expect(await jade.locator('.messages li.message').count()).toBe(1);
    const [download] = await Promise.all([
      jade.waitForEvent('download'),
      card.getByRole('button', { name: 'Download' }).click(),
    ]);
    let bytes = 0;
    for await (const chunk of await download.createReadStream()) bytes += (chunk as Buffer).length;
    expect(bytes).toBe(data.length);
  });

  it('cancels an upload: nothing is sent', async () => {
    pool = new ContextPool(browser, server.url);
    const carol = await pool.page();
    await signIn(carol, 'carol');
    await startDm(carol, 'dave');
    await slowUploads(carol);
    await carol.getByTestId('file-input').setInputFiles({
      name: 'big.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.alloc(4 * 1024 * 1024, 1),
    });
    expect(await sawPartialProgress(carol, 'big.pdf')).toBe(true);
    await carol.locator('.upload', { hasText: 'big.pdf' }).getByRole('button', { name: 'Cancel' }).click();
    await carol.locator('.upload').waitFor({ state: 'detached' });
    expect(await carol.locator('.messages li.message').count()).toBe(0);
  });

  it('records a voice message from the fake microphone; the other user plays it', async () => {
    pool = new ContextPool(browser, server.url);
    const [erin, frank] = await Promise.all([pool.page(), pool.page()]);
    await Promise.all([signIn(erin, 'erin'), signIn(frank, 'frank')]);
    await startDm(erin, 'frank');
    await erin.getByRole('button', { name: 'Record voice message' }).click();
    await erin.getByRole('button', { name: 'Stop and send voice message' }).waitFor();
    await erin.waitForTimeout(2000);
    await erin.getByRole('button', { name: 'Stop and send voice message' }).click();
    await erin.locator('.messages .voice').waitFor({ timeout: 20_000 });

    await openChat(frank, 'erin');
    const voice = frank.locator('.messages .voice');
    await voice.waitFor();
    // About 2 s long, with a waveform of the fake microphone's beeps.
    expect(await voice.locator('.voice-time').textContent()).toMatch(/^0:0[23]$/);
    expect(await voice.locator('.voice-wave span').count()).toBeGreaterThan(10);
    const play = voice.getByRole('button', { name: 'Play voice message' });
    await expect.poll(() => play.isEnabled()).toBe(true);
    await play.click();
    await voice.getByRole('button', { name: 'Pause voice message' }).waitFor();
    await expect
      .poll(
        () =>
          frank
            .locator('.messages .voice audio')
            .evaluate((audio) => (audio as unknown as { currentTime: number }).currentTime),
        { timeout: 10_000 },
      )
      .toBeGreaterThan(0.3);
    expect(await voice.locator('.voice-wave span.played').count()).toBeGreaterThan(0);
  });
});
