import { randomUUID } from 'node:crypto';
import { ERASED_USER_ID, type ErasureResult, type UserDataExport } from '@mpi/protocol';
import { forEachDialect } from '@mpi/test-kit';
import { SignJWT } from 'jose';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../src/auth/tokens.js';
import { rowsNaming, tableCounts } from './support/inspect.js';
import { match, type NotifyServer, settle, startNotifyServer } from './support/notifications.js';
import { collect, handshakeOutcome, request, TEST_JWT_SECRET, type TestClient } from './support/server.js';

const HOUR = 3600_000;
const token = async (userId: string) =>
  (await signToken(TEST_JWT_SECRET, userId, { ttlSeconds: 3600 })).token;

/** A token issued `seconds` from now (a token the identity provider issues after an erasure). */
const tokenIssuedIn = (userId: string, seconds: number) =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt(Math.floor(Date.now() / 1000) + seconds)
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));

async function ok<A extends { ok: true } | { ok: false; error: { message: string } }>(
  ack: Promise<A>,
): Promise<Extract<A, { ok: true }>> {
  const answer = await ack;
  if (!answer.ok) throw new Error((answer as { error: { message: string } }).error.message);
  return answer as Extract<A, { ok: true }>;
}

/** Resolves with the reason the client was disconnected. */
const disconnected = (client: TestClient) =>
  new Promise<string>((resolve) => client.once('disconnect', (reason) => resolve(reason)));

