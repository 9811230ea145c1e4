import type { MessageData } from '@mpi/protocol';
import { Cleanup, waitFor } from '@mpi/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { online, range, sdk, seqsOf, startTestServer } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('two devices of one user', () => {
  it('both receive; a read mark on one clears the unread count on the other', async () => {
    const srv = cleanup.add(await startTestServer(), (s) => s.stop());
    const phone = sdk(cleanup, srv.url, srv.token, 'alice', { deviceId: 'alice-phone' });
    const laptop = sdk(cleanup, srv.url, srv.token, 'alice', { deviceId: 'alice-laptop' });
    const bob = sdk(cleanup, srv.url, srv.token, 'bob');
    await Promise.all([online(phone, 'alice'), online(laptop, 'alice'), online(bob, 'bob')]);
    const dm = await bob.openDm('alice');
    if (!dm.ok) throw new Error(dm.error.message);
    const chatId = dm.chat.id;
    await Promise.all([phone.chats.loadChats(), laptop.chats.loadChats()]);

    const onLaptop: MessageData[] = [];
    laptop.on('receive_message', (m) => onLaptop.push(m));
    await Promise.all(range(5).map((i) => bob.sendMessage(chatId, `hi ${i}`)));
    for (const device of [phone, laptop]) {
      await waitFor(() => device.chats.getChatSnapshot(chatId).messages.length === 5, 5000, 'both devices');
      await waitFor(() => device.chats.getChatSnapshot(chatId).unreadCount === 5, 5000, 'unread 5');
      expect(seqsOf(device.chats.getChatSnapshot(chatId))).toEqual(range(5));
      expect(device.chats.getChatListSnapshot()).toMatchObject([{ id: chatId, unreadCount: 5 }]);
    }
    expect(onLaptop).toHaveLength(5);

    const laptopList = laptop.chats.getChatListSnapshot();
    expect(await phone.chats.markChatRead(chatId)).toBe(true);
    expect(phone.chats.getChatSnapshot(chatId).unreadCount).toBe(0);
    await waitFor(() => laptop.chats.getChatSnapshot(chatId).unreadCount === 0, 5000, 'laptop unread 0');
    expect(laptop.chats.getChatListSnapshot()).not.toBe(laptopList);
    expect(laptop.chats.getChatListSnapshot()[0]?.unreadCount).toBe(0);
    // bob sees his messages read
    await waitFor(
      () => bob.chats.getChatSnapshot(chatId).messages.every((m) => m.status === 'read'),
      5000,
      'bob sees read',
    );

    // What the phone sends shows on the laptop as alice's own message.
    const sent = await phone.sendMessage(chatId, 'from my phone');
    expect(sent.ok).toBe(true);
    await waitFor(() => laptop.chats.getChatSnapshot(chatId).messages.length === 6, 5000, 'own message');
    expect(laptop.chats.getChatSnapshot(chatId).messages.at(-1)).toMatchObject({
      text: 'from my phone',
      own: true,
      senderId: 'alice',
      seq: 6,
    });
    expect(laptop.chats.getChatSnapshot(chatId).unreadCount).toBe(0);
  });

  it('a device that was offline catches up on what the other device and others sent', async () => {
    const srv = cleanup.add(await startTestServer(), (s) => s.stop());
    const phone = sdk(cleanup, srv.url, srv.token, 'alice', { deviceId: 'alice-phone' });
    const laptop = sdk(cleanup, srv.url, srv.token, 'alice', { deviceId: 'alice-laptop' });
    const bob = sdk(cleanup, srv.url, srv.token, 'bob');
    await Promise.all([online(phone, 'alice'), online(laptop, 'alice'), online(bob, 'bob')]);
    const dm = await bob.openDm('alice');
    if (!dm.ok) throw new Error(dm.error.message);
    const chatId = dm.chat.id;
    laptop.disconnect();
    await bob.sendMessage(chatId, 'one');
    await phone.sendMessage(chatId, 'two');
    await bob.sendMessage(chatId, 'three');
    await online(laptop, 'alice');
    await waitFor(() => laptop.chats.getChatSnapshot(chatId).messages.length === 3, 5000, 'laptop catch-up');
    expect(laptop.chats.getChatSnapshot(chatId).messages.map((m) => [m.seq, m.text, m.own])).toEqual([
      [1, 'one', false],
      [2, 'two', true],
      [3, 'three', false],
    ]);
  });
});
