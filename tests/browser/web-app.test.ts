import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { request } from '../../packages/server/test/support/server.js';
import {
  composer,
  connectionState,
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
describe.skipIf(!HAS_CHROMIUM)('web app in a real browser', { timeout: 90_000 }, () => {
  const { server, contexts, texts, postSigned } = webAppSuite();

  it('two users chat both ways: typing shows and clears, ticks go sent → delivered → read', async () => {
    const pool = contexts();
    const [alice, bob] = await Promise.all([pool.page(), pool.page()]);
    await Promise.all([signIn(alice, 'alice', 'Alice'), signIn(bob, 'bob')]);

    await startDm(alice, 'bob');
    await send(alice, 'Hello Bob');
    // Bob is online but has not opened the chat: his device holds the message (delivered), unread.
    await eventually(() => messageStatus(alice, 'Hello Bob'), 'delivered');
    const bobsRow = bob.getByRole('navigation', { name: 'Chats' }).getByRole('link', { name: /Alice/ });
    await bobsRow.getByTestId('unread-badge').waitFor();
    expect(await bobsRow.getByTestId('unread-badge').textContent()).toBe('1 unread');
    expect(await alice.locator('.tick-delivered').getAttribute('aria-label')).toBe('Delivered');

    // Bob opens it: read. Each sees the other there (bob from his join, alice from user_joined).
    await openChat(bob, 'Alice'); // her display name
    expect(await texts(bob)).toEqual(['Hello Bob']);
    await bob.locator('.chat-subtitle', { hasText: 'Direct message · here now' }).waitFor();
    await alice.locator('.chat-subtitle', { hasText: 'Direct message · here now' }).waitFor();
    await eventually(() => messageStatus(alice, 'Hello Bob'), 'read');
    expect(await alice.locator('.tick-read').getAttribute('aria-label')).toBe('Read');
    await bobsRow.getByTestId('unread-badge').waitFor({ state: 'detached' });

    // Bob types: Alice sees it; he sends: it clears and the message arrives.
    await composer(bob).pressSequentially('Hi Al', { delay: 10 });
    await alice.getByText('bob is typing…').waitFor();
    await composer(bob).pressSequentially('ice!', { delay: 5 });
    await composer(bob).press('Enter');
    await alice.getByText('bob is typing…').waitFor({ state: 'detached' });
    await eventually(() => texts(alice), ['Hello Bob', 'Hi Alice!']);
    await eventually(() => messageStatus(bob, 'Hi Alice!'), 'read');

    // Typing that is abandoned (draft cleared) clears too.
    await composer(alice).pressSequentially('hmm', { delay: 10 });
    await bob.getByText('Alice is typing…').waitFor();
    await composer(alice).fill('');
    await composer(alice).press('Backspace');
    await bob.getByText('Alice is typing…').waitFor({ state: 'detached' });

    // A third exchange, to be sure both directions keep working.
    await send(alice, 'See you at training');
    await eventually(() => texts(bob), ['Hello Bob', 'Hi Alice!', 'See you at training']);
    await eventually(() => messageStatus(alice, 'See you at training'), 'read');
  });

  it('offline recipient catches up once and in order; an offline sender queues and sends once', async () => {
    const pool = contexts();
    const [carol, dave] = await Promise.all([pool.page(), pool.page()]);
    await Promise.all([signIn(carol, 'carol'), signIn(dave, 'dave')]);
    const chatId = await startDm(carol, 'dave');
    await send(carol, 'm0');
    await openChat(dave, 'carol');
    await eventually(() => messageStatus(carol, 'm0'), 'read');

    // Dave's network goes away. Chromium's setOffline() does not close an open WebSocket (it only fails new
    // ones); the app closes the transport on the window's `offline` event, so the SDK starts reconnecting.
    await dave.context().setOffline(true);
    await eventually(() => connectionState(dave), 'reconnecting');
    // The badge counts down to the next attempt (retries fail while offline).
    const badge = dave.locator('.connection');
    await expect
      .poll(() => badge.textContent(), { timeout: 5000 })
      .toMatch(/Reconnectingin \d+ s · attempt \d of 5/);
    await screenshot(dave, '7-reconnecting');

    for (const text of ['m1', 'm2', 'm3']) await send(carol, text);
    for (const text of ['m1', 'm2', 'm3']) await eventually(() => messageStatus(carol, text), 'sent');
    expect(await texts(dave)).toEqual(['m0']);

    // Back online: the `online` event starts the retry at once; catch-up brings each message once.
    await dave.context().setOffline(false);
    await waitConnected(dave);
    await eventually(() => texts(dave), ['m0', 'm1', 'm2', 'm3']);
    for (const text of ['m1', 'm2', 'm3']) await eventually(() => messageStatus(carol, text), 'read');

    // Carol goes offline, writes two messages: pending on her screen, nothing at Dave's.
    await carol.context().setOffline(true);
    await eventually(() => connectionState(carol), 'reconnecting');
    await send(carol, 'p1');
    await send(carol, 'p2');
    await eventually(() => messageStatus(carol, 'p1'), 'pending');
    await eventually(() => messageStatus(carol, 'p2'), 'pending');
    expect(await carol.locator('.tick-pending').count()).toBe(2);

    await carol.context().setOffline(false);
    await waitConnected(carol);
    await eventually(() => messageStatus(carol, 'p2'), 'read');
    expect(await messageStatus(carol, 'p1')).toBe('read');
    const all = ['m0', 'm1', 'm2', 'm3', 'p1', 'p2'];
    await eventually(() => texts(dave), all);
    await eventually(() => texts(carol), all);
    // Nothing arrives twice later either (a late duplicate would show up as a second row).
    await dave.waitForTimeout(500);
    expect(await texts(dave)).toEqual(all);
    expect(await texts(carol)).toEqual(all);
    // And the server stored each once.
    const probe = await server().connect('dave', { deviceId: 'probe' });
    const history = await request(probe, 'get_history', { chatId, limit: 50 });
    expect(history.ok && history.messages.map((m) => m.text).reverse()).toEqual(all);
  });

  it('a failed send shows "Not sent" with Retry, and Retry sends it once', async () => {
    const pool = contexts();
    const nina = await pool.page();
    await signIn(nina, 'nina');
    // Olaf, on another client, makes a group with Nina, then removes her.
    const olaf = await server().connect('olaf');
    const created = await request(olaf, 'create_group', { name: 'Referees', members: ['nina'] });
    if (!created.ok) throw new Error(created.error.message);
    const chatId = created.chat.id;
    await openChat(nina, 'Referees');
    expect((await request(olaf, 'remove_member', { chatId, userId: 'nina' })).ok).toBe(true);

    await send(nina, 'Can I still write here?');
    await eventually(() => messageStatus(nina, 'Can I still write here?'), 'failed');
    const failure = nina.getByRole('alert').filter({ hasText: 'Not sent' });
    await failure.waitFor();
    expect(await nina.locator('.tick-failed').getAttribute('aria-label')).toBe('Not sent');

    expect((await request(olaf, 'add_members', { chatId, userIds: ['nina'] })).ok).toBe(true);
    await failure.getByRole('button', { name: 'Retry' }).click();
    await eventually(() => messageStatus(nina, 'Can I still write here?'), 'sent');
    const history = await request(olaf, 'get_history', { chatId, limit: 10 });
    expect(history.ok && history.messages.map((m) => m.text)).toEqual(['Can I still write here?']);
  });

  it('older history loads when scrolling up, keeping the reading position', async () => {
    // Pia sent 70 messages to Quinn from another client.
    const pia = await server().connect('pia');
    const dm = await request(pia, 'open_dm', { userId: 'quinn' });
    if (!dm.ok) throw new Error(dm.error.message);
    for (let i = 1; i <= 70; i++) {
      const ack = await request(pia, 'send_message', {
        chatId: dm.chat.id,
        text: `message ${i}`,
        clientMessageId: `pia-${i}`,
      });
      expect(ack.ok).toBe(true);
    }
    const pool = contexts();
    const quinn = await pool.page();
    await signIn(quinn, 'quinn');
    await openChat(quinn, 'pia');
    await eventually(async () => (await texts(quinn)).length, 50);
    expect((await texts(quinn)).at(-1)).toBe('message 70');

    const list = quinn.getByRole('region', { name: 'Messages with pia' });
    const firstShown = quinn.locator('li.message').first();
    expect(await firstShown.textContent()).toContain('message 21');
    await list.evaluate((element) => {
      element.scrollTop = 0;
    });
    await eventually(async () => (await texts(quinn)).length, 70);
    expect((await texts(quinn))[0]).toBe('message 1');
    // The message that was at the top is still in view: the list did not jump to the start.
    const inView = await list.evaluate((element) => {
      const box = element.getBoundingClientRect();
      const row = [...element.querySelectorAll('li.message')].find(
        (li) => li.querySelector('.text')?.textContent === 'message 21',
      );
      const rect = row?.getBoundingClientRect();
      return rect !== undefined && rect.bottom > box.top && rect.top < box.bottom;
    });
    expect(inView).toBe(true);
    expect(await quinn.getByRole('button', { name: 'Load older messages' }).count()).toBe(0);
  });

  it('a signed notification shows a toast and raises the notification centre count', async () => {
    const pool = contexts();
    const kim = await pool.page();
    await signIn(kim, 'kim', 'Kim');
    const bell = kim.getByRole('link', { name: /Notifications/ });
    expect(await kim.getByTestId('notification-count').count()).toBe(0);

    const response = await postSigned('/api/v1/notifications', {
      type: 'match:scheduled',
      payload: {
        id: 'match-42',
        title: 'League match',
        startsAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
        location: 'Main pitch',
        homeTeam: 'MPI U12',
        awayTeam: 'Rovers',
      },
      audience: { users: ['kim'] },
    });
    expect(response.status, await response.clone().text()).toBe(201);

    const toasts = kim.getByRole('region', { name: 'New notifications' });
    await toasts.getByText('Match scheduled: MPI U12 – Rovers').waitFor();
    await eventually(() => kim.getByTestId('notification-count').textContent(), '1 unread');

    const webhook = await postSigned('/api/v1/webhooks/club-shop', {
      type: 'order',
      title: 'Kit order shipped',
      message: 'Your order #1042 is on its way.',
      audience: { users: ['kim'] },
    });
    expect(webhook.status).toBe(201);
    await toasts.getByText('Kit order shipped').waitFor();
    await eventually(() => kim.getByTestId('notification-count').textContent(), '2 unread');

    // The centre lists both, newest first; once seen, the count clears.
    await bell.click();
    const list = kim.getByRole('list', { name: 'Received notifications' });
    await eventually(
      () => list.locator('.notification-title').allTextContents(),
      ['New: Kit order shipped', 'New: Match scheduled: MPI U12 – Rovers'],
    );
    await kim.getByTestId('notification-count').waitFor({ state: 'detached' });

    // Channel preferences: System is mandatory; unsubscribing Matches stops match notifications, and the
    // choice is the server's (it survives a reload).
    const matches = kim.getByRole('checkbox', { name: 'Matches' });
    expect(await kim.getByRole('checkbox', { name: 'System notices' }).isDisabled()).toBe(true);
    await eventually(() => matches.isChecked(), true);
    await matches.uncheck();
    await eventually(() => matches.isEnabled(), true);
    expect(await matches.isChecked()).toBe(false);
    const match = (title: string) => ({
      type: 'match:updated',
      payload: { id: 'match-42', title, startsAt: new Date(Date.now() + 86_400_000).toISOString() },
      audience: { users: ['kim'] },
    });
    expect((await postSigned('/api/v1/notifications', match('Moved match'))).status).toBe(201);
    const system = {
      type: 'system:maintenance',
      payload: { message: 'Back at 22:00' },
      audience: { users: ['kim'] },
    };
    expect((await postSigned('/api/v1/notifications', system)).status).toBe(201);
    await toasts.getByText('Back at 22:00').waitFor();
    expect(await kim.getByText('Match changed: Moved match').count()).toBe(0);

    // While Kim is offline a notice arrives; after the reload the inbox (kept by the server) has it too.
    await kim.context().setOffline(true);
    await eventually(() => connectionState(kim), 'reconnecting');
    const later = {
      type: 'system:update',
      payload: { message: 'Sent while away' },
      audience: { users: ['kim'] },
    };
    expect((await postSigned('/api/v1/notifications', later)).status).toBe(201);
    await kim.context().setOffline(false);
    await kim.reload();
    await waitConnected(kim);
    await eventually(
      () => list.locator('.notification-body').allTextContents(),
      [
        'Sent while away',
        'Back at 22:00',
        'Your order #1042 is on its way.',
        expect.stringMatching(/Main pitch$/),
      ],
    );
    await eventually(() => kim.getByRole('checkbox', { name: 'Matches' }).isEnabled(), true);
    expect(await kim.getByRole('checkbox', { name: 'Matches' }).isChecked()).toBe(false);
    await kim.getByRole('checkbox', { name: 'Matches' }).check();
    await eventually(() => kim.getByRole('checkbox', { name: 'Matches' }).isEnabled(), true);
    expect((await postSigned('/api/v1/notifications', match('Final'))).status).toBe(201);
    await toasts.getByText('Match changed: Final').waitFor();
  });

  it('a reload keeps the session, the chat list and the history', async () => {
    const pool = contexts();
    const [erin, frank] = await Promise.all([pool.page(), pool.page()]);
    await Promise.all([signIn(erin, 'erin', 'Erin'), signIn(frank, 'frank')]);
    await createGroup(erin, 'Under-12 coaches', ['frank', 'gus']);
    await send(erin, 'Kit order is in');
    await startDm(erin, 'frank');
    for (const text of ['one', 'two', 'three']) await send(erin, text);
    await eventually(() => messageStatus(erin, 'three'), 'delivered');

    const chatList = (page: Page) =>
      page.getByRole('navigation', { name: 'Chats' }).locator('.chat-item-title').allInnerTexts();
    await eventually(() => chatList(erin), ['frank', 'Under-12 coaches']);
    const url = erin.url();

    await erin.reload();
    await waitConnected(erin);
    expect(erin.url()).toBe(url);
    await eventually(() => chatList(erin), ['frank', 'Under-12 coaches']);
    await eventually(() => texts(erin), ['one', 'two', 'three']);
    await eventually(() => messageStatus(erin, 'three'), 'delivered');
    await erin.getByText('Erin (erin)').waitFor();

    // Frank reloads with unread messages: the list keeps them as unread.
    await eventually(() => chatList(frank), ['Erin', 'Under-12 coaches']);
    await frank.reload();
    await waitConnected(frank);
    await eventually(() => chatList(frank), ['Erin', 'Under-12 coaches']);
    await eventually(() => frank.getByTestId('unread-badge').allTextContents(), ['3 unread', '1 unread']);
    await openChat(frank, 'Under-12 coaches');
    await eventually(() => texts(frank), ['Kit order is in']);

    // Signing out forgets the session, also across a reload.
    await frank.getByRole('button', { name: 'Sign out' }).click();
    await frank.getByLabel('User id').waitFor();
    await frank.reload();
    await frank.getByLabel('User id').waitFor();
    expect(await frank.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
  });
});
