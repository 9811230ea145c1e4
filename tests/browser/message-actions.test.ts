import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { request } from '../../packages/server/test/support/server.js';
import {
  composer,
  connectionState,
  eventually,
  HAS_CHROMIUM,
  openChat,
  screenshot,
  send,
  signIn,
  startDm,
  waitConnected,
} from './support.js';
import { webAppSuite } from './web-app-suite.js';

const row = (page: Page, text: string) =>
  page.locator('.messages li.message').filter({ has: page.locator('.text', { hasText: text }) });

/** Opens the actions menu of the message showing `text` (hover reveals its button) and picks `item`. */
async function act(page: Page, text: string, item: string | RegExp): Promise<void> {
  const message = row(page, text);
  await message.hover();
  await message.getByRole('button', { name: 'Message actions' }).click();
  await page.getByRole('menu').getByRole('menuitem', { name: item }).click();
}

async function edit(page: Page, text: string, next: string): Promise<void> {
  await act(page, text, 'Edit');
  const input = page.getByLabel('Edit message');
  await input.fill(next);
  await input.press('Enter');
}

/** Each message row as the reader sees it: text, "edited", quote, reaction chips. */
interface Shown {
  text: string;
  edited: boolean;
  quote: string | null;
  chips: string[];
}
function shown(page: Page): Promise<Shown[]> {
  return page.locator('.messages li.message').evaluateAll((items) =>
    items.map((item) => ({
      text: item.querySelector('.text')?.textContent ?? '',
      edited: item.querySelector('.edited') !== null,
      quote: item.querySelector('.quote-text')?.textContent ?? null,
      chips: [...item.querySelectorAll('.reaction')].map(
        (chip) => chip.textContent?.replace(/\s+/g, '') ?? '',
      ),
    })),
  );
}

