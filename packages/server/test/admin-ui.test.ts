import { randomBytes } from 'node:crypto';
import { Cleanup, waitFor } from '@mpi/test-kit';
import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer } from './support/server.js';

const PASSWORD = 'admin-test-password';
// bcrypt of PASSWORD, cost 4 (tests only; use cost 12 in production: docs/operations.md).
const PASSWORD_HASH = '$2a$04$K218ZRx68zSFNRE6zUedauLtz/XwQWo5MbEAqgg.2we5sDkQTU50y';
const ADMIN = { ADMIN_UI_USERNAME: 'ops', ADMIN_UI_PASSWORD_HASH: PASSWORD_HASH };
const REDIS_URL = process.env.MPI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const cleanup = new Cleanup();
const redis = await redisReachable();
afterEach(() => cleanup.run());

function admin(url: string, auth: Record<string, string>): Socket {
  const socket = io(`${url}/admin`, { transports: ['websocket'], reconnection: false, forceNew: true, auth });
  return cleanup.add(socket, (s) => s.disconnect());
}

function outcome(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (error) => resolve(error.message));
  });
}

async function redisReachable(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000 });
  probe.on('error', () => undefined);
  const ok = await probe.connect().then(
    () => true,
    () => false,
  );
  probe.disconnect();
  return ok;
}

describe('the Socket.IO Admin UI', () => {
  it('is off by default: no admin namespace, no page', async () => {
    const t = cleanup.add(await startTestServer(), (s) => s.stop());
    expect(await outcome(admin(t.url, { username: 'ops', password: PASSWORD }))).toBe('Invalid namespace');
    expect((await t.server.app.inject({ method: 'GET', url: '/admin-ui/' })).statusCode).toBe(404);
  });

  it('asks for the password when enabled, and serves its page', async () => {
    const t = cleanup.add(await startTestServer(ADMIN), (s) => s.stop());
    expect(await outcome(admin(t.url, { username: 'ops', password: 'wrong' }))).toBe('invalid credentials');
    const good = admin(t.url, { username: 'ops', password: PASSWORD });
    const session = new Promise<string>((resolve) => good.once('session', resolve));
    expect(await outcome(good)).toBe('connected');
    expect(typeof (await session)).toBe('string');
    const page = await t.server.app.inject({ method: 'GET', url: '/admin-ui/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Socket.IO Admin UI');
  });

  it.skipIf(!redis)('sees every node, with one login for all of them', async () => {
    const env = {
      ...ADMIN,
      REDIS_URL,
      REDIS_KEY_PREFIX: `admin-${process.pid}-${randomBytes(3).toString('hex')}`,
    };
    const a = cleanup.add(await startTestServer(env), (s) => s.stop());
    const b = cleanup.add(await startTestServer(env), (s) => s.stop());
    const onA = admin(a.url, { username: 'ops', password: PASSWORD });
    const session = new Promise<string>((resolve) => onA.once('session', resolve));
    const servers = new Set<string>();
    onA.on('server_stats', (stats: { serverId: string }) => servers.add(stats.serverId));
    expect(await outcome(onA)).toBe('connected');
    await waitFor(() => servers.size === 2, 5000, 'stats of both nodes');
    // The session was stored in Redis: node B knows it without the password.
    expect(await outcome(admin(b.url, { sessionId: await session }))).toBe('connected');
  });
});
