import { describe, expect, it } from 'vitest';
import {
  composer,
  createGroup,
  eventually,
  HAS_CHROMIUM,
  messageStatus,
  openChat,
  screenshot,
  send,
  signIn,
  startDm,
  waitConnected,
} from './support.js';
import { webAppSuite } from './web-app-suite.js';

// Generous: a browser on a loaded 2-core machine can be several times slower than alone (~7 s at most).
describe.skipIf(!HAS_CHROMIUM)(
  'web app in a real browser: screens, keyboard, hostile text',
  { timeout: 90_000 },
  () => {
    const { server, contexts, texts, postSigned } = webAppSuite();

    it('ships the production build of React, an icon and an installable manifest, so a first load logs no 404', async () => {
      const icon = await fetch(`${server().url}/favicon.svg`);
      expect(icon.status).toBe(200);
      // The manifest the page links, and every icon it names, as the browser's install check reads them.
      const page = await contexts().page();
      const failed: string[] = [];
      page.on('response', (response) => {
        if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
      });
      await page.goto('/');
      const href = await page.locator('link[rel="manifest"]').getAttribute('href');
      const manifestResponse = await fetch(new URL(href ?? '', server().url));
      expect(manifestResponse.headers.get('content-type')).toMatch(/manifest\+json/);
      const manifest = (await manifestResponse.json()) as {
        name: string;
        display: string;
        icons: { src: string; sizes: string; type: string; purpose?: string }[];
      };
      expect(manifest).toMatchObject({ name: 'MPI Realtime', display: 'standalone' });
      expect(manifest.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
      expect(manifest.icons.some((i) => i.purpose === 'maskable')).toBe(true);
      for (const entry of manifest.icons) {
        const image = await fetch(new URL(entry.src, server().url));
        expect(image.status, entry.src).toBe(200);
        expect(image.headers.get('content-type'), entry.src).toContain(entry.type);
      }
      const touchIcon = await page.locator('link[rel="apple-touch-icon"]').getAttribute('href');
      expect((await fetch(new URL(touchIcon ?? '', server().url))).status).toBe(200);
      expect(failed).toEqual([]);
      const index = await (await fetch(`${server().url}/`, { headers: { accept: 'text/html' } })).text();
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(index)?.[1];
      expect(script).toBeDefined();
      const code = await (await fetch(`${server().url}${script}`)).text();
      expect(code.length).toBeGreaterThan(10_000);
      expect(code).not.toContain('jsxDEV');
    });

    it('screenshots of the main screens; debug logging; keyboard use', async () => {
      const pool = contexts();
      const hana = await pool.page({ width: 1100, height: 720, debug: true });
      const logs: string[] = [];
      hana.on('console', (message) => logs.push(message.text()));
      await hana.goto('/');
      await hana.getByLabel('User id').waitFor();
      await screenshot(hana, '1-sign-in');

      // Keyboard only: type, Tab to the next field, Enter submits.
      await hana.getByLabel('User id').pressSequentially('hana');
      await hana.keyboard.press('Tab');
      await hana.keyboard.type('Hana');
      await hana.keyboard.press('Enter');
      const [ivan, jo] = await Promise.all([pool.page(), pool.page()]);
      await Promise.all([waitConnected(hana), signIn(ivan, 'ivan'), signIn(jo, 'jo')]);
      await hana.getByText('debug', { exact: true }).waitFor();
      await hana.getByText('Hana (hana)').waitFor();

      await startDm(ivan, 'hana');
      await send(ivan, 'Are you coming on Saturday?');
      await startDm(jo, 'hana');
      await send(jo, 'Pitch 3 is closed, we moved to pitch 1');
      await createGroup(hana, 'First team', ['ivan', 'jo']);
      await send(hana, 'Welcome to the first team chat!');
      await hana.getByRole('link', { name: 'MPI Realtime' }).click();
      await eventually(() => hana.getByTestId('unread-badge').count(), 2);
      const inThreeDays = new Date(Date.now() + 3 * 86_400_000);
      inThreeDays.setUTCHours(17, 30, 0, 0);
      const notices = [
        {
          type: 'calendar:event-created',
          payload: {
            id: 'ev-1',
            title: 'Club barbecue',
            startsAt: inThreeDays.toISOString(),
            location: 'Clubhouse',
          },
        },
        {
          type: 'training:scheduled',
          payload: { id: 'tr-1', title: 'U12 training', startsAt: inThreeDays.toISOString(), coach: 'Sam' },
        },
        { type: 'system:update', payload: { message: 'New version: read receipts in group chats.' } },
      ];
      for (const notice of notices) {
        expect(
          (await postSigned('/api/v1/notifications', { ...notice, audience: { users: ['hana'] } })).status,
        ).toBe(201);
      }
      await hana.getByRole('region', { name: 'New notifications' }).getByText('Update').waitFor();
      await screenshot(hana, '2-chat-list');
      const dismiss = hana.getByRole('button', { name: /^Dismiss:/ });
      // (A toast may also time out by itself meanwhile.)
      while ((await dismiss.count()) > 0)
        await dismiss
          .first()
          .click({ timeout: 1000 })
          .catch(() => undefined);
      expect(await hana.locator('.toast').count()).toBe(0);

      // Keyboard: a chat link opens with Enter; the composer has focus; Enter sends.
      await hana.getByRole('navigation', { name: 'Chats' }).getByRole('link', { name: /^ivan/ }).focus();
      await hana.keyboard.press('Enter');
      await hana.getByRole('heading', { level: 2, name: 'ivan' }).waitFor();
      await eventually(
        () => hana.evaluate<string | null>("document.activeElement?.getAttribute('placeholder') ?? null"),
        'Write a message',
      );
      await hana.keyboard.type('Yes, see you there');
      await hana.keyboard.press('Enter');
      await send(ivan, 'Great!');
      await composer(ivan).pressSequentially('Bring the', { delay: 5 });
      await hana.getByText('ivan is typing…').waitFor();
      await eventually(() => messageStatus(hana, 'Yes, see you there'), 'read');
      await screenshot(hana, '3-chat');

      await hana.getByRole('link', { name: /Notifications/ }).click();
      await hana.getByRole('heading', { name: 'Notifications' }).waitFor();
      await eventually(() => hana.locator('.notification').count(), 3);
      await screenshot(hana, '4-notification-centre');

      await hana.setViewportSize({ width: 375, height: 740 });
      await hana.getByRole('link', { name: 'MPI Realtime' }).click();
      await screenshot(hana, '5-phone-chat-list');
      await openChat(hana, 'jo');
      await screenshot(hana, '6-phone-chat');
      // One column: the list is hidden while a chat is open, and Back returns to it.
      expect(await hana.getByRole('navigation', { name: 'Chats' }).isVisible()).toBe(false);
      await hana.getByRole('button', { name: 'Back to chats' }).click();
      await hana.getByRole('navigation', { name: 'Chats' }).waitFor();
      expect(await hana.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);

      // Debug mode (localStorage.websocket_debug = 'true'): the SDK logged every event as the guide shows.
      expect(logs.some((line) => line.startsWith('🔌 [WebSocket] receive_message:'))).toBe(true);
      expect(logs.some((line) => line.startsWith('🔌 [WebSocket] system:update:'))).toBe(true);
    });
    it('renders hostile message text as text, never as HTML, under a CSP the app passes', async () => {
      const pool = contexts();
      const [alice, bob] = await Promise.all([pool.page(), pool.page()]);
      for (const page of [alice, bob]) {
        await page.addInitScript({
          content:
            'window.__csp = []; document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));',
        });
      }
      const response = await alice.goto('/');
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
      await Promise.all([signIn(alice, 'xss-alice'), signIn(bob, 'xss-bob')]);
      await startDm(alice, 'xss-bob');
      const payload = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b>bold</b>';
      await send(alice, payload);
      await openChat(bob, 'xss-alice');
      for (const page of [alice, bob]) {
        await eventually(() => texts(page), [payload]);
        expect(await page.locator('.messages img, .messages script, .messages b').count()).toBe(0);
        expect(
          await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss),
        ).toBeUndefined();
        expect(await page.evaluate(() => (globalThis as unknown as { __csp: string[] }).__csp)).toEqual([]);
      }
    });
  },
);
