import type { ClientToServerEvents, ServerToClientEvents } from '@mpi/protocol';
import type { ServerProcess } from '@mpi/test-kit';
import { Cleanup, waitFor } from '@mpi/test-kit';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster } from '../support/cluster.js';

/*
 * A node dies with SIGKILL (no disconnect hook runs): the survivor clears its users' presence and typing
 * in the chats' rooms within the lease (NODE_LEASE_MS, short here) plus one renewal.
 */
const JWT_SECRET = 'node-death-secret-0123456789';
const LEASE_MS = 2000;
type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const cluster = await createCluster(2, JWT_SECRET, { NODE_LEASE_MS: String(LEASE_MS) });
const cleanup = new Cleanup();

async function connect(url: string, userId: string): Promise<Client> {
  const token = await (cluster as NonNullable<typeof cluster>).token(userId);
  const client: Client = io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: { token, deviceId: `${userId}-device` },
  });
  cleanup.add(client, (c) => c.disconnect());
  await new Promise<void>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('connect_error', reject);
  });
  return client;
}

beforeAll(async () => {
  await Promise.all(cluster?.nodes.map((node) => node.start()) ?? []);
});

afterAll(async () => {
  await cleanup.run();
  await cluster?.stop();
});

describe.skipIf(!cluster)('a node that dies', () => {
  it('has its users’ presence, typing and online state cleared by the survivor within the lease', async () => {
    if (!cluster) return;
    const [survivor, doomed] = cluster.nodes as [ServerProcess, ServerProcess];
    const alice = await connect(survivor.url, 'alice');
    const bob = await connect(doomed.url, 'bob');
    const opened = (await alice.timeout(3000).emitWithAck('open_dm', { userId: 'bob' })) as {
      ok: boolean;
      chat: { id: string };
    };
    const chatId = opened.chat.id;
    await alice.timeout(3000).emitWithAck('join_chat', { chatId });
    const joined = new Promise((resolve) => alice.once('user_joined', resolve));
    await bob.timeout(3000).emitWithAck('join_chat', { chatId });
    await joined;
    const typing: boolean[] = [];
    alice.on('typing_update', (update) => typing.push(update.isTyping));
    bob.emit('typing_start', { chatId });
    await waitFor(() => typing.length === 1, 3000, 'bob typing');
    // Let one renewal carry bob's presence and typing to Redis.
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS / 5 + 200));

    const left: string[] = [];
    alice.on('user_left', (payload) => left.push(payload.userId));
    const presence: Array<{ userId: string; online: boolean; lastSeenAt: string | null }> = [];
    alice.on('presence_updated', (update) => presence.push(update));
    await doomed.kill();
    const killedAt = Date.now();
    await waitFor(() => left.length > 0 && typing.length === 2, LEASE_MS * 3, 'bob cleared');
    const clearedMs = Date.now() - killedAt;
    expect(left).toEqual(['bob']);
    expect(typing).toEqual([true, false]);
    // Bob's only connection was on the dead node: he is offline, last seen when the survivor noticed.
    await waitFor(() => presence.length > 0, LEASE_MS * 3, 'bob offline');
    expect(presence).toEqual([{ userId: 'bob', online: false, lastSeenAt: expect.any(String) }]);
    expect(clearedMs).toBeLessThan(LEASE_MS * 3);
    expect(survivor.running).toBe(true);
    console.info(`node SIGKILLed: user_left and typing cleared ${clearedMs} ms later (lease ${LEASE_MS} ms)`);
  });
});
