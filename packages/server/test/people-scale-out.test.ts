import { randomBytes } from 'node:crypto';
import { describePostgres, postgresAvailable, sleep, waitFor } from '@mpi/test-kit';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import {
  collect,
  nextEvent,
  request,
  startTestServer,
  type TestClient,
  type TestServer,
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
    console.warn(`\n!!! Redis at ${REDIS_URL} is unreachable: the people scale-out tests are SKIPPED.\n`);
    return false;
  } finally {
    probe.disconnect();
  }
}

const redis = postgresAvailable() ? await redisReachable() : false;
const prefix = `mpi-test-people-${process.pid}-${randomBytes(4).toString('hex')}`;

async function online(
  node: TestServer,
  userId: string,
  deviceId: string,
  name?: string,
): Promise<TestClient> {
  const client = await node.connect(userId, { deviceId });
  const ack = await request(client, 'setup_user', { userId, userInfo: name ? { name } : {} });
  if (!ack.ok) throw new Error(ack.error.message);
  return client;
}

describePostgres('people across two nodes on %s and Redis', { skip: !redis }, (db) => {
  it('shares names, online and last seen, and the hide setting between users on different nodes', async () => {
    const env = { DATABASE_URL: db.url(), REDIS_URL, REDIS_KEY_PREFIX: prefix };
    const nodeA = await startTestServer(env);
    const nodeB = await startTestServer(env);
    try {
      const alice = await online(nodeA, 'alice', 'alice-laptop', 'Alice');
      const bob = await online(nodeB, 'bob', 'bob-phone', 'Bob');
      const opened = await request(alice, 'open_dm', { userId: 'bob' });
      if (!opened.ok) throw new Error(opened.error.message);

      // Alice's socket is on node A only: node B asks the cluster.
      const list = await request(bob, 'list_chats', {});
      expect(list).toMatchObject({
        ok: true,
        profiles: expect.arrayContaining([{ id: 'alice', name: 'Alice' }]),
        presence: [{ userId: 'alice', online: true, lastSeenAt: null }],
      });

      const renamed = nextEvent(bob, 'profile_updated');
      await request(alice, 'update_profile', { name: 'Alice K.' });
      expect(await renamed).toEqual({ id: 'alice', name: 'Alice K.' });

      // A second connection of alice on node B, closed while node A's stays: not news.
      const updates = collect(bob, 'presence_updated');
      const aliceTab = await online(nodeB, 'alice', 'alice-tab');
      aliceTab.disconnect();
      await sleep(300);
      expect(updates).toEqual([]);

      alice.disconnect();
      await waitFor(() => updates.length === 1, 3000, 'alice offline across nodes');
      expect(updates[0]).toMatchObject({ userId: 'alice', online: false, lastSeenAt: expect.any(String) });

      const aliceBack = await online(nodeB, 'alice', 'alice-laptop');
      await waitFor(() => updates.length === 2, 3000, 'alice online again');
      expect(updates[1]).toEqual({ userId: 'alice', online: true, lastSeenAt: null });

      await request(aliceBack, 'set_presence_hidden', { hidden: true });
      await waitFor(() => updates.length === 3, 3000, 'alice hidden');
      expect(updates[2]).toEqual({ userId: 'alice', online: false, lastSeenAt: null });
      const fromA = await online(nodeA, 'carol', 'carol-1');
      const group = await request(fromA, 'create_group', { name: 'Club', members: ['alice', 'bob'] });
      if (!group.ok) throw new Error(group.error.message);
      const members = await request(fromA, 'get_members', { chatId: group.chat.id });
      expect(members.ok && members.presence).toEqual([
        { userId: 'alice', online: false, lastSeenAt: null },
        { userId: 'bob', online: true, lastSeenAt: null },
      ]);
    } finally {
      await nodeA.stop();
      await nodeB.stop();
    }
  });
});
