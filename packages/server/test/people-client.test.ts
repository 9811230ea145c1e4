import { createSocketService, type SocketService } from '@mpi/client';
import { endToEndEncryption, MemoryDeviceKeyStore } from '@mpi/client/e2e';
import { waitFor } from '@mpi/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../src/auth/tokens.js';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from './support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

const services: SocketService[] = [];
afterEach(() => {
  for (const service of services.splice(0)) service.destroy();
});

/** A real SocketService, connected and set up, with its chat list loaded. */
async function device(userId: string, deviceId: string, name?: string) {
  const service = createSocketService({
    url: t.url,
    token: async () => (await signToken(TEST_JWT_SECRET, userId, { ttlSeconds: 3600 })).token,
    deviceId,
    reconnection: { delay: 20, backoff: 1.5, maxDelay: 200, jitter: 0, attempts: 5 },
    endToEnd: endToEndEncryption({ deviceKeyStore: new MemoryDeviceKeyStore() }),
  });
  services.push(service);
  service.connect();
  const setUp = service.setupUser(userId, name ? { name } : {});
  const ack = await setUp;
  if (!ack.ok) throw new Error(ack.error.message);
  return service;
}

describe('people in the SDK against a real server', () => {
  it('keeps profiles and presence by user id, live, and forgets presence while disconnected', async () => {
    const ann = await device('sdk-ann', 'ann-1', 'Ann');
    const ben = await device('sdk-ben', 'ben-1', 'Ben');
    const opened = await ann.openDm('sdk-ben');
    if (!opened.ok) throw new Error(opened.error.message);
    expect(await ben.chats.loadChats()).toBe(true);
    expect(ben.people.getProfile('sdk-ann')).toEqual({ id: 'sdk-ann', name: 'Ann' });
    expect(ben.people.getPresence('sdk-ann')).toEqual({ userId: 'sdk-ann', online: true, lastSeenAt: null });
    expect(ben.people.getSettings()).toEqual({ hidePresence: false });

    const profileBefore = ben.people.getProfile('sdk-ann');
    expect(await ann.updateProfile({ avatarUrl: 'https://cdn.example.com/ann.png' })).toMatchObject({
      ok: true,
    });
    await waitFor(() => ben.people.getProfile('sdk-ann') !== profileBefore, 3000, 'profile_updated');
    expect(ben.people.getProfile('sdk-ann')).toEqual({
      id: 'sdk-ann',
      name: 'Ann',
      avatarUrl: 'https://cdn.example.com/ann.png',
    });

    ann.disconnect();
    await waitFor(() => ben.people.getPresence('sdk-ann')?.online === false, 3000, 'ann offline');
    expect(ben.people.getPresence('sdk-ann')?.lastSeenAt).toEqual(expect.any(String));

    // A reconnect replays setup_user with the updated profile, not the one given to setupUser.
    ann.connect();
    await waitFor(() => ben.people.getPresence('sdk-ann')?.online === true, 3000, 'ann back');
    expect(ben.people.getProfile('sdk-ann')?.avatarUrl).toBe('https://cdn.example.com/ann.png');

    ben.disconnect();
    await waitFor(() => ben.people.getPresence('sdk-ann') === undefined, 3000, 'presence forgotten');
    ben.connect();
    await waitFor(() => ben.people.getPresence('sdk-ann')?.online === true, 5000, 'presence back');
  });

  it('mutes a chat on every device of the user and sends mentions through the outbox', async () => {
    const phone = await device('sdk-cat', 'cat-phone');
    const laptop = await device('sdk-cat', 'cat-laptop');
    const dan = await device('sdk-dan', 'dan-1', 'Dan');
    const opened = await dan.openDm('sdk-cat');
    if (!opened.ok) throw new Error(opened.error.message);
    const chatId = opened.chat.id;
    await phone.chats.loadChats();
    await laptop.chats.loadChats();
    const muted = () => laptop.chats.getChatListSnapshot().find((c) => c.id === chatId)?.muted;
    expect(muted()).toBe(false);

    const ack = phone.setChatMuted(chatId, true);
    expect(phone.chats.getChatListSnapshot().find((c) => c.id === chatId)?.muted).toBe(true); // at once
    expect(await ack).toEqual({ ok: true, chatId, muted: true });
    await waitFor(() => muted() === true, 3000, 'mute synced');

    const mentions: string[] = [];
    phone.on('chat:mention', (payload) => mentions.push(payload.text));
    const sent = await dan.sendMessage(chatId, '@sdk-cat training moved', { mentions: ['sdk-cat'] });
    expect(sent).toMatchObject({ ok: true, message: { mentions: ['sdk-cat'] } });
    await waitFor(() => mentions.length === 1, 3000, 'mention despite mute');
    await waitFor(
      () => laptop.chats.getChatSnapshot(chatId).messages.at(-1)?.mentions[0] === 'sdk-cat',
      3000,
      'mention in the store',
    );
    expect(laptop.chats.getChatListSnapshot().find((c) => c.id === chatId)?.unreadCount).toBe(1);

    const refused = await phone.setChatMuted('no-such-chat', true);
    expect(refused).toMatchObject({ ok: false, error: { code: 'CHAT_NOT_FOUND' } });
    expect(phone.chats.getChatListSnapshot().map((c) => c.id)).toEqual([chatId]); // no phantom row
  });

  it('mentions in an end-to-end encrypted chat notify without quoting the message', async () => {
    const gil = await device('sdk-gil', 'gil-1', 'Gil');
    const hal = await device('sdk-hal', 'hal-1');
    const opened = await gil.openDm('sdk-hal', { encrypted: true });
    if (!opened.ok) throw new Error(opened.error.message);
    const mentions: Array<{ text: string; senderName?: string }> = [];
    hal.on('chat:mention', (payload) => mentions.push(payload));
    const sent = await gil.sendMessage(opened.chat.id, '@sdk-hal the code is 1234', {
      mentions: ['sdk-hal'],
    });
    expect(sent).toMatchObject({ ok: true, message: { text: '', mentions: ['sdk-hal'] } });
    await waitFor(() => mentions.length === 1, 3000, 'mention in an encrypted chat');
    expect(mentions[0]).toEqual(expect.objectContaining({ text: '', senderName: 'Gil' }));
    await waitFor(
      () => hal.chats.getChatSnapshot(opened.chat.id).messages.at(-1)?.text === '@sdk-hal the code is 1234',
      3000,
      'decrypted',
    );
    expect(hal.chats.getChatSnapshot(opened.chat.id).messages.at(-1)?.mentions).toEqual(['sdk-hal']);
  });

  it('hides presence: the setting reaches the other device and others’ last seen disappears', async () => {
    const eva = await device('sdk-eva', 'eva-1');
    const evaPhone = await device('sdk-eva', 'eva-2');
    const fay = await device('sdk-fay', 'fay-1');
    await eva.openDm('sdk-fay');
    await eva.chats.loadChats();
    fay.disconnect();
    await waitFor(() => eva.people.getPresence('sdk-fay')?.lastSeenAt != null, 3000, 'fay last seen');
    expect(await eva.setPresenceHidden(true)).toMatchObject({ ok: true, settings: { hidePresence: true } });
    expect(eva.people.getPresence('sdk-fay')).toEqual({ userId: 'sdk-fay', online: false, lastSeenAt: null });
    await waitFor(() => evaPhone.people.getSettings()?.hidePresence === true, 3000, 'settings synced');
    await eva.setPresenceHidden(false);
    await waitFor(() => eva.people.getPresence('sdk-fay')?.lastSeenAt != null, 3000, 'last seen again');
  });
});