describe.skipIf(!HAS_CHROMIUM)('message actions in a real browser', { timeout: 90_000 }, () => {
  const { server, contexts } = webAppSuite();

  it('react, edit, reply and delete both ways between two users, kept across a reload; search opens the message', async () => {
    const pool = contexts();
    const [alice, bob] = await Promise.all([pool.page(), pool.page()]);
    await Promise.all([signIn(alice, 'ava'), signIn(bob, 'ben')]);
    await startDm(alice, 'ben');
    await send(alice, 'Training at 6');
    await openChat(bob, 'ava');
    await row(bob, 'Training at 6').waitFor();

    // Ben reacts, Ava sees the chip; Ava edits, Ben sees the new text marked edited.
    await act(bob, 'Training at 6', 'React 👍');
    await alice.getByRole('button', { name: '👍 1: ben' }).waitFor();
    await edit(alice, 'Training at 6', 'Training at 7');
    await row(bob, 'Training at 7').locator('.edited').waitFor();

    // Ben replies: the composer shows what he answers; both see the quote.
    await act(bob, 'Training at 7', 'Reply');
    await bob.getByRole('status').filter({ hasText: 'Replying to ava: Training at 7' }).waitFor();
    await send(bob, 'I will be there');
    await expect.poll(() => bob.locator('.reply-preview').count()).toBe(0);
    await row(alice, 'I will be there').locator('.quote-text', { hasText: 'Training at 7' }).waitFor();

    // The other way round: Ava reacts to Ben's reply, Ben edits it, then deletes his first message.
    await act(alice, 'I will be there', 'React 🎉');
    await bob.getByRole('button', { name: '🎉 1: ava' }).waitFor();
    await send(bob, 'Bringing the balls');
    await edit(bob, 'I will be there', 'I will be there at 7');
    await row(alice, 'I will be there at 7').locator('.edited').waitFor();
    await act(bob, 'Bringing the balls', 'Delete');
    await eventually(
      async () => (await shown(alice)).map((m) => m.text),
      ['Training at 7', 'I will be there at 7', 'Message deleted'],
    );
    // And Ava replies to Ben, then deletes her reply.
    await act(alice, 'I will be there at 7', 'Reply');
    await send(alice, 'Great');
    await row(bob, 'Great').locator('.quote-text', { hasText: 'I will be there at 7' }).waitFor();
    await act(alice, 'Great', 'Delete');
    await eventually(
      async () => (await shown(bob)).map((m) => m.text),
      ['Training at 7', 'I will be there at 7', 'Message deleted', 'Message deleted'],
    );
    // A chip toggles: Ben takes his 👍 back by tapping it.
    await bob.getByRole('button', { name: '👍 1: ben' }).click();
    await alice.getByRole('button', { name: '👍 1: ben' }).waitFor({ state: 'detached' });
    await screenshot(alice, 'actions-1-alice');

    const expected = [
      { text: 'Training at 7', edited: true, quote: null, chips: [] },
      { text: 'I will be there at 7', edited: true, quote: 'Training at 7', chips: ['🎉1'] },
      { text: 'Message deleted', edited: false, quote: null, chips: [] },
      { text: 'Message deleted', edited: false, quote: null, chips: [] },
    ];
    await eventually(() => shown(alice), expected);
    await eventually(() => shown(bob), expected);
    // A reload shows the same, from history.
    await Promise.all([alice.reload(), bob.reload()]);
    await Promise.all([waitConnected(alice), waitConnected(bob)]);
    await eventually(() => shown(alice), expected);
    await eventually(() => shown(bob), expected);

    // Search: a result opens the chat at the message.
    await alice.goto('/');
    await waitConnected(alice);
    await alice.getByLabel('Search messages').fill('balls');
    await alice.getByText('No messages found.').waitFor(); // deleted: not found
    await alice.getByLabel('Search messages').fill('there');
    await alice.getByRole('list', { name: 'Search results' }).getByRole('button').first().click();
    await alice.locator('.messages li.message.highlight', { hasText: 'I will be there at 7' }).waitFor();
    await screenshot(alice, 'actions-2-search');
  });

  it('actions made offline show at once and arrive once; an offline reader sees the final state', async () => {
    const pool = contexts();
    const [carl, dora] = await Promise.all([pool.page(), pool.page()]);
    await Promise.all([signIn(carl, 'carl'), signIn(dora, 'dora')]);
    const chatId = await startDm(carl, 'dora');
    await send(carl, 'Match on Sunday');
    await send(carl, 'Bring water');
    await openChat(dora, 'carl');
    await row(dora, 'Bring water').waitFor();

    // Dora goes offline; Carl edits, reacts and deletes meanwhile.
    await dora.context().setOffline(true);
    await eventually(() => connectionState(dora), 'reconnecting');
    await edit(carl, 'Match on Sunday', 'Match on Saturday');
    await act(carl, 'Match on Saturday', 'React ❤️');
    await act(carl, 'Bring water', 'Delete');
    await dora.context().setOffline(false);
    await waitConnected(dora);
    const tombstone = { text: 'Message deleted', edited: false, quote: null, chips: [] };
    const final = [{ text: 'Match on Saturday', edited: true, quote: null, chips: ['❤️1'] }, tombstone];
    await eventually(() => shown(dora), final);

    // Carl goes offline and edits and reacts: shown at once on his screen, nothing at Dora's.
    await carl.context().setOffline(true);
    await eventually(() => connectionState(carl), 'reconnecting');
    await edit(carl, 'Match on Saturday', 'Match on Saturday at 10');
    await act(carl, 'Match on Saturday at 10', 'React 👍');
    await row(carl, 'Match on Saturday at 10').getByRole('button', { name: '👍 1: carl' }).waitFor();
    await row(carl, 'Match on Saturday at 10').getByRole('img', { name: 'Not saved yet' }).waitFor();
    await dora.waitForTimeout(300);
    expect((await shown(dora))[0]?.text).toBe('Match on Saturday');

    await carl.context().setOffline(false);
    await waitConnected(carl);
    const after = [
      { text: 'Match on Saturday at 10', edited: true, quote: null, chips: ['❤️1', '👍1'] },
      tombstone,
    ];
    await eventually(() => shown(dora), after);
    await eventually(() => shown(carl), after);
    expect(await carl.getByRole('img', { name: 'Not saved yet' }).count()).toBe(0);
    // Stored once each: the edit and the reaction took one version each, after the three before.
    const probe = await server().connect('dora', { deviceId: 'probe' });
    const history = await request(probe, 'get_history', { chatId, limit: 10 });
    expect(history.ok && history.messages.map((m) => [m.text, m.version])).toEqual([
      ['', 3],
      ['Match on Saturday at 10', 5],
    ]);
    // The composer still sends after all that.
    await composer(dora).fill('See you');
    await composer(dora).press('Enter');
    await row(carl, 'See you').waitFor();
  });

  it('on a touch screen the menu button is always there, and a long press opens the menu too', async () => {
    const pool = contexts();
    const [phone, desk] = await Promise.all([
      pool.page({ width: 390, height: 760, touch: true }),
      pool.page(),
    ]);
    await Promise.all([signIn(phone, 'pia'), signIn(desk, 'rob')]);
    await startDm(desk, 'pia');
    await send(desk, 'Are you coming?');
    await openChat(phone, 'rob');
    const message = row(phone, 'Are you coming?');
    const button = message.getByRole('button', { name: 'Message actions' });
    expect(
      await button.evaluate(
        (element) => element.ownerDocument.defaultView?.getComputedStyle(element).opacity,
      ),
    ).toBe('1');
    await button.tap();
    await phone.getByRole('menu').getByRole('menuitem', { name: 'React 👍' }).tap();
    await desk.getByRole('button', { name: '👍 1: pia' }).waitFor();

    // A long press on the bubble (no click, no hover) opens the same menu.
    await message.locator('.bubble').dispatchEvent('pointerdown', { pointerType: 'touch', isPrimary: true });
    await phone.getByRole('menu').waitFor({ timeout: 3000 });
    await message.locator('.bubble').dispatchEvent('pointerup', { pointerType: 'touch', isPrimary: true });
    await phone.getByRole('menu').getByRole('menuitem', { name: 'Reply' }).tap();
    await phone.locator('.reply-preview', { hasText: 'Replying to rob: Are you coming?' }).waitFor();
    await send(phone, 'Yes');
    await row(desk, 'Yes').locator('.quote-text', { hasText: 'Are you coming?' }).waitFor();
    await screenshot(phone, 'actions-3-phone');
  });

  it('a search result older than the loaded history opens its chat scrolled to it', async () => {
    const pool = contexts();
    const page = await pool.page();
    await signIn(page, 'sara');
    // Tom wrote 80 messages; the oldest mentions the pitch.
    const tom = await server().connect('tom');
    const dm = await request(tom, 'open_dm', { userId: 'sara' });
    if (!dm.ok) throw new Error(dm.error.message);
    for (let i = 0; i < 80; i++) {
      const text = i === 0 ? 'The pitch is closed on Monday' : `note ${i}`;
      const ack = await request(tom, 'send_message', { chatId: dm.chat.id, text, clientMessageId: `t-${i}` });
      expect(ack.ok).toBe(true);
    }
    await page.getByLabel('Search messages').fill('pitch');
    await page
      .getByRole('list', { name: 'Search results' })
      .getByRole('button', { name: /The pitch/ })
      .click();
    const target = page.locator('.messages li.message.highlight', {
      hasText: 'The pitch is closed on Monday',
    });
    await target.waitFor();
    expect(await target.isVisible()).toBe(true);
    expect(await page.locator('.messages li.message').count()).toBe(80);
  });
});
