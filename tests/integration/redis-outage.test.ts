import type { SocketService } from '@mpi/client';
import type { MessageData } from '@mpi/protocol';
import { Cleanup, readiness, type ServerProcess, sleep, untilReady, waitFor } from '@mpi/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster } from '../support/cluster.js';
import { online, range, sdk } from './helpers.js';

/*
 * Redis dies under a cluster of two nodes (real processes on one PostgreSQL, a private Redis on a free
 * port): no node exits, both stay ready (degraded), a third node starts meanwhile, and once Redis is back
 * every node rejoins and what was acknowledged meanwhile reaches recipients on the other node by itself.
 */
const JWT_SECRET = 'redis-outage-secret-0123456789';
const OUTAGE_MS = 2000;

const cluster = await createCluster(3, JWT_SECRET, { RATE_LIMIT_EVENTS: '100000' });
const cleanup = new Cleanup();
const token = (userId: string) => (cluster as NonNullable<typeof cluster>).token(userId);

beforeAll(async () => {
  await Promise.all(cluster?.nodes.slice(0, 2).map((node) => node.start()) ?? []);
});

afterAll(async () => {
  await cleanup.run();
  await cluster?.stop();
});

describe.skipIf(!cluster)('Redis outage under two nodes', () => {
  it('no node exits, nodes stay ready, start and rejoin, and nothing acknowledged is lost', async () => {
    if (!cluster) return;
    const { redis, nodes } = cluster;
    const [nodeA, nodeB, nodeC] = nodes as [ServerProcess, ServerProcess, ServerProcess];
    const alice: SocketService = sdk(cleanup, nodeA.url, token, 'alice');
    const bob: SocketService = sdk(cleanup, nodeB.url, token, 'bob');
    await Promise.all([online(alice, 'alice'), online(bob, 'bob')]);
    const dm = await alice.openDm('bob');
    if (!dm.ok) throw new Error(dm.error.message);
    const chatId = dm.chat.id;
    const acked: MessageData[] = [];
    const failures: string[] = [];
    const send = async (k: number) => {
      const ack = await alice.sendMessage(chatId, `m${k}`, { clientMessageId: `m${k}` });
      if (ack.ok) acked.push(ack.message);
      else failures.push(`m${k}: ${ack.error.code}`);
    };
    const holds = (n: number) => () => bob.chats.getChatSnapshot(chatId).messages.length === n;

    await send(1);
    await waitFor(holds(1), 5000, 'live delivery across nodes');

    await redis.kill();
    // Broadcasts while Redis is gone: each one would have ended the process before.
    for (const k of range(20)) {
      await send(k + 1);
      await sleep(OUTAGE_MS / 40);
    }
    expect(failures).toEqual([]);
    expect(nodeA.running && nodeB.running).toBe(true);
    for (const node of [nodeA, nodeB]) {
      expect(await readiness(node.url)).toEqual({
        code: 200,
        body: { status: 'ready', storage: 'postgres', redis: 'degraded' },
      });
    }
    // A node started while Redis is away serves (degraded) rather than crash-looping.
    await nodeC.start();
    expect((await readiness(nodeC.url)).body).toMatchObject({ status: 'ready', redis: 'degraded' });
    await sleep(OUTAGE_MS / 2);

    await redis.start();
    const back = Date.now();
    for (const node of [nodeA, nodeB, nodeC]) {
      await untilReady(node.url, (probe) => probe.body.redis === 'linked');
    }
    const rejoinMs = Date.now() - back;
    expect(rejoinMs).toBeLessThan(5000);

    // What was acknowledged meanwhile reached only node A's sockets; the resync brings it to bob on node B
    // without bob doing anything.
    const resynced = Date.now();
    await waitFor(holds(21), 5000, 'bob holds what was sent during the outage');
    const resyncMs = Date.now() - resynced;
    // Live again across nodes.
    await send(22);
    await waitFor(holds(22), 5000, 'live delivery after the rejoin');
    expect(failures).toEqual([]);
    const held = bob.chats.getChatSnapshot(chatId).messages;
    expect(held.map((m) => m.seq)).toEqual(range(22));
    expect(new Set(held.map((m) => m.id)).size).toBe(22);
    expect(acked.map((m) => m.seq)).toEqual(range(22));
    expect(nodes.every((node) => node.running)).toBe(true);
    console.info(
      `redis outage: 0/3 nodes exited, all linked ${rejoinMs} ms after Redis returned, ` +
        `the 20 messages sent meanwhile held by the other node's recipient ${resyncMs} ms later, 0 lost, 0 twice`,
    );
  });
});
