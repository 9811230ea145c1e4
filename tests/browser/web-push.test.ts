import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { type PushService, startPushService } from '../../packages/server/test/support/push-service.js';
import { request } from '../../packages/server/test/support/server.js';
import { axeFindings, eventually, HAS_CHROMIUM, screenshot, signIn } from './support.js';
import { webAppSuite } from './web-app-suite.js';

interface ShownNotification {
  title: string;
  body: string;
  tag: string;
  path: string;
}

/** The OS notifications the app's service worker shows now (read from a page of the app's origin). */
function shownNotifications(page: Page): Promise<ShownNotification[]> {
  return page.evaluate<ShownNotification[]>(`
    navigator.serviceWorker.ready
      .then((registration) => registration.getNotifications())
      .then((list) => list.map((n) => ({ title: n.title, body: n.body, tag: n.tag, path: n.data && n.data.path })))
  `);
}

/**
 * OS notifications end to end, as far as headless Chromium goes: the service worker is registered after
 * sign-in, the permission is asked only on "Turn on notifications", the server's Web Push request reaches a
 * local push service (which checks its VAPID signature and decrypts it), and that push, delivered to the
 * service worker of the closed tab through the DevTools protocol (`ServiceWorker.deliverPushMessage`), is
 * shown with the chat's or the item's text and link. Headless Chromium has no push service of its own:
 * `PushManager.subscribe` is refused there, and an OS notification cannot be clicked.
 */
