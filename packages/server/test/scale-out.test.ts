import { randomBytes } from 'node:crypto';
import { describePostgres, postgresAvailable, sleep, waitFor } from '@mpi/test-kit';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { expect, it } from 'vitest';
import {
  collect,
  handshakeOutcome,
  nextEvent,
  request,
  startTestServer,
  TEST_JWT_SECRET,
} from './support/server.js';

const REDIS_URL = process.env.MPI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisReachable(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch (error) {
    if (process.env.CI === 'true')
      throw new Error(`Redis at ${REDIS_URL} is required on CI`, { cause: error });
    console.warn(`\n!!! Redis at ${REDIS_URL} is unreachable: the scale-out tests are SKIPPED.\n`);
    return false;
  } finally {
    probe.disconnect();
  }
}

const redis = postgresAvailable() ? await redisReachable() : false;
// A prefix of its own, so parallel suites on the same Redis never see each other's broadcasts.
const prefix = `mpi-test-${process.pid}-${randomBytes(4).toString('hex')}`;

describePostgres('two server nodes on %s and Redis', { skip: !redis }, (db) => {
  it('relays chat, receipts, typing and presence between users on different nodes', async () => {
    const env = { DATABASE_URL: db.url(), REDIS_URL, REDIS_KEY_PREFIX: prefix };
    const nodeA = await startTestServer(env);
    const nodeB = await startTestServer(env);
    try {
      const alice = await nodeA.connect('alice');
      const bob = await nodeB.connect('bob');
      const opened = await request(alice, 'open_dm', { userId: 'bob' });
      if (!opened.ok) throw new Error(opened.error.message);
      const chatId = opened.chat.id;

      await request(alice, 'join_chat', { chatId });
      const joined = nextEvent(alice, 'user_joined');
      await request(bob, 'join_chat', { chatId });
      expect(await joined).toEqual({ userId: 'bob', chatId });

      const received = nextEvent(bob, 'receive_message');
      const delivered = nextEvent(alice, 'message_delivered');
      const sent = await request(alice, 'send_message', {
        chatId,
        text: 'across nodes',
        clientMessageId: 'x-1',
      });
      if (!sent.ok) throw new Error(sent.error.message);
      expect((await received).id).toBe(sent.message.id);
      await request(bob, 'messages_received', { chatId, upToSeq: sent.message.seq });
      expect(await delivered).toMatchObject({ messageId: sent.message.id });

      const typing = collect(alice, 'typing_update');
      bob.emit('typing_start', { chatId });
      await waitFor(() => typing.length === 1, 3000, 'typing across nodes');
      expect(typing[0]).toEqual({ chatId, userId: 'bob', isTyping: true });

      // A second tab of bob on node A is not news; closing it while node B's socket stays is not either.
      const left = collect(alice, 'user_left');
      const bobTab = await nodeA.connect('bob', { deviceId: 'bob-tab' });
      await request(bobTab, 'join_chat', { chatId });
      bobTab.disconnect();
      await sleep(300);
      expect(left).toHaveLength(0);

      const ready = await nodeB.server.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.json()).toEqual({ status: 'ready', storage: 'postgres', redis: 'linked' });
    } finally {
      await nodeA.stop();
      await nodeB.stop();
    }
  });

  it('shares the rate limit of a user across nodes', async () => {
    const env = {
      DATABASE_URL: db.url(),
      REDIS_URL,
      REDIS_KEY_PREFIX: `${prefix}-rl`,
      RATE_LIMIT_EVENTS: '8', // 4 per window: no 30-s interval holds more than 8
      RATE_LIMIT_WINDOW_SECONDS: '30',
    };
    const nodeA = await startTestServer(env);
    const nodeB = await startTestServer(env);
    try {
      const onA = await nodeA.connect('carol');
      const onB = await nodeB.connect('carol');
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await request(onA, 'list_chats', {}));
      const limited = nextEvent(onB, 'socket_rate_limit_exceeded');
      for (let i = 0; i < 2; i++) results.push(await request(onB, 'list_chats', {}));
      expect(results.map((r) => r.ok)).toEqual([true, true, true, true, false]);
      expect(results.at(-1)).toMatchObject({
        ok: false,
        error: { code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) },
      });
      expect(await limited).toMatchObject({
        code: 'RATE_LIMITED',
        event: 'list_chats',
        retryAfterMs: expect.any(Number),
      });
    } finally {
      await nodeA.stop();
      await nodeB.stop();
    }
  });

  it('erases a user on one node: their sockets on the other are closed, its members told, tokens refused', async () => {
    const env = { DATABASE_URL: db.url(), REDIS_URL, REDIS_KEY_PREFIX: prefix };
    const nodeA = await startTestServer(env);
    const nodeB = await startTestServer(env);
    try {
      const erinToken = await nodeA.token('erin');
      const erin = await nodeB.connect('erin', { token: erinToken });
      const finn = await nodeB.connect('finn');
      const created = await request(finn, 'create_group', { name: 'Crew', members: ['erin'] });
      if (!created.ok) throw new Error(created.error.message);
      const chatId = created.chat.id;
      await request(finn, 'join_chat', { chatId });
      await request(erin, 'join_chat', { chatId });
      const dm = await request(finn, 'open_dm', { userId: 'erin' });
      if (!dm.ok) throw new Error(dm.error.message);
      await request(erin, 'get_history', { chatId: dm.chat.id }); // node B caches the DM's members
      const left = nextEvent(finn, 'user_left');
      const list = nextEvent(finn, 'chat_list_updated');
      const refused = nextEvent(erin, 'socket_error');
      const gone = new Promise<string>((resolve) => erin.once('disconnect', resolve));

      const response = await fetch(`${nodeA.url}/api/me`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${erinToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ confirm: 'erin' }),
      });
      expect(response.status).toBe(200);
      expect(await refused).toMatchObject({ code: 'ACCOUNT_ERASED' });
      expect(await gone).toBe('io server disconnect');
      expect(await left).toEqual({ userId: 'erin', chatId });
      expect(await list).toEqual({ chatId, updates: { name: 'Crew', members: ['finn'] } });
      expect(await handshakeOutcome(nodeB.url, erinToken)).toBe('ACCOUNT_ERASED');
      // Back with a token issued after the erasure, she is a new user on node B too: not in the old DM.
      const later = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('erin')
        .setIssuedAt(Math.floor(Date.now() / 1000) + 2)
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(TEST_JWT_SECRET));
      const again = await nodeB.connect('erin', { token: later });
      let code = '';
      for (let attempt = 0; attempt < 30 && code !== 'NOT_A_MEMBER'; attempt++) {
        if (attempt > 0) await sleep(100);
        const history = await request(again, 'get_history', { chatId: dm.chat.id });
        code = history.ok ? 'ok' : history.error.code;
      }
      expect(code).toBe('NOT_A_MEMBER');
    } finally {
      await nodeA.stop();
      await nodeB.stop();
    }
  });

  it('runs the catch-up of every set-up socket again when another node asks for a resync', async () => {
    const env = { DATABASE_URL: db.url(), REDIS_URL, REDIS_KEY_PREFIX: `${prefix}-resync` };
    const nodeA = await startTestServer(env);
    const nodeB = await startTestServer(env);
    try {
      const dave = await nodeB.connect('dave');
      const caughtUp = collect(dave, 'catch_up_complete');
      await request(dave, 'setup_user', { userId: 'dave', userInfo: {} });
      await waitFor(() => caughtUp.length === 1, 3000, 'the first catch-up');
      const idle = await nodeB.connect('ida'); // not set up: nothing to catch up
      const idleCaughtUp = collect(idle, 'catch_up_complete');
      // What a node whose Redis link came back sends to the others.
      nodeA.server.io.serverSideEmit('resync');
      await waitFor(() => caughtUp.length === 2, 5000, 'the catch-up run again');
      expect(idleCaughtUp).toHaveLength(0);
    } finally {
      await nodeA.stop();
      await nodeB.stop();
    }
  });
});
