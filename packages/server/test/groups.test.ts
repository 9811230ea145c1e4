import { waitFor } from '@mpi/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collect,
  nextEvent,
  request,
  startTestServer,
  type TestClient,
  type TestServer,
} from './support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

const MEMBERS = Array.from({ length: 20 }, (_, i) => `player${String(i + 1).padStart(2, '0')}`);

async function ok<T extends { ok: boolean }>(ack: Promise<T>): Promise<Extract<T, { ok: true }>> {
  const result = await ack;
  if (!result.ok) throw new Error(JSON.stringify(result));
  return result as Extract<T, { ok: true }>;
}

describe('a group of 20 members', () => {
  it('delivers to all, reports delivery once all have it, tracks reads, stops delivery on removal, refuses outsiders', async () => {
    const clients = new Map<string, TestClient>();
    for (const userId of MEMBERS) clients.set(userId, await t.connect(userId));
    const coach = clients.get('player01') as TestClient;

    const { chat } = await ok(
      request(coach, 'create_group', { name: 'U12 team', members: MEMBERS.slice(1) }),
    );
    expect(chat.type).toBe('group');
    expect(chat.members.sort()).toEqual([...MEMBERS].sort());

    // Every member except the sender receives it live.
    const received = MEMBERS.slice(1).map((userId) =>
      nextEvent(clients.get(userId) as TestClient, 'receive_message'),
    );
    const deliveredEvents = collect(coach, 'message_delivered');
    const { message } = await ok(
      request(coach, 'send_message', { chatId: chat.id, text: 'Kit check Friday', clientMessageId: 'g-1' }),
    );
    for (const got of await Promise.all(received)) expect(got.id).toBe(message.id);

    // Delivered only once the last of 19 recipients confirmed.
    for (const userId of MEMBERS.slice(1, -1)) {
      await ok(
        request(clients.get(userId) as TestClient, 'messages_received', { chatId: chat.id, upToSeq: 1 }),
      );
    }
    const members = await ok(request(coach, 'get_members', { chatId: chat.id }));
    expect(members.members.filter((m) => m.userId !== 'player01' && m.deliveredSeq >= 1)).toHaveLength(18);
    expect(deliveredEvents).toHaveLength(0);
    await ok(
      request(clients.get('player20') as TestClient, 'messages_received', { chatId: chat.id, upToSeq: 1 }),
    );
    await waitFor(() => deliveredEvents.length === 1, 2000, 'message_delivered');
    expect(deliveredEvents[0]).toMatchObject({
      messageId: message.id,
      deliveredCount: 19,
      recipientCount: 19,
    });

    // Read marks: unread counts and read status for the sender.
    const readEvents = collect(coach, 'messages_read');
    const read = await ok(
      request(clients.get('player05') as TestClient, 'mark_read', { chatId: chat.id, upToSeq: 1 }),
    );
    expect(read.unreadCount).toBe(0);
    await waitFor(() => readEvents.some((e) => e.userId === 'player05'), 2000, 'messages_read');
    const list = await ok(request(clients.get('player06') as TestClient, 'list_chats', {}));
    expect(list.chats.find((c) => c.id === chat.id)).toMatchObject({
      unreadCount: 1,
      lastMessage: { id: message.id },
    });

    // Removal stops delivery at once.
    const removedClient = clients.get('player10') as TestClient;
    const removalNotice = nextEvent(removedClient, 'chat_list_updated');
    await ok(request(coach, 'remove_member', { chatId: chat.id, userId: 'player10' }));
    expect(await removalNotice).toMatchObject({ chatId: chat.id, updates: { removed: true } });
    const afterRemoval = collect(removedClient, 'receive_message');
    const stillIn = nextEvent(clients.get('player11') as TestClient, 'receive_message');
    await ok(
      request(coach, 'send_message', { chatId: chat.id, text: 'after removal', clientMessageId: 'g-2' }),
    );
    await stillIn;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(afterRemoval).toHaveLength(0);
    const refused = await request(removedClient, 'get_history', { chatId: chat.id, limit: 10 });
    expect(refused).toMatchObject({ ok: false, error: { code: 'NOT_A_MEMBER' } });

    // Outsiders and non-admins are refused, and nothing changes.
    const outsider = await t.connect('stranger');
    for (const ack of await Promise.all([
      request(outsider, 'send_message', { chatId: chat.id, text: 'hi', clientMessageId: 'o-1' }),
      request(outsider, 'join_chat', { chatId: chat.id }),
      request(outsider, 'add_members', { chatId: chat.id, userIds: ['stranger'] }),
    ])) {
      expect(ack).toMatchObject({ ok: false, error: { code: 'NOT_A_MEMBER' } });
    }
    const notAdmin = await request(clients.get('player02') as TestClient, 'add_members', {
      chatId: chat.id,
      userIds: ['stranger'],
    });
    expect(notAdmin).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const history = await ok(request(coach, 'get_history', { chatId: chat.id, limit: 10 }));
    expect(history.messages.map((m) => m.text)).toEqual(['after removal', 'Kit check Friday']);
  });

  it('renames, adds, and lets a member leave; the last admin leaving hands admin over', async () => {
    const admin = await t.connect('anna');
    const ben = await t.connect('ben');
    const { chat } = await ok(request(admin, 'create_group', { name: 'Parents', members: ['ben'] }));
    const listUpdates = collect(ben, 'chat_list_updated');
    await ok(request(admin, 'rename_chat', { chatId: chat.id, name: 'Parents U12' }));
    await waitFor(() => listUpdates.some((u) => u.updates.name === 'Parents U12'), 2000, 'rename notice');
    expect(listUpdates.find((u) => u.updates.name === 'Parents U12')).toMatchObject({ chatId: chat.id });

    const added = await ok(request(admin, 'add_members', { chatId: chat.id, userIds: ['cleo'] }));
    expect(added.chat.members.sort()).toEqual(['anna', 'ben', 'cleo']);

    await ok(request(admin, 'leave_group', { chatId: chat.id }));
    const members = await ok(request(ben, 'get_members', { chatId: chat.id }));
    expect(members.members.map((m) => m.userId).sort()).toEqual(['ben', 'cleo']);
    expect(members.members.some((m) => m.role === 'admin')).toBe(true);
  });

  it('keeps DMs at exactly two members', async () => {
    const dana = await t.connect('dana');
    const { chat } = await ok(request(dana, 'open_dm', { userId: 'eli' }));
    const add = await request(dana, 'add_members', { chatId: chat.id, userIds: ['fay'] });
    expect(add.ok).toBe(false);
    const leave = await request(dana, 'leave_group', { chatId: chat.id });
    expect(leave).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });
});