describe.skipIf(!HAS_CHROMIUM)('Web Push in Chromium', { timeout: 90_000 }, () => {
  let push: PushService;
  const { server, contexts, postSigned } = webAppSuite({
    env: { WEB_PUSH_ENDPOINT_HOSTS: '127.0.0.1' },
    async before() {
      push = await startPushService();
      return { pushAgent: push.agent };
    },
  });
  afterAll(() => push?.stop());

  it('registers the service worker after sign-in; a blocked permission is said, not asked again', async () => {
    const pool = contexts();
    // Headless Chromium treats a permission it was not given as denied.
    const page = await pool.page({ width: 375, height: 812 });
    await signIn(page, 'push-lea');
    const script = await page.evaluate<string | undefined>(
      'navigator.serviceWorker.ready.then((r) => r.active && r.active.scriptURL)',
    );
    expect(script).toBe(`${server().url}/sw.js`);
    // Checked again on every load, so a new deploy's worker is picked up at once.
    const worker = await fetch(`${server().url}/sw.js`);
    expect(worker.headers.get('cache-control')).toBe('no-cache');
    expect(worker.headers.get('content-type')).toContain('javascript');
    await page.getByRole('link', { name: 'Notifications' }).click();
    await page.getByText('Notifications are blocked for this site in the browser’s settings.').waitFor();
    expect(await page.getByRole('button', { name: 'Turn on notifications' }).count()).toBe(0);
  });

  it('asks for the permission only on "Turn on notifications"; the subscription headless Chromium refuses is reported', async () => {
    const pool = contexts();
    const page = await pool.page({ permissions: ['notifications'] });
    await page.addInitScript({
      content: `window.__asked = 0; const ask = Notification.requestPermission.bind(Notification);
        Notification.requestPermission = (...args) => { window.__asked++; return ask(...args); };`,
    });
    await signIn(page, 'push-max');
    await page.getByRole('link', { name: 'Notifications' }).click();
    const turnOn = page.getByRole('button', { name: 'Turn on notifications' });
    await turnOn.waitFor();
    expect(await page.evaluate<number>('window.__asked')).toBe(0);
    await screenshot(page, 'push-turn-on');
    expect(await axeFindings(page)).toEqual([]);
    await turnOn.click();
    await page.getByText(/This browser could not subscribe to notifications/).waitFor();
    expect(await page.evaluate<number>('window.__asked')).toBe(1);
    expect(await turnOn.isEnabled()).toBe(true);
  });

  it('a message and a notification for a closed tab are pushed and shown by its service worker', async () => {
    const pool = contexts();
    const page = await pool.page({ permissions: ['notifications'] });
    await signIn(page, 'push-nia');
    await page.evaluate('navigator.serviceWorker.ready');
    // The subscription a browser with a push service would make (to the local one), registered by the app's
    // own SDK for this device.
    const subscription = push.subscribe('nia-browser');
    const ack = await page.evaluate<{ ok: boolean }>(
      `window.mpi.service.request('register_push_subscription', { subscription: ${JSON.stringify(subscription)} })`,
    );
    expect(ack).toEqual({ ok: true });

    // The DevTools session that plays the push service's part towards the browser.
    const cdp = await page.context().newCDPSession(page);
    const registrations: Array<{ registrationId: string; scopeURL: string }> = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (event) => registrations.push(...event.registrations));
    await cdp.send('ServiceWorker.enable');
    await eventually(() => registrations.some((r) => r.scopeURL === `${server().url}/`), true);
    const registrationId = registrations.find((r) => r.scopeURL === `${server().url}/`)?.registrationId ?? '';

    // The tab closes (its socket with it); a page of another site stays open for the DevTools session.
    await page.goto('about:blank');
    await expect
      .poll(async () => (await server().server.io.in('user:push-nia').fetchSockets()).length)
      .toBe(0);

    const coach = await server().connect('push-coach', { deviceId: 'coach-desk' });
    const dm = await request(coach, 'open_dm', { userId: 'push-nia' });
    if (!dm.ok) throw new Error(dm.error.message);
    await request(coach, 'send_message', {
      chatId: dm.chat.id,
      text: 'Bring your boots on Saturday',
      clientMessageId: 'push-1',
    });
    expect(
      (
        await postSigned('/api/v1/notifications', {
          type: 'system:update',
          payload: { message: 'The clubhouse is open until 23:00.' },
          audience: { users: ['push-nia'] },
        })
      ).status,
    ).toBe(201);
    await eventually(() => push.pushesFor('nia-browser').length, 2);
    expect(push.refused).toEqual([]);
    for (const received of push.pushesFor('nia-browser')) {
      await cdp.send('ServiceWorker.deliverPushMessage', {
        origin: server().url,
        registrationId,
        data: JSON.stringify(received.message),
      });
    }

    const viewer = await page.context().newPage();
    await viewer.goto('/');
    await expect
      .poll(async () => (await shownNotifications(viewer)).sort((a, b) => a.tag.localeCompare(b.tag)))
      .toEqual([
        {
          title: 'push-coach',
          body: 'Bring your boots on Saturday',
          tag: `chat:${dm.chat.id}`,
          path: `/chats/${encodeURIComponent(dm.chat.id)}`,
        },
        expect.objectContaining({
          tag: expect.stringMatching(/^notification:/),
          path: expect.stringMatching(/^\/notifications\/[^/]+$/),
        }),
      ]);
    const notice = (await shownNotifications(viewer)).find((n) => n.path.startsWith('/notifications/'));
    expect(`${notice?.title} ${notice?.body}`).toContain('The clubhouse is open until 23:00.');

    // A click on it (which headless Chromium cannot do) makes the worker focus an open tab and ask it to
    // open the chat: that request, sent from the real worker, opens the chat in the tab without a reload.
    const worker = page
      .context()
      .serviceWorkers()
      .find((w) => w.url() === `${server().url}/sw.js`);
    expect(worker).toBeDefined();
    await viewer.evaluate('window.__sameDocument = true');
    await worker?.evaluate(
      `clients.matchAll({ type: 'window' }).then((tabs) =>
        tabs.forEach((tab) => tab.postMessage({ type: 'mpi:open', path: ${JSON.stringify(`/chats/${encodeURIComponent(dm.chat.id)}`)} })))`,
    );
    await viewer.getByRole('heading', { level: 2, name: 'push-coach' }).waitFor();
    expect(await viewer.evaluate<boolean>('window.__sameDocument === true')).toBe(true);
    // The notification's own click path opens the notification centre at that item, focused.
    await worker?.evaluate(
      `clients.matchAll({ type: 'window' }).then((tabs) =>
        tabs.forEach((tab) => tab.postMessage({ type: 'mpi:open', path: ${JSON.stringify(notice?.path)} })))`,
    );
    const item = viewer.locator('li.notification[aria-current="true"]');
    await item.waitFor();
    expect(await item.textContent()).toContain('The clubhouse is open until 23:00.');
    expect(await viewer.evaluate<string | undefined>('document.activeElement?.id')).toBe(
      await item.getAttribute('id'),
    );
    await cdp.detach();
    coach.disconnect();
  });
});
