import { LIMITS } from '@mpi/protocol';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { KyselyStorage } from '../../packages/server/src/storage/kysely-storage.js';
import { request } from '../../packages/server/test/support/server.js';
import {
  composer,
  eventually,
  HAS_CHROMIUM,
  openChat,
  overlaps,
  scrollsSideways,
  send,
  signIn,
  startDm,
} from './support.js';
import { webAppSuite } from './web-app-suite.js';

const DAY = 86_400_000;

/** The open chat's day separators and "New messages" divider, in screen order. */
function dividers(page: Page): Promise<string[]> {
  return page
    .locator('.messages li.day-separator, .messages li.unread-divider')
    .evaluateAll((items) => items.map((item) => item.textContent ?? ''));
}

describe.skipIf(!HAS_CHROMIUM)(
  'web app in a real browser: composer, dates, links, long content, toasts, dark mode',
  { timeout: 90_000 },
  () => {
    const { server, contexts, texts, postSigned } = webAppSuite();

    /** Messages sent by `from` to `to` over a raw socket, then dated `daysAgo` days back in the database. */
    async function backdated(from: string, to: string, entries: Array<{ text: string; daysAgo: number }>) {
      const client = await server().connect(from, { deviceId: `${from}-script` });
      await request(client, 'setup_user', { userId: from, userInfo: {} });
      const dm = await request(client, 'open_dm', { userId: to });
      if (!dm.ok) throw new Error(dm.error.message);
      const db = (server().server.storage as KyselyStorage).db;
      for (const [index, entry] of entries.entries()) {
        const sent = await request(client, 'send_message', {
          chatId: dm.chat.id,
          text: entry.text,
          clientMessageId: `${from}-${index}`,
        });
        if (!sent.ok) throw new Error(sent.error.message);
        const at = new Date(Date.now() - entry.daysAgo * DAY);
        await db
          .updateTable('messages')
          .set({ created_at: at.toISOString() })
          .where('id', '=', sent.message.id)
          .execute();
      }
      client.disconnect();
      return dm.chat.id;
    }

    it('composer: Enter sends, Shift+Enter adds a line and the box grows, Enter while composing sends nothing', async () => {
      const pool = contexts();
      const [ana, ben] = await Promise.all([
        pool.page({ width: 1280, height: 800 }),
        pool.page({ width: 1280, height: 800 }),
      ]);
      await Promise.all([signIn(ana, 'composer-ana'), signIn(ben, 'composer-ben')]);
      await startDm(ana, 'composer-ben');

      const box = composer(ana);
      expect(await box.evaluate((element) => element.tagName)).toBe('TEXTAREA');
      const oneLine = (await box.boundingBox())?.height ?? 0;
      await box.pressSequentially('Line one', { delay: 2 });
      await box.press('Shift+Enter');
      await box.pressSequentially('Line two', { delay: 2 });
      await box.press('Shift+Enter');
      await box.pressSequentially('Line three', { delay: 2 });
      expect(await box.inputValue()).toBe('Line one\nLine two\nLine three');
      expect((await box.boundingBox())?.height ?? 0).toBeGreaterThan(oneLine * 1.8);
      // Nothing was sent by Shift+Enter.
      expect(await texts(ana)).toEqual([]);

      // An input method's Enter (confirming a composition) is not a send.
      await box.evaluate(
        (element, init) => {
          const view = element.ownerDocument.defaultView as unknown as {
            KeyboardEvent: new (type: string, init: object) => Event;
          };
          element.dispatchEvent(new view.KeyboardEvent('keydown', init));
        },
        { key: 'Enter', isComposing: true, bubbles: true, cancelable: true },
      );
      await box.press('Enter');
      await eventually(() => texts(ana), ['Line one\nLine two\nLine three']);
      expect(await box.inputValue()).toBe('');
      expect((await box.boundingBox())?.height ?? 0).toBeLessThan(oneLine * 1.3);

      // It grows to a limit (6 lines), then scrolls.
      await box.fill(Array.from({ length: 20 }, (_, i) => `row ${i}`).join('\n'));
      const tall = (await box.boundingBox())?.height ?? 0;
      expect(tall).toBeGreaterThan(oneLine * 3);
      expect(tall).toBeLessThan(oneLine * 7);
      await openChat(ben, 'composer-ana');
      await eventually(() => texts(ben), ['Line one\nLine two\nLine three']);
    });

    it('day separators, full dates on hover, relative dates in the chat list, the New messages divider', async () => {
      const reader = 'dates-reader';
      const [longAgo, lastWeek, coach] = await Promise.all([
        backdated('dates-old', reader, [{ text: 'Season starts soon', daysAgo: 20 }]),
        backdated('dates-week', reader, [{ text: 'Kit is ready', daysAgo: 3 }]),
        backdated('dates-coach', reader, [
          { text: 'Ten days ago', daysAgo: 10 },
          { text: 'Yesterday 1', daysAgo: 1 },
          { text: 'Yesterday 2', daysAgo: 1 },
          { text: 'Today 1', daysAgo: 0 },
          { text: 'Today 2', daysAgo: 0 },
        ]),
      ]);
      const pool = contexts();
      const page = await pool.page({ width: 1280, height: 800 });
      await signIn(page, reader);
      const list = page.getByRole('navigation', { name: 'Chats' });
      const timeOf = (chatId: string) => list.locator(`li[data-chat-id="${chatId}"] time`).textContent();
      // Expected labels, formatted by the browser's own locale.
      const labels = await page.evaluate((day) => {
        const at = (days: number) => new Date(Date.now() - days * day);
        return {
          weekday: at(3).toLocaleDateString([], { weekday: 'long' }),
          date: at(20).toLocaleDateString([], { day: 'numeric', month: 'short' }),
          dateWithYear: at(20).toLocaleDateString([], { day: 'numeric', month: 'short', year: 'numeric' }),
          tenDays: at(10).toLocaleDateString([], {
            weekday: 'long',
            day: 'numeric',
            month: 'long',
            year: 'numeric',
          }),
        };
      }, DAY);
      await eventually(() => list.locator('li[data-chat-id]').count(), 3);
      expect(await timeOf(coach)).toMatch(/^\d{1,2}:\d{2}/);
      expect(await timeOf(lastWeek)).toBe(labels.weekday);
      expect([labels.date, labels.dateWithYear]).toContain(await timeOf(longAgo));
      expect(await list.locator(`li[data-chat-id="${longAgo}"] time`).getAttribute('title')).toContain(
        String(new Date(Date.now() - 20 * DAY).getFullYear()),
      );

      // The coach's chat, never opened: all five are unread.
      await openChat(page, 'dates-coach');
      await eventually(
        () => texts(page),
        ['Ten days ago', 'Yesterday 1', 'Yesterday 2', 'Today 1', 'Today 2'],
      );
      expect(await dividers(page)).toEqual([labels.tenDays, 'New messages', 'Yesterday', 'Today']);
      // Hovering a time shows the full date and time.
      const stamp = page.locator('.messages li.message time').first();
      const title = await stamp.getAttribute('title');
      expect(title).toBe(
        await stamp.evaluate((element) =>
          new Date(element.getAttribute('datetime') ?? '').toLocaleString([], {
            dateStyle: 'full',
            timeStyle: 'short',
          }),
        ),
      );
      expect(title).toContain(String(new Date(Date.now() - 10 * DAY).getFullYear()));
    });

    it('opens at the first unread message; Jump to latest counts what arrives meanwhile; the list scrolls by keyboard', async () => {
      const reader = 'jump-reader';
      const lines = Array.from({ length: 40 }, (_, i) => ({ text: `Line ${i + 1}`, daysAgo: 0 }));
      await backdated('jump-team', reader, lines.slice(0, 10));
      const page = await contexts().page({ width: 1280, height: 800 });
      await signIn(page, reader);
      await openChat(page, 'jump-team');
      const list = page.getByRole('region', { name: 'Messages with jump-team' });
      const fromBottom = () =>
        list.evaluate((element) => element.scrollHeight - element.scrollTop - element.clientHeight);
      // Read these ten; thirty more arrive while the reader is away (another chat open).
      await eventually(
        () => texts(page),
        lines.slice(0, 10).map((l) => l.text),
      );
      await page.getByRole('link', { name: /MPI/ }).click();
      const team = await server().connect('jump-team', { deviceId: 'jump-team-2' });
      const dm = await request(team, 'open_dm', { userId: reader });
      if (!dm.ok) throw new Error(dm.error.message);
      for (const [index, line] of lines.slice(10).entries()) {
        await request(team, 'send_message', {
          chatId: dm.chat.id,
          text: line.text,
          clientMessageId: `more-${index}`,
        });
      }
      await openChat(page, 'jump-team');
      await eventually(() => texts(page).then((t) => t.length), 40);
      // It opens at the divider before "Line 11", not at the bottom.
      const divider = await page.locator('.unread-divider').boundingBox();
      const box = await list.boundingBox();
      expect(divider && box && divider.y >= box.y && divider.y < box.y + box.height / 2).toBe(true);
      const jump = page.getByRole('button', { name: /Jump to latest/ });
      await jump.waitFor();
      // Clear of the composer, even at its tallest.
      await composer(page).fill(Array.from({ length: 10 }, (_, i) => `draft ${i}`).join('\n'));
      const [jumpBox, composerBox] = await Promise.all([
        jump.boundingBox(),
        page.locator('.composer').boundingBox(),
      ]);
      expect(jumpBox && composerBox && overlaps(jumpBox, composerBox)).toBe(false);
      await composer(page).fill('');
      await request(team, 'send_message', {
        chatId: dm.chat.id,
        text: 'One more',
        clientMessageId: 'one-more',
      });
      await page.getByRole('button', { name: '1 new · Jump to latest' }).waitFor();
      await jump.click();
      await eventually(async () => (await fromBottom()) < 2, true);
      await jump.waitFor({ state: 'detached' });

      // Keyboard: Tab reaches the list, Home and End scroll it.
      await list.focus();
      await page.keyboard.press('Home');
      await eventually(() => list.evaluate((element) => element.scrollTop), 0);
      await jump.waitFor();
      await page.keyboard.press('End');
      await eventually(async () => (await fromBottom()) < 2, true);
      team.disconnect();
    });

    it('links are clickable and safe; hostile text stays inert; long words wrap; long messages collapse', async () => {
      const pool = contexts();
      const [cara, longUser] = await Promise.all([
        pool.page({ width: 1280, height: 800 }),
        pool.page({ width: 375, height: 812 }),
      ]);
      const longId = `player-${'0123456789'.repeat(12)}`;
      await Promise.all([signIn(cara, 'links-cara'), signIn(longUser, longId)]);
      await startDm(cara, longId);
      // A chat header with a 126-character id does not push the page sideways, on a desktop or a phone.
      expect(await scrollsSideways(cara)).toBe(false);

      const target = `${server().url}/healthz?from=chat`;
      await send(
        cara,
        `Fixtures: ${target} or mail coach@example.org. Not links: javascript:alert(1) <script>window.__x=1</script> <a href="javascript:window.__x=2">x</a>`,
      );
      const unbroken = `id:${'z'.repeat(400)}`;
      await composer(cara).fill(unbroken);
      await composer(cara).press('Enter');
      const long = Array.from({ length: 400 }, (_, i) => `word${i}`)
        .join(' ')
        .slice(0, LIMITS.messageTextMaxLength);
      await composer(cara).fill(long);
      await composer(cara).press('Enter');

      await openChat(longUser, 'links-cara');
      expect(await scrollsSideways(longUser)).toBe(false);
      for (const page of [cara, longUser]) {
        await eventually(() => page.locator('.messages li.message').count(), 3);
        const links = await page
          .locator('.messages a')
          .evaluateAll((anchors) =>
            anchors.map((a) => [a.getAttribute('href'), a.getAttribute('target'), a.getAttribute('rel')]),
          );
        expect(links).toEqual([
          [target, '_blank', 'noopener noreferrer'],
          ['mailto:coach@example.org', '_blank', 'noopener noreferrer'],
        ]);
        expect(await page.locator('.messages script').count()).toBe(0);
        expect(await page.evaluate(() => (globalThis as unknown as { __x?: number }).__x)).toBeUndefined();
        expect(await scrollsSideways(page)).toBe(false);
        // The unbroken word wraps inside its bubble.
        const list = await page.locator('.messages').boundingBox();
        const bubble = await page.locator('.messages li.message').nth(1).locator('.bubble').boundingBox();
        expect(bubble && list && bubble.x + bubble.width <= list.x + list.width).toBe(true);
      }

      // A click opens the link in a new tab.
      const [opened] = await Promise.all([
        cara.context().waitForEvent('page'),
        cara.getByRole('link', { name: target }).click(),
      ]);
      await opened.waitForLoadState();
      expect(opened.url()).toBe(target);
      expect(await opened.evaluate<unknown>('window.opener')).toBeNull();
      await opened.close();

      // The long message shows its start and "Show more"; the button shows it all, and less again.
      const item = longUser.locator('.messages li.message').nth(2);
      const collapsedHeight = (await item.boundingBox())?.height ?? 0;
      expect(collapsedHeight).toBeLessThan(500);
      expect(((await item.locator('.text').textContent()) ?? '').length).toBeLessThan(600);
      await item.getByRole('button', { name: 'Show more' }).click();
      expect(await item.locator('.text').textContent()).toBe(long);
      expect(await item.getByRole('button', { name: 'Show less' }).getAttribute('aria-expanded')).toBe(
        'true',
      );
      expect(await scrollsSideways(longUser)).toBe(false);
    });

    it('toasts never cover controls: Mark all read, the channel list on a phone, the composer', async () => {
      const pool = contexts();
      for (const viewport of [
        { width: 1280, height: 800 },
        { width: 375, height: 812 },
      ]) {
        const page = await pool.page(viewport);
        const user = `toast-${viewport.width}`;
        await signIn(page, user);
        await postSigned('/api/v1/notifications', {
          type: 'system:update',
          payload: { message: 'Before the centre opens' },
          audience: { users: [user] },
        });
        await page.getByRole('link', { name: 'Notifications' }).click();
        await page.getByRole('heading', { name: 'Notifications' }).waitFor();
        for (const message of ['Pitch 2 is closed', 'Training moved to 18:00', 'New kit arrived']) {
          const response = await postSigned('/api/v1/notifications', {
            type: 'system:update',
            payload: { message },
            audience: { users: [user] },
          });
          expect(response.status).toBe(201);
        }
        await eventually(() => page.locator('.toast').count(), 3);
        const controls = [
          page.getByRole('button', { name: 'Mark all read' }),
          ...(await page.locator('.channels input').all()),
          page.getByRole('button', { name: 'Sign out' }),
          page.getByRole('link', { name: 'Notifications' }),
        ];
        const toastBoxes = await Promise.all(
          (await page.locator('.toast').all()).map((t) => t.boundingBox()),
        );
        for (const control of controls) {
          const box = await control.boundingBox();
          expect(box).not.toBeNull();
          for (const toast of toastBoxes) expect(toast && box && overlaps(toast, box)).toBe(false);
        }
        // And the composer of an open chat.
        await page.getByRole('link', { name: /MPI/ }).click();
        await startDm(page, `${user}-friend`);
        const send = await page.getByRole('button', { name: 'Send' }).boundingBox();
        const input = await composer(page).boundingBox();
        for (const toast of await Promise.all(
          (await page.locator('.toast').all()).map((t) => t.boundingBox()),
        )) {
          expect(toast && send && overlaps(toast, send)).toBe(false);
          expect(toast && input && overlaps(toast, input)).toBe(false);
        }
        expect(await scrollsSideways(page)).toBe(false);
      }
    });

    it('dark mode follows the operating system', async () => {
      const pool = contexts();
      const [light, dark] = await Promise.all([
        pool.page({ width: 1280, height: 800, colorScheme: 'light' }),
        pool.page({ width: 1280, height: 800, colorScheme: 'dark' }),
      ]);
      await Promise.all([signIn(light, 'scheme-light'), signIn(dark, 'scheme-dark')]);
      await startDm(dark, 'scheme-light');
      await send(dark, 'In the dark');
      await openChat(light, 'scheme-dark');
      const luminance = (page: Page, selector: string, property: 'background-color' | 'color') =>
        page
          .locator(selector)
          .first()
          .evaluate((element, prop) => {
            const value = element.ownerDocument.defaultView?.getComputedStyle(element).getPropertyValue(prop);
            const [r = 0, g = 0, b = 0] = (value?.match(/\d+(\.\d+)?/g) ?? []).map(Number);
            return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
          }, property);
      expect(await dark.evaluate<string>('getComputedStyle(document.documentElement).colorScheme')).toBe(
        'light dark',
      );
      for (const selector of ['html', '.sidebar', '.composer', '.messages li.message .bubble']) {
        expect(await luminance(dark, selector, 'background-color')).toBeLessThan(0.25);
        expect(await luminance(light, selector, 'background-color')).toBeGreaterThan(0.8);
      }
      expect(await luminance(dark, '.messages li.message .text', 'color')).toBeGreaterThan(0.8);
      // Form controls follow too (color-scheme): the text area is dark.
      expect(await luminance(dark, '.composer textarea', 'background-color')).toBeLessThan(0.2);
    });
  },
);
