import type { ClientToServerEvents, ServerToClientEvents } from '@mpi/protocol';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../packages/server/src/auth/tokens.js';
import {
  createTestPostgresDatabase,
  type TestPostgresDatabase,
} from '../../packages/server/test/support/postgres.js';
import {
  PrivateRedis,
  privateServicesAvailable,
} from '../../packages/server/test/support/private-services.js';
import { ServerProcess } from '../support/server-process.js';
import { Cleanup, freePort, waitFor } from './helpers.js';

/*
 * A node dies with SIGKILL (no disconnect hook runs): the survivor clears its users' presence and typing
 * in the chats' rooms within the lease (NODE_LEASE_MS, short here) plus one renewal.
 */
const JWT_SECRET = 'node-death-secret-0123456789';
const LEASE_MS = 2000;
type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const available = await privateServicesAvailable();
const cleanup = new Cleanup();
let postgres: TestPostgresDatabase | null = null;
let redis: PrivateRedis;
const nodes: ServerProcess[] = [];

async function connect(url: string, userId: string): Promise<Client> {
  const { token } = await signToken(JWT_SECRET, userId, { ttlSeconds: 600 });
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
  if (!available) return;
  postgres = await createTestPostgresDatabase();
  if (!postgres) return;
  redis = await PrivateRedis.start();
  const env = {
    JWT_SECRET,
    DATABASE_URL: postgres.url,
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `death-${process.pid}`,
    NODE_LEASE_MS: String(LEASE_MS),
  };
  for (let i = 0; i < 2; i++) nodes.push(new ServerProcess(await freePort(), env));
  await Promise.all(nodes.map((node) => node.start()));
});

afterAll(async () => {
  await cleanup.run();
  for (const node of nodes) await node.kill();
  await redis?.kill();
  await postgres?.drop();
});

describe.skipIf(!available)('a node that dies', () => {
  it('has its users’ presence and typing cleared by the survivor within the lease', async () => {
    if (!postgres) return;
    const [survivor, doomed] = nodes as [ServerProcess, ServerProcess];
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
    await doomed.kill();
    const killedAt = Date.now();
    await waitFor(() => left.length > 0 && typing.length === 2, LEASE_MS * 3, 'bob cleared');
    const clearedMs = Date.now() - killedAt;
    expect(left).toEqual(['bob']);
    expect(typing).toEqual([true, false]);
    expect(clearedMs).toBeLessThan(LEASE_MS * 3);
    expect(survivor.running).toBe(true);
    console.info(`node SIGKILLed: user_left and typing cleared ${clearedMs} ms later (lease ${LEASE_MS} ms)`);
  });
});
