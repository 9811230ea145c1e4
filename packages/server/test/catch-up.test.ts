import type { MessageData } from '@mpi/protocol';
import { waitFor } from '@mpi/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, nextEvent, request, startTestServer, type TestServer } from './support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

async function setUp(userId: string, deviceId: string) {
  const client = await t.connect(userId, { deviceId });
  const batches = collect(client, 'queued_messages');
  const done = nextEvent(client, 'catch_up_complete');
  const ack = await request(client, 'setup_user', { userId, userInfo: {} });
  expect(ack.ok).toBe(true);
  return { client, batches, complete: await done };
}

describe('offline catch-up from the database', () => {
  it('queues 200 missed messages in order, in bounded batches, once', async () => {
    const first = await setUp('rita', 'rita-phone'); // rita's phone is known from now on
    const opened = await request(first.client, 'open_dm', { userId: 'sam' });
    if (!opened.ok) throw new Error('open_dm failed');
    const chatId = opened.chat.id;
    first.client.disconnect();

    const sam = await t.connect('sam');
    for (let i = 1; i <= 200; i++) {
      const ack = await request(sam, 'send_message', { chatId, text: `m${i}`, clientMessageId: `s-${i}` });
      expect(ack.ok).toBe(true);
    }

    const back = await setUp('rita', 'rita-phone');
    const queued: MessageData[] = back.batches.flat();
    expect(back.batches.every((batch) => batch.length <= 100)).toBe(true);
    expect(queued.map((m) => m.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(new Set(queued.map((m) => m.id)).size).toBe(200);
    expect(back.complete).toMatchObject({
      messages: 200,
      cursors: expect.arrayContaining([{ chatId, seq: 0 }]),
    });

    // Confirmed messages are not queued again.
    await request(back.client, 'messages_received', { chatId, upToSeq: 200 });
    back.client.disconnect();
    const again = await setUp('rita', 'rita-phone');
    expect(again.batches.flat()).toHaveLength(0);
    expect(again.complete.messages).toBe(0);
  });

  it('keeps devices of one user independent; a read mark on one updates the other', async () => {
    const laptop = await setUp('tina', 'tina-laptop');
    const phone = await setUp('tina', 'tina-phone');
    const opened = await request(laptop.client, 'open_dm', { userId: 'ugo' });
    if (!opened.ok) throw new Error('open_dm failed');
    const chatId = opened.chat.id;
    const ugo = await t.connect('ugo');

    const onLaptop = nextEvent(laptop.client, 'receive_message');
    const onPhone = nextEvent(phone.client, 'receive_message');
    await request(ugo, 'send_message', { chatId, text: 'both?', clientMessageId: 'u-1' });
    expect((await onLaptop).text).toBe('both?');
    expect((await onPhone).text).toBe('both?');
    await request(laptop.client, 'messages_received', { chatId, upToSeq: 1 });

    const phoneList = nextEvent(phone.client, 'chat_list_updated');
    const read = await request(laptop.client, 'mark_read', { chatId, upToSeq: 1 });
    expect(read).toMatchObject({ ok: true, unreadCount: 0 });
    expect(await phoneList).toEqual({ chatId, updates: { unreadCount: 0 } });

    // The phone never confirmed: after a reconnect it still gets the message; the laptop does not.
    phone.client.disconnect();
    laptop.client.disconnect();
    const phoneBack = await setUp('tina', 'tina-phone');
    const laptopBack = await setUp('tina', 'tina-laptop');
    expect(phoneBack.batches.flat().map((m) => m.text)).toEqual(['both?']);
    expect(laptopBack.batches.flat()).toHaveLength(0);
  });

  it('starts a brand-new device from now: nothing queued, history available', async () => {
    const old = await setUp('vera', 'vera-old');
    const opened = await request(old.client, 'open_dm', { userId: 'walt' });
    if (!opened.ok) throw new Error('open_dm failed');
    await request(old.client, 'send_message', {
      chatId: opened.chat.id,
      text: 'old news',
      clientMessageId: 'v-1',
    });
    const fresh = await setUp('vera', 'vera-new');
    expect(fresh.batches.flat()).toHaveLength(0);
    const history = await request(fresh.client, 'get_history', { chatId: opened.chat.id, limit: 10 });
    expect(history).toMatchObject({ ok: true, messages: [{ text: 'old news' }] });
  });

  it('tells a device to resync when retention deleted what it never received', async () => {
    const reader = await setUp('xavi', 'xavi-phone');
    const opened = await request(reader.client, 'open_dm', { userId: 'yara' });
    if (!opened.ok) throw new Error('open_dm failed');
    const chatId = opened.chat.id;
    reader.client.disconnect();
    const yara = await t.connect('yara');
    await request(yara, 'send_message', { chatId, text: 'soon gone', clientMessageId: 'y-1' });
    await t.server.storage.chat.pruneMessages(new Date(Date.now() + 1000));
    await request(yara, 'send_message', { chatId, text: 'kept', clientMessageId: 'y-2' });

    const client = await t.connect('xavi', { deviceId: 'xavi-phone' });
    const resync = nextEvent(client, 'resync_required');
    const batches = collect(client, 'queued_messages');
    await request(client, 'setup_user', { userId: 'xavi', userInfo: {} });
    expect(await resync).toEqual({ chatId, prunedSeq: 1 });
    await waitFor(() => batches.length > 0);
    expect(batches.flat().map((m) => m.text)).toEqual(['kept']);
  });
});
