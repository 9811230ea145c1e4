import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  composer,
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

const AVATAR = 'https://avatars.example.com/alice.png';
// A 1×1 PNG, served for the avatar host so the test needs no network.
const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

async function serveAvatars(page: Page): Promise<void> {
  await page
    .context()
    .route('https://avatars.example.com/**', (route) =>
      route.fulfill({ status: 200, contentType: 'image/png', body: PIXEL }),
    );
}

function chatRow(page: Page, name: RegExp) {
  return page.getByRole('navigation', { name: 'Chats' }).getByRole('link', { name });
}

describe.skipIf(!HAS_CHROMIUM)('people in the web app, in a real browser', { timeout: 90_000 }, () => {
  const { contexts } = webAppSuite();

  it('shows the other user’s name, avatar and presence, live, and @-completes and notifies a mention', async () => {
    const pool = contexts();
    const [alice, bob] = await Promise.all([pool.page(), pool.page()]);
    await Promise.all([serveAvatars(alice), serveAvatars(bob)]);
    await Promise.all([signIn(alice, 'alice-p', 'Alice'), signIn(bob, 'bob-p', 'Bob')]);
    // Alice sets her picture in her profile form (an http URL is refused first).
    await alice.getByLabel('Picture (https URL)').fill('http://avatars.example.com/alice.png');
    await alice.getByRole('button', { name: 'Save profile' }).click();
    await alice
      .getByRole('alert')
      .getByText(/avatarUrl must be an https URL/)
      .waitFor();
    await alice.getByLabel('Picture (https URL)').fill(AVATAR);
    await alice.getByRole('button', { name: 'Save profile' }).click();
    await alice.getByRole('status').getByText('Saved.').waitFor();

    await startDm(alice, 'bob-p', 'Bob');
    await send(alice, 'Hello Bob');

    // Bob's list: Alice by name, her picture, and online.
    const row = chatRow(bob, /Alice/);
    await row.waitFor();
    await eventually(() => row.locator('.avatar img').getAttribute('src'), AVATAR);
    await row.getByTestId('online-dot').waitFor();
    await openChat(bob, 'Alice');
    await bob.getByTestId('peer-presence').getByText('online').waitFor();
    // Alice sees Bob by name, with his initials (he has no picture).
    await alice.getByRole('heading', { level: 2, name: 'Bob', exact: true }).waitFor();
    expect(await alice.locator('.chat-head .avatar').textContent()).toBe('B');

    // A new name reaches Bob's list and header at once, and survives Alice's reload.
    await alice.getByRole('link', { name: 'MPI Realtime' }).click();
    await alice.getByLabel('Display name').fill('Alice K.');
    await alice.getByRole('button', { name: 'Save profile' }).click();
    await bob.getByRole('heading', { level: 2, name: 'Alice K.', exact: true }).waitFor();
    await chatRow(bob, /Alice K\./).waitFor();
    await alice.reload();
    await waitConnected(alice);
    await alice.getByText('Alice K. (alice-p)').waitFor();
    await openChat(alice, 'Bob');
    await bob.waitForTimeout(300);
    expect(await bob.locator('.chat-head h2').textContent()).toBe('Alice K.');

    // @-completion in Alice's composer: "@Bo" lists Bob; Enter inserts his id; the mention notifies him.
    await composer(alice).pressSequentially('@Bo', { delay: 10 });
    const option = alice.getByRole('option', { name: /Bob/ });
    await option.waitFor();
    await composer(alice).press('Enter');
    expect(await composer(alice).inputValue()).toBe('@bob-p ');
    await composer(alice).pressSequentially('kit?', { delay: 5 });
    await composer(alice).press('Enter');
    const toasts = bob.getByRole('region', { name: 'New notifications' });
    await toasts.getByText('Alice K. mentioned you').waitFor();
    await bob.locator('.message.mentions-me', { hasText: '@bob-p kit?' }).waitFor();

    // Bob mutes the chat: marked in his list (and on the button).
    await bob.getByRole('button', { name: /Mute/ }).click();
    await eventually(() => bob.getByRole('button', { name: /Muted/ }).getAttribute('aria-pressed'), 'true');
    await chatRow(bob, /Alice K\./)
      .getByTestId('muted-mark')
      .waitFor();
    await screenshot(bob, 'people-name-avatar-mention-mute');

    // Alice leaves: Bob sees her offline, last seen just now.
    await alice.close();
    await bob.getByTestId('peer-presence').getByText('last seen just now').waitFor();
    expect(
      await chatRow(bob, /Alice K\./)
        .getByTestId('online-dot')
        .count(),
    ).toBe(0);
  });

  it('hides presence with the privacy switch: the other side sees no online dot', async () => {
    const pool = contexts();
    const [cara, dan] = await Promise.all([pool.page(), pool.page()]);
    await Promise.all([signIn(cara, 'cara-p', 'Cara'), signIn(dan, 'dan-p', 'Dan')]);
    await startDm(cara, 'dan-p', 'Dan');
    await send(cara, 'hi');
    const row = chatRow(dan, /Cara/);
    await row.getByTestId('online-dot').waitFor();

    await cara.getByLabel('Hide my online status').check();
    await row.getByTestId('online-dot').waitFor({ state: 'detached' });
    await openChat(dan, 'Cara');
    expect(await dan.getByTestId('peer-presence').textContent()).toBe('');
    // The switch stays on after a reload (a stored setting).
    await cara.reload();
    await eventually(() => cara.getByLabel('Hide my online status').isChecked(), true);
    await dan.waitForTimeout(300);
    expect(await row.getByTestId('online-dot').count()).toBe(0);
  });
});
