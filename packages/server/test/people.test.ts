import { randomUUID } from 'node:crypto';
import type { NotificationMeta } from '@mpi/protocol';
import { forEachDialect, sleep, waitFor } from '@mpi/test-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  collect,
  nextEvent,
  request,
  startTestServer,
  type TestClient,
  type TestServer,
} from './support/server.js';

const uid = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const AVATAR = 'https://cdn.example.com/avatars/ann.png';

forEachDialect('people on %s: names, avatars, presence, mentions and mute', (db) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ DATABASE_URL: db.url() });
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** A connected, set-up user. */
  async function online(
    userId: string,
    userInfo: { name?: string; avatarUrl?: string } = {},
    deviceId?: string,
  ) {
    const client = await t.connect(userId, deviceId ? { deviceId } : {});
    const ack = await request(client, 'setup_user', { userId, userInfo });
    if (!ack.ok) throw new Error(ack.error.message);
    return client;
  }
  async function dm(client: TestClient, other: string) {
    const opened = await request(client, 'open_dm', { userId: other });
    if (!opened.ok) throw new Error(opened.error.message);
    return opened.chat.id;
  }
  async function group(client: TestClient, members: string[]) {
    const created = await request(client, 'create_group', { name: 'Squad', members });
    if (!created.ok) throw new Error(created.error.message);
    return created.chat.id;
  }

  it('shows a member their co-members names and avatars in the chat list, members and profiles', async () => {
    const [ann, ben] = [uid('ann'), uid('ben')];
    const annClient = await online(ann, { name: 'Ann Lee', avatarUrl: AVATAR });
    const benClient = await online(ben, { name: 'Ben' });
    const chatId = await dm(annClient, ben);

    const list = await request(benClient, 'list_chats', {});
    expect(list).toMatchObject({ ok: true, chats: [{ id: chatId, muted: false }] });
    if (!list.ok) return;
    expect(list.profiles).toContainEqual({ id: ann, name: 'Ann Lee', avatarUrl: AVATAR });
    const members = await request(benClient, 'get_members', { chatId });
    expect(members.ok && members.profiles).toContainEqual({ id: ann, name: 'Ann Lee', avatarUrl: AVATAR });
    const profiles = await request(benClient, 'get_profiles', { userIds: [ann, 'nobody-known'] });
    expect(profiles).toMatchObject({ ok: true, profiles: [{ id: ann, name: 'Ann Lee', avatarUrl: AVATAR }] });
  });

  it('sends a changed name or avatar live to co-members and to the user’s other devices', async () => {
    const [ann, ben, stranger] = [uid('ann'), uid('ben'), uid('stranger')];
    const annLaptop = await online(ann, { name: 'Ann' }, 'laptop');
    const annPhone = await online(ann, {}, 'phone');
    const benClient = await online(ben);
    const strangerClient = await online(stranger);
    await dm(annLaptop, ben);
    const benSees = collect(benClient, 'profile_updated');
    const phoneSees = collect(annPhone, 'profile_updated');
    const strangerSees = collect(strangerClient, 'profile_updated');

    const updated = await request(annLaptop, 'update_profile', { name: 'Ann B.', avatarUrl: AVATAR });
    expect(updated).toEqual({ ok: true, user: { id: ann, name: 'Ann B.', avatarUrl: AVATAR } });
    await waitFor(() => benSees.length === 1 && phoneSees.length === 1);
    expect(benSees[0]).toEqual({ id: ann, name: 'Ann B.', avatarUrl: AVATAR });
    // setup_user with another name is a change too; the same profile again is not.
    await request(annPhone, 'setup_user', { userId: ann, userInfo: { name: 'Annie' } });
    await request(annPhone, 'setup_user', { userId: ann, userInfo: { name: 'Annie' } });
    await waitFor(() => benSees.length === 2);
    await sleep(150);
    expect(benSees.map((u) => u.name)).toEqual(['Ann B.', 'Annie']);
    expect(strangerSees).toEqual([]);
  });

  it.each([
    ['an http URL', 'http://cdn.example.com/a.png'],
    ['a data: URL', 'data:image/png;base64,iVBORw0KGgo='],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['credentials in the URL', 'https://user:pw@cdn.example.com/a.png'],
    ['a URL over 2048 characters', `https://cdn.example.com/${'a'.repeat(2048)}`],
  ])('refuses %s as avatar and changes nothing', async (_name, avatarUrl) => {
    const ann = uid('ann');
    const client = await online(ann, { avatarUrl: AVATAR });
    const ack = await request(client, 'update_profile', { avatarUrl });
    expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await request(client, 'get_profiles', { userIds: [ann] })).toMatchObject({
      profiles: [{ id: ann, avatarUrl: AVATAR }],
    });
  });

  it('shows online while connected and last seen after the last connection closed', async () => {
    const [ann, ben] = [uid('ann'), uid('ben')];
    const annTab1 = await online(ann, {}, 'tab-1');
    const benClient = await online(ben);
    await dm(annTab1, ben);
    const list = await request(benClient, 'list_chats', {});
    expect(list.ok && list.presence).toEqual([{ userId: ann, online: true, lastSeenAt: null }]);

    const updates = collect(benClient, 'presence_updated');
    const annTab2 = await online(ann, {}, 'tab-2');
    annTab1.disconnect();
    await sleep(200);
    expect(updates).toEqual([]); // a second tab is not news
    const before = new Date().toISOString();
    annTab2.disconnect();
    await waitFor(() => updates.length === 1);
    expect(updates[0]).toMatchObject({ userId: ann, online: false, lastSeenAt: expect.any(String) });
    expect(updates[0]?.lastSeenAt && updates[0].lastSeenAt >= before).toBe(true);
    const later = await request(benClient, 'get_members', {
      chatId: list.ok ? (list.chats[0]?.id ?? '') : '',
    });
    expect(later.ok && later.presence).toEqual([updates[0]]);

    await online(ann, {}, 'tab-3');
    await waitFor(() => updates.length === 2);
    expect(updates[1]).toEqual({ userId: ann, online: true, lastSeenAt: null });
  });

  it('hides presence: others see neither online nor last seen, and the user sees no one’s last seen', async () => {
    const [ann, ben] = [uid('ann'), uid('ben')];
    const annLaptop = await online(ann, {}, 'laptop');
    const annPhone = await online(ann, {}, 'phone');
    const benClient = await online(ben);
    const chatId = await dm(annLaptop, ben);
    const benSees = nextEvent(benClient, 'presence_updated');
    const phoneSettings = nextEvent(annPhone, 'settings_updated');

    expect(await request(annLaptop, 'set_presence_hidden', { hidden: true })).toEqual({
      ok: true,
      settings: { hidePresence: true },
    });
    expect(await benSees).toEqual({ userId: ann, online: false, lastSeenAt: null });
    expect(await phoneSettings).toEqual({ hidePresence: true });
    const members = await request(benClient, 'get_members', { chatId });
    expect(members.ok && members.presence).toEqual([{ userId: ann, online: false, lastSeenAt: null }]);
    // Reconnecting or leaving does not give a hidden user away.
    const benUpdates = collect(benClient, 'presence_updated');
    annPhone.disconnect();
    const setup = await online(ann, {}, 'phone');
    expect((await request(setup, 'list_chats', {})).ok).toBe(true);
    await sleep(200);
    expect(benUpdates).toEqual([]);

    // Ann still sees Ben online, but not his last seen once he is gone.
    const annUpdates = collect(annLaptop, 'presence_updated');
    benClient.disconnect();
    await waitFor(() => annUpdates.length === 1);
    expect(annUpdates[0]).toEqual({ userId: ben, online: false, lastSeenAt: null });
    const annMembers = await request(annLaptop, 'get_members', { chatId });
    expect(annMembers.ok && annMembers.presence).toEqual([{ userId: ben, online: false, lastSeenAt: null }]);

    // Shown again: Ben, back, sees her online.
    const benBack = await online(ben);
    const shown = nextEvent(benBack, 'presence_updated');
    await request(annLaptop, 'set_presence_hidden', { hidden: false });
    expect(await shown).toEqual({ userId: ann, online: true, lastSeenAt: null });
    // And she sees his last seen again.
    const gone = nextEvent(annLaptop, 'presence_updated');
    benBack.disconnect();
    expect(await gone).toEqual({ userId: ben, online: false, lastSeenAt: expect.any(String) });
  });

  it('does not tell presence to users who share no chat', async () => {
    const [ann, stranger] = [uid('ann'), uid('stranger')];
    await online(ann, { name: 'Ann' });
    const strangerClient = await online(stranger);
    expect(await request(strangerClient, 'get_profiles', { userIds: [ann] })).toEqual({
      ok: true,
      profiles: [{ id: ann, name: 'Ann' }],
      presence: [],
    });
  });

  it('turns mentions of members into one notification each, even in a muted chat; others are dropped', async () => {
    const [ann, ben, cat, outsider] = [uid('ann'), uid('ben'), uid('cat'), uid('out')];
    const annClient = await online(ann, { name: 'Ann' });
    const benClient = await online(ben);
    const catClient = await online(cat);
    const outsiderClient = await online(outsider);
    const chatId = await group(annClient, [ben, cat]);
    expect(await request(benClient, 'set_chat_muted', { chatId, muted: true })).toEqual({
      ok: true,
      chatId,
      muted: true,
    });

    const benMentions: Array<{ payload: unknown; meta: NotificationMeta }> = [];
    benClient.on('chat:mention', (payload, meta) => benMentions.push({ payload, meta }));
    const catMentions = collect(catClient, 'chat:mention');
    const outsiderMentions = collect(outsiderClient, 'chat:mention');
    const received = nextEvent(catClient, 'receive_message');
    const text = `@${ben} @${outsider} see you at 6`;
    const payload = { chatId, text, clientMessageId: 'mention-1', mentions: [ben, outsider, ann] };
    const sent = await request(annClient, 'send_message', payload);
    expect(sent).toMatchObject({ ok: true, duplicate: false, message: { text, mentions: [ben] } });
    expect((await received).mentions).toEqual([ben]);
    await waitFor(() => benMentions.length === 1);
    expect(benMentions[0]?.payload).toEqual({
      chatId,
      messageId: sent.ok ? sent.message.id : '',
      seq: 1,
      senderId: ann,
      senderName: 'Ann',
      chatName: 'Squad',
      text,
    });
    expect(benMentions[0]?.meta.channel).toBe('system');

    // A retry of the same send raises nothing a second time.
    expect(await request(annClient, 'send_message', payload)).toMatchObject({ ok: true, duplicate: true });
    await sleep(200);
    expect(benMentions).toHaveLength(1);
    expect(catMentions).toEqual([]);
    expect(outsiderMentions).toEqual([]);
    const inbox = await request(benClient, 'list_notifications', {});
    expect(inbox).toMatchObject({ ok: true, unreadCount: 1, notifications: [{ event: 'chat:mention' }] });
    const history = await request(catClient, 'get_history', { chatId });
    expect(history.ok && history.messages[0]?.mentions).toEqual([ben]);
    // Deleting it drops its mentions with its text.
    const deleted = await request(annClient, 'delete_message', {
      chatId,
      messageId: sent.ok ? sent.message.id : '',
    });
    expect(deleted).toMatchObject({ ok: true, message: { text: '' } });
    expect(deleted.ok && 'mentions' in deleted.message).toBe(false);
    // A message without mentions carries none.
    const plain = await request(annClient, 'send_message', { chatId, text: 'plain', clientMessageId: 'm-2' });
    expect(plain.ok && 'mentions' in plain.message).toBe(false);
  });

  it('gives a mentioned member who was offline the mention once, in the notification catch-up', async () => {
    const [ann, ben] = [uid('ann'), uid('ben')];
    const annClient = await online(ann, { name: 'Ann' });
    const benFirst = await online(ben, {}, 'ben-phone'); // the phone is known from now on
    const chatId = await dm(annClient, ben);
    benFirst.disconnect();
    const sent = await request(annClient, 'send_message', {
      chatId,
      text: `@${ben} are you in?`,
      clientMessageId: 'offline-mention',
      mentions: [ben],
    });
    expect(sent.ok).toBe(true);

    const catchUp = async () => {
      const client = await t.connect(ben, { deviceId: 'ben-phone' });
      const queued: Array<{ event: string; id: string }> = [];
      client.on('queued_notifications', (items) => queued.push(...items));
      const done = nextEvent(client, 'notifications_catch_up_complete');
      await request(client, 'setup_user', { userId: ben, userInfo: {} });
      await done;
      return { client, queued };
    };
    const first = await catchUp();
    expect(first.queued.map((item) => item.event)).toEqual(['chat:mention']);
    const seq = (first.queued[0] as unknown as { seq: number }).seq;
    await request(first.client, 'notifications_received', { upToSeq: seq });
    first.client.disconnect();
    const second = await catchUp();
    expect(second.queued).toEqual([]);
  });

  it.each([
    ['51 mentions', (ids: string[]) => Array.from({ length: 51 }, (_, i) => `${ids[0]}-${i}`)],
    ['the same id twice', (ids: string[]) => [ids[1], ids[1]]],
    ['an id with a space', () => ['not an id']],
  ])('refuses %s and stores nothing', async (_name, mentions) => {
    const [ann, ben] = [uid('ann'), uid('ben')];
    const annClient = await online(ann);
    const chatId = await dm(annClient, ben);
    const ack = await request(annClient, 'send_message', {
      chatId,
      text: 'hi',
      clientMessageId: 'bad-mentions',
      mentions: mentions([ann, ben]) as string[],
    });
    expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await request(annClient, 'get_history', { chatId })).toMatchObject({ ok: true, messages: [] });
  });

  it('erasing a user takes them out of others’ mentions and removes the mentions they raised', async () => {
    const [ann, ben, cat] = [uid('ann'), uid('ben'), uid('cat')];
    const annClient = await online(ann, { name: 'Ann' });
    const benClient = await online(ben);
    await online(cat);
    const chatId = await group(annClient, [ben, cat]);
    await request(annClient, 'send_message', {
      chatId,
      text: `@${ben} hi`,
      clientMessageId: 'e-1',
      mentions: [ben],
    });
    await request(benClient, 'send_message', {
      chatId,
      text: `@${ann} @${cat} yes`,
      clientMessageId: 'e-2',
      mentions: [ann, cat],
    });
    expect(await request(benClient, 'list_notifications', {})).toMatchObject({ unreadCount: 1 });

    const erased = await fetch(`${t.url}/api/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${await t.token(ann)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ confirm: ann }),
    });
    expect(erased.status).toBe(200);
    const inbox = await request(benClient, 'list_notifications', {});
    expect(inbox).toMatchObject({ ok: true, notifications: [], unreadCount: 0 });
    const history = await request(benClient, 'get_history', { chatId });
    if (!history.ok) throw new Error(history.error.message);
    expect(history.messages.map((m) => [m.senderId === ben, m.mentions])).toEqual([
      [true, [cat]],
      [false, undefined],
    ]);
  });

  it('stores mute per member, syncs it to the user’s other devices, and keeps counting unread', async () => {
    const [ann, ben, outsider] = [uid('ann'), uid('ben'), uid('out')];
    const annClient = await online(ann);
    const benPhone = await online(ben, {}, 'phone');
    const benLaptop = await online(ben, {}, 'laptop');
    const chatId = await dm(annClient, ben);
    const laptopUpdates = collect(benLaptop, 'chat_list_updated');

    await request(benPhone, 'set_chat_muted', { chatId, muted: true });
    await waitFor(() => laptopUpdates.some((u) => u.updates.muted === true));
    await request(annClient, 'send_message', { chatId, text: 'hello', clientMessageId: 'mute-1' });
    const list = await request(benLaptop, 'list_chats', {});
    expect(list).toMatchObject({ ok: true, chats: [{ id: chatId, muted: true, unreadCount: 1 }] });
    const annList = await request(annClient, 'list_chats', {});
    expect(annList).toMatchObject({ ok: true, chats: [{ id: chatId, muted: false }] });

    await request(benLaptop, 'set_chat_muted', { chatId, muted: false });
    expect(await request(benPhone, 'list_chats', {})).toMatchObject({ chats: [{ muted: false }] });

    const outsiderClient = await online(outsider);
    expect(await request(outsiderClient, 'set_chat_muted', { chatId, muted: true })).toMatchObject({
      ok: false,
      error: { code: 'NOT_A_MEMBER' },
    });
    expect(
      await request(outsiderClient, 'set_chat_muted', { chatId: 'no-such-chat', muted: true }),
    ).toMatchObject({ ok: false, error: { code: 'CHAT_NOT_FOUND' } });
  });
});
