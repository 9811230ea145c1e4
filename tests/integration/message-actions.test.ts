import type { CatchUpCompletePayload, MessageData } from '@mpi/protocol';
import { Cleanup, waitFor } from '@mpi/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { online, sdk, startTestServer } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

async function twoUsers() {
  const srv = cleanup.add(await startTestServer(), (s) => s.stop());
  const alice = sdk(cleanup, srv.url, srv.token, 'alice');
  const bob = sdk(cleanup, srv.url, srv.token, 'bob');
  await Promise.all([online(alice, 'alice'), online(bob, 'bob')]);
  const dm = await alice.openDm('bob');
  if (!dm.ok) throw new Error(dm.error.message);
  return { srv, alice, bob, chatId: dm.chat.id };
}

const sent = async (
  ack: Promise<{ ok: true; message: MessageData } | { ok: false; error: { code: string } }>,
) => {
  const result = await ack;
  if (!result.ok) throw new Error(result.error.code);
  return result.message;
};

describe('message actions through the SDK', () => {
  it('edits, replies, reacts and deletes, both ways, live in both stores', async () => {
    const { alice, bob, chatId } = await twoUsers();
    const original = await sent(alice.sendMessage(chatId, 'traning at 6'));
    const bobSees = (id: string) => bob.chats.getChatSnapshot(chatId).messages.find((m) => m.id === id);
    const aliceSees = (id: string) => alice.chats.getChatSnapshot(chatId).messages.find((m) => m.id === id);
    await waitFor(() => bobSees(original.id) !== undefined, 3000, 'bob has the message');

    const reply = await sent(bob.sendMessage(chatId, 'ok!', { replyToId: original.id }));
    expect(reply.replyTo).toMatchObject({ messageId: original.id, text: 'traning at 6', deleted: false });

    const edit = await alice.editMessage(chatId, original.id, 'training at 6');
    expect(edit).toMatchObject({ ok: true, changed: true, message: { text: 'training at 6', version: 1 } });
    await waitFor(() => bobSees(original.id)?.text === 'training at 6', 3000, 'bob sees the edit');
    expect(bobSees(original.id)?.editedAt).not.toBeNull();
    // The reply's quote follows the original, in both stores.
    await waitFor(() => aliceSees(reply.id)?.replyTo?.text === 'training at 6', 3000, 'alice quote');
    expect(bobSees(reply.id)?.replyTo?.text).toBe('training at 6');

    expect((await bob.reactToMessage(chatId, original.id, '👍')).ok).toBe(true);
    expect((await alice.reactToMessage(chatId, reply.id, '❤️')).ok).toBe(true);
    await waitFor(() => aliceSees(original.id)?.reactions.length === 1, 3000, 'alice sees the reaction');
    expect(aliceSees(original.id)?.reactions).toEqual([{ emoji: '👍', userIds: ['bob'] }]);
    await waitFor(() => bobSees(reply.id)?.reactions[0]?.emoji === '❤️', 3000, 'bob sees the reaction');
    expect((await bob.reactToMessage(chatId, original.id, '👍', false)).ok).toBe(true);
    await waitFor(() => aliceSees(original.id)?.reactions.length === 0, 3000, 'alice sees it removed');

    const refused = await bob.editMessage(chatId, original.id, 'mine now');
    expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(bobSees(original.id)).toMatchObject({ text: 'training at 6', syncing: false });

    expect((await bob.deleteMessage(chatId, reply.id)).ok).toBe(true);
    await waitFor(() => aliceSees(reply.id)?.deletedAt != null, 3000, 'alice sees the deletion');
    expect(aliceSees(reply.id)).toMatchObject({ text: '', reactions: [] });
    expect(
      alice.chats.getChatListSnapshot().find((c) => c.id === chatId)?.lastMessage?.deletedAt,
    ).toBeDefined();

    const found = await bob.searchMessages('TRAIN');
    expect(found).toMatchObject({ ok: true, results: [{ id: original.id }], nextCursor: null });
  });

  it('an edit made offline shows at once and is stored once when back online', async () => {
    const { alice, bob, chatId } = await twoUsers();
    const message = await sent(alice.sendMessage(chatId, 'see you at 5'));
    const updates: MessageData[] = [];
    bob.on('message_updated', (m) => updates.push(m));

    alice.disconnect();
    const pending = alice.editMessage(chatId, message.id, 'see you at 6');
    const reacted = alice.reactToMessage(chatId, message.id, '⚽');
    await waitFor(
      () => alice.chats.getChatSnapshot(chatId).messages[0]?.syncing === true,
      2000,
      'optimistic',
    );
    expect(alice.chats.getChatSnapshot(chatId).messages[0]).toMatchObject({
      text: 'see you at 6',
      reactions: [{ emoji: '⚽', userIds: ['alice'] }],
    });
    expect((await alice.getOutbox()).map((entry) => entry.action?.type)).toEqual(['edit', 'react']);

    await online(alice, 'alice');
    expect(await pending).toMatchObject({ ok: true, changed: true, message: { version: 1 } });
    expect(await reacted).toMatchObject({ ok: true, changed: true, message: { version: 2 } });
    await waitFor(() => updates.length === 2, 3000, 'bob gets both changes');
    expect(updates.map((m) => m.version)).toEqual([1, 2]);
    expect(alice.chats.getChatSnapshot(chatId).messages[0]).toMatchObject({
      text: 'see you at 6',
      syncing: false,
      version: 2,
    });
    expect(await alice.getOutbox()).toEqual([]);
  });

  it('an offline member sees the final state after catch-up, once, and confirms it', async () => {
    const { alice, bob, chatId } = await twoUsers();
    const held = [await sent(alice.sendMessage(chatId, 'one')), await sent(alice.sendMessage(chatId, 'two'))];
    // Bob's device confirms both (alice sees them delivered) before it goes offline.
    const delivered = () =>
      alice.chats.getChatSnapshot(chatId).messages.every((m) => m.status === 'delivered');
    await waitFor(delivered, 3000, 'bob holds both');
    const [one, two] = held as [MessageData, MessageData];

    bob.disconnect();
    await alice.editMessage(chatId, one.id, 'one (edited)');
    await alice.reactToMessage(chatId, one.id, '🔥');
    await alice.editMessage(chatId, one.id, 'one (edited twice)');
    await alice.deleteMessage(chatId, two.id);

    const batches: MessageData[][] = [];
    bob.on('queued_updates', (batch) => batches.push(batch));
    const complete = new Promise<CatchUpCompletePayload>((resolve) => {
      const off = bob.on('catch_up_complete', (payload) => {
        off();
        resolve(payload);
      });
    });
    await online(bob, 'bob');
    expect(await complete).toMatchObject({ updates: 2, versions: [{ chatId, version: 4 }] });
    expect(batches.flat().map((m) => [m.text, m.version])).toEqual([
      ['one (edited twice)', 3],
      ['', 4],
    ]);
    expect(
      bob.chats
        .getChatSnapshot(chatId)
        .messages.map((m) => [m.text, m.reactions.length, m.deletedAt !== null]),
    ).toEqual([
      ['one (edited twice)', 1, false],
      ['', 0, true],
    ]);

    // The device confirmed the changes: the next catch-up sends none.
    await new Promise((resolve) => setTimeout(resolve, 300));
    bob.disconnect();
    const again = new Promise<CatchUpCompletePayload>((resolve) => {
      const off = bob.on('catch_up_complete', (payload) => {
        off();
        resolve(payload);
      });
    });
    await online(bob, 'bob');
    expect((await again).updates).toBe(0);
  });

  it('changes seen live are confirmed: the next catch-up sends none of them', async () => {
    const { alice, bob, chatId } = await twoUsers();
    const message = await sent(alice.sendMessage(chatId, 'live'));
    const seen: number[] = [];
    bob.on('message_updated', (m) => seen.push(m.version ?? 0));
    for (const emoji of ['👍', '🎉', '⚽']) await alice.reactToMessage(chatId, message.id, emoji);
    await alice.editMessage(chatId, message.id, 'live!');
    await waitFor(() => seen.length === 4, 3000, 'bob saw the four changes');
    await waitFor(
      () => alice.chats.getChatSnapshot(chatId).messages[0]?.status === 'delivered',
      3000,
      'bob confirmed the message',
    );
    await new Promise((resolve) => setTimeout(resolve, 300)); // a receipt tick, and its round trip

    bob.disconnect();
    const complete = new Promise<CatchUpCompletePayload>((resolve) => {
      const off = bob.on('catch_up_complete', (payload) => {
        off();
        resolve(payload);
      });
    });
    await online(bob, 'bob');
    expect(await complete).toMatchObject({ messages: 0, updates: 0, versions: [{ chatId, version: 4 }] });
    expect(bob.chats.getChatSnapshot(chatId).messages[0]).toMatchObject({ text: 'live!', version: 4 });
  });
});