/** An HTTP request with a bearer token (or none), its JSON answer. */
async function bearer(url: string, method: string, path: string, auth?: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(auth !== undefined && { authorization: `Bearer ${auth}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? null : JSON.parse(text) };
}

forEachDialect('export and erasure of a user on %s', (db) => {
  let t: NotifyServer;
  const ann = 'ann';
  const [bob, cat, dan] = ['bob', 'cat', 'dan'];
  let annClient: TestClient;
  let bobClient: TestClient;
  let annToken: string;
  let group: string;
  let dm: string;
  let solo: string;
  let left: string;
  const sent = new Map<string, string[]>();

  const send = async (client: TestClient, chatId: string, text: string) => {
    const { message } = await ok(
      request(client, 'send_message', { chatId, text, clientMessageId: randomUUID() }),
    );
    sent.set(chatId, [...(sent.get(chatId) ?? []), `${message.senderId}:${text}`]);
    return message;
  };
  const exportOf = async (auth: string) => {
    const answer = await bearer(t.url, 'GET', '/api/me/export', auth);
    expect(answer.status).toBe(200);
    return answer.body as UserDataExport;
  };

  beforeAll(async () => {
    t = await startNotifyServer({ databaseUrl: db.url() });
    annToken = await token(ann);
    annClient = await t.connect(ann, 'ann-phone');
    await ok(request(annClient, 'setup_user', { userId: ann, userInfo: { name: 'Ann' } }));
    bobClient = (await t.online(bob, 'bob-phone')).client;
    await t.online(cat, 'cat-phone');
    const danClient = (await t.online(dan, 'dan-phone')).client;

    // Ann's chats: a group she created with bob and cat, a DM with bob, a group only she is left in, and a group
    // she has left since (her message stays there).
    group = (await ok(request(annClient, 'create_group', { name: 'Team', members: [bob, cat] }))).chat.id;
    dm = (await ok(request(annClient, 'open_dm', { userId: bob }))).chat.id;
    solo = (await ok(request(annClient, 'create_group', { name: 'Notes', members: [dan] }))).chat.id;
    await ok(request(danClient, 'leave_group', { chatId: solo }));
    left = (await ok(request(bobClient, 'create_group', { name: 'Old', members: [ann] }))).chat.id;
    await send(annClient, group, 'hello team');
    await send(bobClient, group, 'hi ann');
    await send(annClient, group, 'bye');
    await send(annClient, dm, 'psst');
    await send(bobClient, dm, 'yes?');
    await send(annClient, solo, 'note to self');
    await send(annClient, left, 'leaving');
    await ok(request(annClient, 'leave_group', { chatId: left }));
    // Bob and cat's own DM, which is none of ann's business.
    const bobCat = (await ok(request(bobClient, 'open_dm', { userId: cat }))).chat.id;
    await send(bobClient, bobCat, 'secret');
    await ok(request(annClient, 'messages_received', { chatId: group, upToSeq: 2 }));
    await ok(request(annClient, 'mark_read', { chatId: dm, upToSeq: 2 }));

    // Notifications: one for ann alone, one for ann and bob, one for everyone, and one for bob alone;
    // a team she is in, a channel she left, and reminders of a match for her (and for her and bob).
    await t.call('PUT', '/api/v1/groups/squad/members', { members: [ann, bob] });
    const notice = (message: string, audience: object) =>
      t.notify({ type: 'system:update', payload: { message }, audience });
    const annOnly = await notice('for ann', { users: [ann] });
    await notice('for ann and bob', { users: [ann, bob] });
    await notice('for everyone', { everyone: true });
    await notice('for bob', { users: [bob] });
    await ok(request(annClient, 'mark_notifications_read', { ids: [String(annOnly.body?.id)] }));
    await ok(request(annClient, 'unsubscribe', { channels: ['matches'] }));
    await ok(request(annClient, 'notifications_received', { upToSeq: 3 }));
    const startsAt = new Date(Date.now() + 48 * HOUR).toISOString();
    await t.notify({
      type: 'match:scheduled',
      payload: match('m-ann', startsAt),
      audience: { users: [ann] },
    });
    await t.notify({
      type: 'match:scheduled',
      payload: match('m-both', startsAt),
      audience: { users: [ann, bob] },
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  describe('export', () => {
    it("exports everything stored about the user, and nothing of anyone else's", async () => {
      const data = await exportOf(annToken);
      expect(data).toMatchObject({
        format: 'mpi-user-export/1',
        userId: ann,
        profile: { name: 'Ann', avatarUrl: null },
        audienceGroups: ['squad'],
      });
      expect(data.devices.map((d) => d.deviceId)).toEqual(['ann-phone']);
      const phone = data.devices[0];
      expect(phone?.notificationCursor?.seq).toBe(3);
      expect(phone?.chatCursors.find((c) => c.chatId === group)?.receivedSeq).toBeGreaterThanOrEqual(2);
      expect(data.chats.map((c) => c.id).sort()).toEqual([group, dm, solo].sort());
      expect(data.chats.find((c) => c.id === group)).toMatchObject({
        role: 'admin',
        members: [ann, bob, cat],
      });
      expect(data.chats.find((c) => c.id === dm)).toMatchObject({ readSeq: 2 });
      // The conversations she is in, whoever wrote; her message in the group she left, apart.
      const texts = (list: UserDataExport['messages']) => list.map((m) => `${m.senderId}:${m.text}`);
      expect(texts(data.messages).sort()).toEqual(
        [...(sent.get(group) ?? []), ...(sent.get(dm) ?? []), ...(sent.get(solo) ?? [])].sort(),
      );
      expect(texts(data.sentInOtherChats)).toEqual([`${ann}:leaving`]);
      expect(JSON.stringify(data)).not.toContain('secret');

      const inbox = data.notifications.items.map((i) => (i.payload as { message?: string }).message);
      expect(inbox).toEqual(['for ann', 'for ann and bob', 'for everyone']);
      expect(data.notifications.items[0]).toMatchObject({ read: true, readAt: expect.any(String) });
      expect(data.notifications.items[1]).toMatchObject({ read: false, readAt: null });
      expect(data.preferences.channels).toEqual(['calendar', 'training', 'system']);
      expect(data.preferences.optOuts).toMatchObject([{ channel: 'matches', untilSeq: null }]);
      expect(data.reminders.map((r) => r.itemId).sort()).toEqual(['m-ann', 'm-ann', 'm-both', 'm-both']);

      const bobs = await exportOf(await token(bob));
      expect(bobs.chats.map((c) => c.id)).not.toContain(solo);
      const notices = bobs.notifications.items.filter((i) => i.event === 'system:update');
      expect(notices.map((i) => (i.payload as { message: string }).message)).toEqual([
        'for ann and bob',
        'for everyone',
        'for bob',
      ]);
      expect(bobs.audienceGroups).toEqual(['squad']);
      expect(bobs.profile).toMatchObject({ name: null });
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      expect(metrics).toContain('mpi_user_exports_total{by="self"} 2');
    });

    it('streams an export of more than a page of messages, in chat and seq order', async () => {
      const gus = 'gus';
      const chats = [
        await t.server.storage.chat.createGroup({ creatorId: gus, name: 'Big', memberIds: [bob] }),
        await t.server.storage.chat.openDm(gus, bob),
      ];
      // Pages of 500: the first ends with the group's last message, the second inside the DM.
      const counts = [500, 520];
      await Promise.all(
        chats.flatMap((chat, c) =>
          Array.from({ length: counts[c] ?? 0 }, (_, i) =>
            t.server.storage.chat.appendMessage({
              chatId: chat.id,
              senderId: i % 2 === 0 ? gus : bob,
              clientMessageId: `big-${i}`,
              text: `message ${i}`,
            }),
          ),
        ),
      );
      const data = await exportOf(await token(gus));
      expect(data.messages).toHaveLength(1020);
      const order = data.messages.map((m) => `${m.chatId}:${String(m.seq).padStart(4, '0')}`);
      expect(order).toEqual([...order].sort());
      expect(new Set(order).size).toBe(order.length);
    });

    it('lets an operator export any user over the signed API, and refuses unsigned or forged requests', async () => {
      const answer = await t.call('GET', `/api/v1/users/${ann}/export`, undefined, { deliveryId: null });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(answer.body).toMatchObject({ userId: ann, profile: { name: 'Ann' } });
      const unsigned = await t.call('GET', `/api/v1/users/${ann}/export`, undefined, { unsigned: true });
      expect(unsigned).toMatchObject({ status: 401, body: { error: { code: 'SIGNATURE_MISSING' } } });
      const forged = await t.call('GET', `/api/v1/users/${ann}/export`, undefined, {
        secret: 'not-the-secret-0123456789abcdef-0123456789',
      });
      expect(forged).toMatchObject({ status: 401, body: { error: { code: 'SIGNATURE_INVALID' } } });
    });

    it('refuses an export without a valid token, and limits each user to 5 an hour', async () => {
      expect(await bearer(t.url, 'GET', '/api/me/export')).toMatchObject({
        status: 401,
        body: { error: { code: 'AUTH_MISSING' } },
      });
      const forged = (await signToken('another-secret-0123456789', ann, { ttlSeconds: 60 })).token;
      expect(await bearer(t.url, 'GET', '/api/me/export', forged)).toMatchObject({
        status: 401,
        body: { error: { code: 'AUTH_INVALID' } },
      });
      const danToken = await token(dan);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++)
        statuses.push((await bearer(t.url, 'GET', '/api/me/export', danToken)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const refused = await bearer(t.url, 'GET', '/api/me/export', danToken);
      expect(refused.body).toMatchObject({ error: { code: 'RATE_LIMITED' } });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    });
  });

  describe('erasure', () => {
    it('refuses a self-service erasure without the confirmation, or of someone else, and changes nothing', async () => {
      const before = await tableCounts(t.server.storage);
      for (const body of [undefined, {}, { confirm: bob }, { confirm: ann, extra: true }]) {
        const answer = await bearer(t.url, 'DELETE', '/api/me', annToken, body);
        expect(answer.status).toBe(400);
        expect(answer.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
      }
      expect(await bearer(t.url, 'DELETE', '/api/me', await token(bob), { confirm: ann })).toMatchObject({
        status: 400,
      });
      expect(await bearer(t.url, 'DELETE', '/api/me', undefined, { confirm: ann })).toMatchObject({
        status: 401,
      });
      const unsigned = await t.call('DELETE', `/api/v1/users/${ann}`, undefined, { unsigned: true });
      expect(unsigned).toMatchObject({ status: 401, body: { error: { code: 'SIGNATURE_MISSING' } } });
      expect(await tableCounts(t.server.storage)).toEqual(before);
      expect(annClient.connected).toBe(true);
    });

    it('erases the user: nothing of them remains but tombstones, others see it live, old tokens are refused', async () => {
      const bobJoined = await ok(request(bobClient, 'join_chat', { chatId: group }));
      expect(bobJoined.chat.members).toContain(ann);
      await ok(request(annClient, 'join_chat', { chatId: group }));
      await ok(request(annClient, 'get_history', { chatId: dm })); // the DM's members are cached now
      const bobLeft = collect(bobClient, 'user_left');
      const bobLists = collect(bobClient, 'chat_list_updated');
      const annErrors = collect(annClient, 'socket_error');
      const annGone = disconnected(annClient);
      const before = await tableCounts(t.server.storage);
      expect((await rowsNaming(t.server.storage, ann)).users).toBe(1);

      const erased = await t.call('DELETE', `/api/v1/users/${ann}`);
      expect(erased.status).toBe(200);
      const result = erased.body as unknown as ErasureResult;
      expect(result).toMatchObject({
        userId: ann,
        alreadyErased: false,
        removed: {
          users: 1,
          chats: 1, // the group she was alone in, with its message
          messages: 1,
          chat_members: 3,
          devices: 1,
          notifications: 2, // those for her alone: a notice and a match (of a channel she had left)
          notification_recipients: 4,
          notification_reads: 1,
          notification_users: 1,
          notification_device_cursors: 1,
          notification_opt_outs: 1,
          audience_group_members: 1,
          notification_reminders: 2,
        },
        anonymised: { messages: 4, chats: 2, notification_reminders: 2 },
      });

      // Table by table, nothing names her any more.
      const remaining = await rowsNaming(t.server.storage, ann);
      expect(Object.entries(remaining).filter(([, n]) => n > 0)).toEqual([]);
      const after = await tableCounts(t.server.storage);
      const removedTotal = (table: string) => (before[table] ?? 0) - (after[table] ?? 0);
      expect(removedTotal('messages')).toBe(1);
      expect(removedTotal('chats')).toBe(1);
      expect(removedTotal('notifications')).toBe(2);
      expect(removedTotal('erased_users')).toBe(-1);

      // Her messages where others remain are tombstones at the same seqs.
      const history = await ok(request(bobClient, 'get_history', { chatId: group }));
      expect(history.messages.map((m) => [m.seq, m.senderId, m.text])).toEqual([
        [3, ERASED_USER_ID, ''],
        [2, bob, 'hi ann'],
        [1, ERASED_USER_ID, ''],
      ]);
      const members = await ok(request(bobClient, 'get_members', { chatId: group }));
      expect(members.members.map((m) => [m.userId, m.role])).toEqual([
        [bob, 'admin'],
        [cat, 'member'],
      ]);

      // Live: bob sees her leave and the member list change; her socket is told why and closed.
      expect(await annGone).toBe('io server disconnect');
      expect(annErrors).toMatchObject([{ code: 'ACCOUNT_ERASED' }]);
      await settle();
      expect(bobLeft).toEqual([{ userId: ann, chatId: group }]);
      expect(bobLists).toEqual(
        expect.arrayContaining([
          {
            chatId: group,
            updates: {
              name: 'Team',
              members: [bob, cat],
              lastMessage: expect.objectContaining({ seq: 3, senderId: ERASED_USER_ID }),
            },
          },
          { chatId: dm, updates: { name: null, members: [bob] } },
        ]),
      );

      // Tokens issued before the erasure are refused, on the socket and over HTTP; a later one is a new user.
      expect(await handshakeOutcome(t.url, annToken)).toBe('ACCOUNT_ERASED');
      expect(await bearer(t.url, 'GET', '/api/me/export', annToken)).toMatchObject({
        status: 401,
        body: { error: { code: 'ACCOUNT_ERASED' } },
      });
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      expect(metrics).toContain('mpi_user_erasures_total{by="operator",result="erased"} 1');
      expect(metrics).toMatch(
        /mpi_security_refusals_total\{kind="authentication",code="ACCOUNT_ERASED"\} [1-9]/,
      );

      const fresh = await tokenIssuedIn(ann, 2);
      expect(await handshakeOutcome(t.url, fresh)).toBe('connected');
      // The same id, back as a new user, is not in her old DM.
      const newAnn: TestClient = io(t.url, {
        transports: ['websocket'],
        forceNew: true,
        auth: { token: fresh },
      });
      try {
        await new Promise((resolve) => newAnn.once('connect', () => resolve(undefined)));
        const dmHistory = await request(newAnn, 'get_history', { chatId: dm });
        expect(dmHistory).toMatchObject({ ok: false, error: { code: 'NOT_A_MEMBER' } });
      } finally {
        newAnn.disconnect();
      }
      const empty = await exportOf(fresh);
      expect(empty).toMatchObject({
        profile: null,
        chats: [],
        messages: [],
        audienceGroups: [],
        reminders: [],
      });
      expect(empty.sentInOtherChats).toEqual([]);
    });

    it('is a no-op the second time, through either route', async () => {
      const before = await tableCounts(t.server.storage);
      const again = await t.call('DELETE', `/api/v1/users/${ann}`);
      expect(again).toMatchObject({
        status: 200,
        body: { alreadyErased: true, removed: {}, anonymised: {} },
      });
      const replay = await t.call('DELETE', `/api/v1/users/${ann}`, undefined, { deliveryId: 'erase-ann-1' });
      const replayed = await t.call('DELETE', `/api/v1/users/${ann}`, undefined, {
        deliveryId: 'erase-ann-1',
      });
      expect(replayed.headers.get('idempotent-replayed')).toBe('true');
      expect(replayed.body).toEqual(replay.body);
      expect(await tableCounts(t.server.storage)).toEqual(before);
    });

    it('lets a user erase themselves with their own token and the confirmation', async () => {
      const catClient = await t.connect(cat, 'cat-laptop');
      const catGone = disconnected(catClient);
      const answer = await bearer(t.url, 'DELETE', '/api/me', await token(cat), { confirm: cat });
      expect(answer).toMatchObject({ status: 200, body: { userId: cat, alreadyErased: false } });
      expect(await catGone).toBe('io server disconnect');
      expect(Object.values(await rowsNaming(t.server.storage, cat)).every((n) => n === 0)).toBe(true);
      const members = await ok(request(bobClient, 'get_members', { chatId: group }));
      expect(members.members.map((m) => m.userId)).toEqual([bob]);
    });
  });
});
