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

async function joinedDm(a: string, b: string) {
  const ca = await t.connect(a);
  const cb = await t.connect(b);
  const opened = await request(ca, 'open_dm', { userId: b });
  if (!opened.ok) throw new Error(opened.error.message);
  await request(ca, 'join_chat', { chatId: opened.chat.id });
  await request(cb, 'join_chat', { chatId: opened.chat.id });
  return { ca, cb, chatId: opened.chat.id };
}

describe('typing indicators', () => {
  it('shows and clears on typing_start / typing_stop, and throttles repeats', async () => {
    const { ca, cb, chatId } = await joinedDm('tom', 'uma');
    const updates = collect(cb, 'typing_update');
    for (let i = 0; i < 10; i++) ca.emit('typing_start', { chatId });
    await waitFor(() => updates.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(updates).toEqual([{ chatId, userId: 'tom', isTyping: true }]);
    ca.emit('typing_stop', { chatId });
    await waitFor(() => updates.length === 2);
    expect(updates[1]).toEqual({ chatId, userId: 'tom', isTyping: false });
  });

  it('clears when the typist sends a message, in order with their next typing_start', async () => {
    const { ca, cb, chatId } = await joinedDm('ines', 'jon');
    const updates = collect(cb, 'typing_update');
    ca.emit('typing_start', { chatId });
    await waitFor(() => updates.length === 1);
    // A raw client that never sends typing_stop: the message ends the indicator, and typing again at once
    // shows it again, whatever the order in which the stored message reaches the other side.
    (ca as unknown as { emit(event: string, payload: unknown): void }).emit('send_message', {
      chatId,
      text: 'hi',
      clientMessageId: 'ty-1',
    });
    ca.emit('typing_start', { chatId });
    await waitFor(() => updates.length === 3);
    expect(updates.map((u) => u.isTyping)).toEqual([true, false, true]);
  });

  it('clears by itself 5 s after a client is killed without typing_stop', async () => {
    const { ca, cb, chatId } = await joinedDm('vic', 'wes');
    const started = nextEvent(cb, 'typing_update');
    ca.emit('typing_start', { chatId });
    expect(await started).toMatchObject({ isTyping: true });
    const startedAt = Date.now();
    // A killed client: its transport vanishes without a disconnect packet, so the server only learns of
    // it at the heartbeat timeout. The indicator must not wait for that.
    const engine = (ca.io as unknown as { engine: { transport: { ws?: { _socket?: { destroy(): void } } } } })
      .engine;
    engine.transport.ws?._socket?.destroy();
    const cleared = await nextEvent(cb, 'typing_update', 8000);
    expect(cleared).toEqual({ chatId, userId: 'vic', isTyping: false });
    expect(Date.now() - startedAt).toBeLessThan(6500);
  }, 15_000);

  it('refuses typing in a chat the user is not a member of', async () => {
    const { chatId } = await joinedDm('xena', 'yuri');
    const mallory = await t.connect('mallory');
    const error = nextEvent(mallory, 'socket_error');
    mallory.emit('typing_start', { chatId });
    expect(await error).toMatchObject({ code: 'NOT_A_MEMBER', event: 'typing_start' });
  });
});

describe('presence in a chat room', () => {
  it('announces a user once for several tabs, and user_left only when the last tab goes', async () => {
    const { ca, chatId } = await joinedDm('zoe', 'adam');
    const joined = collect(ca, 'user_joined');
    const left = collect(ca, 'user_left');
    const tab1 = await t.connect('adam', { deviceId: 'adam-laptop' });
    const tab2 = await t.connect('adam', { deviceId: 'adam-phone' });
    await request(tab1, 'join_chat', { chatId });
    await request(tab2, 'join_chat', { chatId });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // adam's first device already joined in joinedDm, so neither tab is news.
    expect(joined).toHaveLength(0);
    tab1.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(left).toHaveLength(0);
    tab2.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(left).toHaveLength(0); // adam's first socket is still in the room
  });

  it('sends user_left when a member disconnects from a room', async () => {
    const { ca, cb, chatId } = await joinedDm('bea', 'carl');
    const left = nextEvent(ca, 'user_left');
    cb.disconnect();
    expect(await left).toEqual({ userId: 'carl', chatId });
  });

  it('the join_chat ack lists the other members who have the chat open', async () => {
    const group = await t.connect('gia');
    await request(group, 'setup_user', { userId: 'gia', userInfo: {} });
    const created = await request(group, 'create_group', { name: 'Team', members: ['hal', 'ivo'] });
    if (!created.ok) throw new Error(created.error.message);
    const chatId = created.chat.id;
    expect(await request(group, 'join_chat', { chatId })).toMatchObject({ ok: true, presentUserIds: [] });
    const hal = await t.connect('hal');
    const halJoin = await request(hal, 'join_chat', { chatId });
    expect(halJoin).toMatchObject({ ok: true, presentUserIds: ['gia'] });
    const ivo = await t.connect('ivo');
    expect(await request(ivo, 'join_chat', { chatId })).toMatchObject({
      ok: true,
      presentUserIds: ['gia', 'hal'],
    });
    hal.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const ivo2 = await t.connect('ivo', { deviceId: 'ivo-phone' });
    expect(await request(ivo2, 'join_chat', { chatId })).toMatchObject({ ok: true, presentUserIds: ['gia'] });
  });
});
