import { waitFor } from '@mpi/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, request, startTestServer, type TestServer } from './support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

describe('chat_list_updated', () => {
  it('shows the latest message and unread count after a burst, never going backwards', async () => {
    const ann = await t.connect('ann');
    const ben = await t.connect('ben');
    const opened = await request(ann, 'open_dm', { userId: 'ben' });
    if (!opened.ok) throw new Error(opened.error.message);
    const chatId = opened.chat.id;
    const bensList = collect(ben, 'chat_list_updated');
    const annsList = collect(ann, 'chat_list_updated');

    // Sent without waiting: they reach the server together and are stored in one group commit.
    const acks = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        request(ann, 'send_message', { chatId, text: `m${i + 1}`, clientMessageId: `burst-${i + 1}` }),
      ),
    );
    expect(acks.every((ack) => ack.ok)).toBe(true);
    await waitFor(() => bensList.at(-1)?.updates.lastMessage?.seq === 20);
    await waitFor(() => annsList.at(-1)?.updates.lastMessage?.seq === 20);

    expect(bensList.at(-1)?.updates).toMatchObject({ lastMessage: { text: 'm20' }, unreadCount: 20 });
    expect(annsList.at(-1)?.updates).toMatchObject({ lastMessage: { text: 'm20' }, unreadCount: 0 });
    // One update per user and chat per batch at most, each consistent with its last message.
    expect(bensList.length).toBeLessThanOrEqual(20);
    const seqs = bensList.map((update) => update.updates.lastMessage?.seq ?? 0);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    for (const { updates } of bensList) expect(updates.unreadCount).toBe(updates.lastMessage?.seq);
  });

  it('merges a read mark made in the same turn as a new message into one state', async () => {
    const cal = await t.connect('cal');
    const dee = await t.connect('dee');
    const opened = await request(cal, 'open_dm', { userId: 'dee' });
    if (!opened.ok) throw new Error(opened.error.message);
    const chatId = opened.chat.id;
    const first = await request(cal, 'send_message', { chatId, text: 'one', clientMessageId: 'r-1' });
    if (!first.ok) throw new Error(first.error.message);
    const deesList = collect(dee, 'chat_list_updated');
    await Promise.all([
      request(cal, 'send_message', { chatId, text: 'two', clientMessageId: 'r-2' }),
      request(dee, 'mark_read', { chatId, upToSeq: 1 }),
    ]);
    await waitFor(() => deesList.some((u) => u.updates.lastMessage?.seq === 2));
    await waitFor(() => deesList.some((u) => u.updates.unreadCount !== undefined));
    // Whatever the order the server handled them in, the last state Dee sees is right: one unread.
    const latest = Object.assign({}, ...deesList.map((u) => u.updates));
    expect(latest).toMatchObject({ lastMessage: { seq: 2 }, unreadCount: 1 });
  });
});
