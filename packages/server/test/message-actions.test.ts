import type { AckedClientEvent, AckOf, MessageData } from '@mpi/protocol';
import { forEachDialect } from '@mpi/test-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  collect,
  nextEvent,
  request,
  startTestServer,
  type TestClient,
  type TestServer,
} from './support/server.js';

/** The success fields of an ack, or the test fails with its error. */
async function ok<E extends AckedClientEvent>(ack: Promise<AckOf<E>>) {
  const result = await ack;
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result;
}

async function codeOf<E extends AckedClientEvent>(ack: Promise<AckOf<E>>): Promise<string> {
  const result = await ack;
  return result.ok ? 'ok' : result.error.code;
}

forEachDialect('message actions on %s', (db) => {
  let t: TestServer;
  let n = 0;
  const unique = (name: string) => `${name}-${db.dialect}-${++n}`;
  beforeAll(async () => {
    t = await startTestServer({ DATABASE_URL: db.url() });
  });
  afterAll(async () => {
    await t.stop();
  });

  /** Two users in a DM, both connected. */
  async function pair() {
    const [a, b] = [unique('ann'), unique('ben')];
    const alice = await t.connect(a);
    const bob = await t.connect(b);
    const { chat } = await ok(request(alice, 'open_dm', { userId: b }));
    return { a, b, alice, bob, chatId: chat.id };
  }
  const send = async (client: TestClient, chatId: string, text: string, replyToId?: string) =>
    (
      await ok(
        request(client, 'send_message', {
          chatId,
          text,
          clientMessageId: `c-${++n}`,
          ...(replyToId && { replyToId }),
        }),
      )
    ).message;
  const history = async (client: TestClient, chatId: string) =>
    (await ok(request(client, 'get_history', { chatId, limit: 50 }))).messages;

  it('edits in place: same seq, marked edited, live to the other member and in history', async () => {
    const { alice, bob, chatId } = await pair();
    const sent = await send(alice, chatId, 'helo');
    const live = nextEvent(bob, 'message_updated');
    const { message, changed } = await ok(
      request(alice, 'edit_message', { chatId, messageId: sent.id, text: 'hello' }),
    );
    expect(changed).toBe(true);
    expect(message).toMatchObject({ id: sent.id, seq: sent.seq, text: 'hello', version: 1 });
    expect(message.editedAt).toEqual(expect.any(String));
    expect(await live).toEqual(message);
    expect(await history(bob, chatId)).toEqual([message]);

    // The same edit again (a retry) changes nothing: no new version.
    const again = await ok(request(alice, 'edit_message', { chatId, messageId: sent.id, text: 'hello' }));
    expect(again).toMatchObject({ changed: false, message: { version: 1, text: 'hello' } });
  });

  it('refuses actions of non-members and edits of someone else’s message, changing nothing', async () => {
    const { alice, bob, chatId } = await pair();
    const sent = await send(alice, chatId, 'mine');
    const eve = await t.connect(unique('eve'));
    const ref = { chatId, messageId: sent.id };
    expect(await codeOf(request(eve, 'edit_message', { ...ref, text: 'x' }))).toBe('NOT_A_MEMBER');
    expect(await codeOf(request(eve, 'delete_message', ref))).toBe('NOT_A_MEMBER');
    expect(await codeOf(request(eve, 'react_to_message', { ...ref, emoji: '👍', action: 'add' }))).toBe(
      'NOT_A_MEMBER',
    );
    expect(await codeOf(request(eve, 'search_messages', { query: 'mine', chatId }))).toBe('NOT_A_MEMBER');
    expect(await codeOf(request(bob, 'edit_message', { ...ref, text: 'yours' }))).toBe('FORBIDDEN');
    // In a DM nobody but the sender deletes.
    expect(await codeOf(request(bob, 'delete_message', ref))).toBe('FORBIDDEN');
    expect(await codeOf(request(bob, 'edit_message', { chatId, messageId: 'nope', text: 'x' }))).toBe(
      'MESSAGE_NOT_FOUND',
    );
    // A message of another chat is not found through this one.
    const other = await ok(request(bob, 'open_dm', { userId: unique('zed') }));
    expect(
      await codeOf(
        request(bob, 'send_message', {
          chatId: other.chat.id,
          text: 'r',
          clientMessageId: 'x1',
          replyToId: sent.id,
        }),
      ),
    ).toBe('MESSAGE_NOT_FOUND');
    // The edit window: past it, even the sender cannot edit.
    await expect(
      t.server.storage.chat.editMessage({ ...ref, userId: sent.senderId, text: 'late', editWindowMs: 0 }),
    ).rejects.toMatchObject({ code: 'EDIT_WINDOW_CLOSED' });
    expect(await history(bob, chatId)).toEqual([sent]);
    expect((await ok(request(bob, 'search_messages', { query: 'yours' }))).results).toEqual([]);
  });

  it('deletes as a tombstone, live and in history; a repeat changes nothing; a group admin may delete', async () => {
    const { b, alice, bob, chatId } = await pair();
    const sent = await send(alice, chatId, 'oops');
    await ok(request(bob, 'react_to_message', { chatId, messageId: sent.id, emoji: '😂', action: 'add' }));
    const live = nextEvent(bob, 'message_updated');
    const { message } = await ok(request(alice, 'delete_message', { chatId, messageId: sent.id }));
    expect(message).toMatchObject({ id: sent.id, seq: sent.seq, text: '', version: 2 });
    expect(message.deletedAt).toEqual(expect.any(String));
    expect(message.reactions).toBeUndefined();
    expect(await live).toEqual(message);
    expect(await history(bob, chatId)).toEqual([message]);
    const again = await ok(request(alice, 'delete_message', { chatId, messageId: sent.id }));
    expect(again).toMatchObject({ changed: false, message: { version: 2 } });
    const ref = { chatId, messageId: sent.id };
    expect(await codeOf(request(alice, 'edit_message', { ...ref, text: 'back' }))).toBe('MESSAGE_DELETED');
    expect(await codeOf(request(bob, 'react_to_message', { ...ref, emoji: '👍', action: 'add' }))).toBe(
      'MESSAGE_DELETED',
    );

    const [admin, member] = [alice, bob];
    const { chat: group } = await ok(request(admin, 'create_group', { name: 'Team', members: [b] }));
    const byMember = await send(member, group.id, 'spam');
    const deleted = await ok(request(admin, 'delete_message', { chatId: group.id, messageId: byMember.id }));
    expect(deleted.message.deletedAt).toEqual(expect.any(String));
    const byAdmin = await send(admin, group.id, 'rule');
    expect(await codeOf(request(member, 'delete_message', { chatId: group.id, messageId: byAdmin.id }))).toBe(
      'FORBIDDEN',
    );
  });

  it('quotes the original of a reply as it is now: edited, then deleted', async () => {
    const { alice, bob, chatId } = await pair();
    const original = await send(alice, chatId, 'training at 6?');
    const reply = await send(bob, chatId, 'yes', original.id);
    expect(reply.replyTo).toEqual({
      messageId: original.id,
      seq: original.seq,
      senderId: original.senderId,
      text: 'training at 6?',
      deleted: false,
    });
    await ok(request(alice, 'edit_message', { chatId, messageId: original.id, text: 'training at 7?' }));
    const quoted = async () => (await history(alice, chatId)).find((m) => m.id === reply.id)?.replyTo;
    expect(await quoted()).toMatchObject({ text: 'training at 7?', deleted: false });
    await ok(request(alice, 'delete_message', { chatId, messageId: original.id }));
    expect(await quoted()).toMatchObject({ messageId: original.id, text: '', deleted: true });
    // A deleted reply is a bare tombstone: no quote either.
    const gone = await ok(request(bob, 'delete_message', { chatId, messageId: reply.id }));
    expect(gone.message.replyTo).toBeUndefined();
    expect(
      await codeOf(
        request(bob, 'send_message', { chatId, text: 'late', clientMessageId: 'r2', replyToId: original.id }),
      ),
    ).toBe('MESSAGE_DELETED');
  });

  it('counts reactions per emoji with who, adds and removes once, bounds them, and takes only emojis', async () => {
    const { a, b, alice, bob, chatId } = await pair();
    const sent = await send(alice, chatId, 'we won');
    const react = (client: TestClient, emoji: string, action: 'add' | 'remove' = 'add') =>
      request(client, 'react_to_message', { chatId, messageId: sent.id, emoji, action });
    await ok(react(alice, '🎉'));
    const live = nextEvent(alice, 'message_updated');
    const byBob = await ok(react(bob, '🎉'));
    expect(byBob.message.reactions).toEqual([{ emoji: '🎉', userIds: [a, b] }]);
    expect((await live).reactions).toEqual([{ emoji: '🎉', userIds: [a, b] }]);
    expect(await ok(react(bob, '🎉'))).toMatchObject({
      changed: false,
      message: { version: byBob.message.version },
    });
    await ok(react(bob, '👨‍👩‍👧'));
    await ok(react(bob, '🇫🇷'));
    expect((await ok(react(alice, '🎉', 'remove'))).message.reactions).toEqual([
      { emoji: '🎉', userIds: [b] },
      { emoji: '👨‍👩‍👧', userIds: [b] },
      { emoji: '🇫🇷', userIds: [b] },
    ]);
    expect(await ok(react(alice, '🎉', 'remove'))).toMatchObject({ changed: false });
    expect((await history(alice, chatId))[0]?.reactions).toHaveLength(3);

    for (const emoji of ['😀', '😁', '😂', '🤣', '😃', '😄', '😅']) await ok(react(bob, emoji));
    expect(await codeOf(react(bob, '😆'))).toBe('REACTION_LIMIT');
    for (const emoji of ['a', '👍👍', '👍 ', '', ':)']) {
      expect(await codeOf(react(bob, emoji))).toBe('VALIDATION_FAILED');
    }
  });

  it('catches an offline member up with the final state of each changed message, once', async () => {
    const { b, alice, bob, chatId } = await pair();
    const setUp = async () => {
      const client = await t.connect(b, { deviceId: `${b}-device` });
      const queued = collect(client, 'queued_messages');
      const updates = collect(client, 'queued_updates');
      const complete = nextEvent(client, 'catch_up_complete');
      await ok(request(client, 'setup_user', { userId: b, userInfo: {} }));
      return { client, queued, updates, complete: await complete };
    };
    const first = await setUp();
    const held = [await send(alice, chatId, 'one'), await send(alice, chatId, 'two')];
    await ok(request(first.client, 'messages_received', { chatId, upToSeq: 2 }));
    first.client.disconnect();
    bob.disconnect();

    const [one, two] = held as [MessageData, MessageData];
    await ok(request(alice, 'edit_message', { chatId, messageId: one.id, text: 'one!' }));
    await ok(request(alice, 'react_to_message', { chatId, messageId: one.id, emoji: '👍', action: 'add' }));
    await ok(request(alice, 'edit_message', { chatId, messageId: one.id, text: 'one!!' }));
    await ok(request(alice, 'delete_message', { chatId, messageId: two.id }));
    const three = await send(alice, chatId, 'three');
    await ok(request(alice, 'edit_message', { chatId, messageId: three.id, text: 'three!' }));

    const back = await setUp();
    expect(back.queued.flat()).toMatchObject([{ id: three.id, text: 'three!', version: 5 }]);
    const updates = back.updates.flat();
    expect(updates.map((m) => [m.id, m.text, m.version])).toEqual([
      [one.id, 'one!!', 3],
      [two.id, '', 4],
    ]);
    expect(updates[0]?.reactions).toEqual([{ emoji: '👍', userIds: [one.senderId] }]);
    expect(back.complete).toMatchObject({ messages: 1, updates: 2, versions: [{ chatId, version: 5 }] });

    // Confirmed: nothing comes again.
    await ok(request(back.client, 'changes_received', { chatId, upToVersion: 5 }));
    await ok(request(back.client, 'messages_received', { chatId, upToSeq: 3 }));
    back.client.disconnect();
    const again = await setUp();
    expect(again.queued.flat()).toEqual([]);
    expect(again.updates.flat()).toEqual([]);
    expect(again.complete).toMatchObject({ messages: 0, updates: 0 });
  });

  it('searches the user’s chats by word prefixes, newest first, a page at a time; edits and deletes show', async () => {
    const { alice, bob, chatId } = await pair();
    const word = `zq${db.dialect}${n}`;
    const sent: MessageData[] = [];
    for (let i = 0; i < 5; i++) sent.push(await send(alice, chatId, `${word}xy match number ${i}`));
    await send(alice, chatId, 'nothing to see');
    const stranger = await t.connect(unique('sid'));
    const { chat: theirs } = await ok(request(stranger, 'open_dm', { userId: unique('tom') }));
    await send(stranger, theirs.id, `${word}xy not for bob`);

    const page1 = await ok(request(bob, 'search_messages', { query: `${word} NUMBER`, limit: 3 }));
    expect(page1.results.map((m) => m.id)).toEqual([sent[4], sent[3], sent[2]].map((m) => m?.id));
    const page2 = await ok(
      request(bob, 'search_messages', { query: `${word} number`, limit: 3, cursor: page1.nextCursor ?? '' }),
    );
    expect(page2.results.map((m) => m.id)).toEqual([sent[1], sent[0]].map((m) => m?.id));
    expect(page2.nextCursor).toBeNull();

    const [m0, m1] = sent as [MessageData, MessageData];
    await ok(request(alice, 'edit_message', { chatId, messageId: m0.id, text: 'renamed entirely' }));
    await ok(request(alice, 'delete_message', { chatId, messageId: m1.id }));
    const after = await ok(request(bob, 'search_messages', { query: word, chatId }));
    expect(after.results).toHaveLength(3);
    expect(
      (await ok(request(bob, 'search_messages', { query: 'renamed' }))).results.map((m) => m.id),
    ).toContain(m0.id);
    expect(await codeOf(request(bob, 'search_messages', { query: '  ?! ' }))).toBe('VALIDATION_FAILED');

    // Both databases split e-mail addresses, URLs and numbers into the same words.
    const mail = await send(alice, chatId, `mail coach@${word}club.org or see https://${word}site.net/v1.5`);
    for (const query of [`${word}club`, 'org coach', `${word}site v1 5`]) {
      expect((await ok(request(bob, 'search_messages', { query, chatId }))).results.map((m) => m.id)).toEqual(
        [mail.id],
      );
    }
  });

  it('pages the changed messages of a device in (chat, version) order, each once, above its change cursor', async () => {
    const chat = t.server.storage.chat;
    const [me, other] = [unique('pam'), unique('quin')];
    const dms = [await chat.openDm(me, other), await chat.openDm(me, unique('ray'))];
    const sent: MessageData[] = [];
    for (const dm of dms) {
      for (let i = 0; i < 12; i++) {
        const input = { chatId: dm.id, senderId: me, clientMessageId: `p-${i}`, text: `m${i}` };
        sent.push((await chat.appendMessage(input)).message);
      }
      await chat.recordReceipt({ chatId: dm.id, userId: me, deviceId: 'pad', upToSeq: 12 });
    }
    // Every message changes, some twice; the last change of each is what comes.
    for (const message of sent) {
      const ref = { chatId: message.chatId, messageId: message.id, userId: me };
      await chat.editMessage({ ...ref, text: `${message.text}!`, editWindowMs: 60_000 });
      if (message.seq % 3 === 0) await chat.deleteMessage(ref);
    }
    const drain = async (limit: number) => {
      const pages: MessageData[][] = [];
      let after: { chatId: string; version: number } | null = null;
      for (;;) {
        const page = await chat.updatesForDevice(me, 'pad', after, limit);
        if (page.length === 0) return pages;
        pages.push(page);
        const last = page.at(-1) as MessageData;
        after = { chatId: last.chatId, version: last.version ?? 0 };
      }
    };
    const order = (m: MessageData) => `${m.chatId}:${String(m.version).padStart(4, '0')}`;
    for (const limit of [1, 5, 100]) {
      const all = (await drain(limit)).flat();
      expect(all).toHaveLength(24);
      expect(all.map(order)).toEqual(all.map(order).sort());
      expect(new Set(all.map((m) => m.id)).size).toBe(24);
      expect(all.filter((m) => m.deletedAt !== undefined)).toHaveLength(8);
    }
    // Above the change cursor only: confirming a chat's changes leaves only the other chat's.
    const first = dms[0]?.id ?? '';
    await chat.recordChangesReceived({ chatId: first, userId: me, deviceId: 'pad', upToVersion: 1000 });
    const rest = (await drain(100)).flat();
    expect(rest).toHaveLength(12);
    expect(rest.every((m) => m.chatId !== first)).toBe(true);
    // The cursor never goes back.
    await chat.recordChangesReceived({ chatId: first, userId: me, deviceId: 'pad', upToVersion: 1 });
    expect((await drain(100)).flat()).toHaveLength(12);
  });
});
