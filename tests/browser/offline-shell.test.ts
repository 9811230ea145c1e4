import { describe, expect, it } from 'vitest';
import { composer, eventually, HAS_CHROMIUM, send, signIn, startDm, waitConnected } from './support.js';
import { webAppSuite } from './web-app-suite.js';

/**
 * The app shell offline: after one visit the service worker keeps the page and its files, so a reload
 * without any network opens the app (not the browser's error page), signed in, with what the device holds:
 * a message written offline waits in the outbox across that reload and is delivered once the network is back.
 */
describe.skipIf(!HAS_CHROMIUM)('the app shell offline', { timeout: 90_000 }, () => {
  const { contexts } = webAppSuite();

  it('opens without a connection after a first visit, keeps what was written, and sends it when back', async () => {
    const pool = contexts();
    const [ola, pia] = await Promise.all([pool.page(), pool.page()]);
    await Promise.all([signIn(ola, 'shell-ola'), signIn(pia, 'shell-pia')]);
    await startDm(ola, 'shell-pia');
    await send(ola, 'Before the tunnel');
    const chatUrl = ola.url();
    // The worker controls the page and holds the shell.
    await eventually(
      () =>
        ola.evaluate<boolean>(
          "navigator.serviceWorker.ready.then(() => caches.open('mpi-app-shell')).then((c) => c.match('/')).then((r) => !!r && !!navigator.serviceWorker.controller)",
        ),
      true,
    );

    await ola.context().setOffline(true);
    await ola.reload();
    // The app, not Chromium's offline page: its header, the chat from the URL, the connection retrying.
    await ola.getByRole('link', { name: 'MPI Realtime' }).waitFor();
    expect(ola.url()).toBe(chatUrl);
    await eventually(
      async () =>
        ['connecting', 'reconnecting', 'error'].includes(
          (await ola.locator('.connection').getAttribute('data-state')) ?? '',
        ),
      true,
    );
    await composer(ola).fill('Written in the tunnel');
    await composer(ola).press('Enter');
    await ola.getByText('Written in the tunnel').waitFor();

    // Still offline, another reload: the message is still there, waiting.
    await ola.reload();
    await ola.getByText('Written in the tunnel').waitFor();

    await ola.context().setOffline(false);
    await waitConnected(ola, 30_000);
    await pia.getByText('Written in the tunnel').waitFor({ timeout: 30_000 });
    expect(await pia.getByText('Written in the tunnel').count()).toBe(1);
  });
});
