import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionState, createSocketService } from '@mpi/client';
import { Cleanup, freePort, ServerProcess, sleep, waitFor } from '@mpi/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../packages/server/src/auth/tokens.js';
import { online } from './helpers.js';

/**
 * A long outage, shortened: the spec's numbers are 5 retries from 1 s (≈ 13 s) and a 30 s health check;
 * here the retries take ≈ 1.3 s, the outage `OUTAGE_MS` and the health check `HEALTH_CHECK_MS`, so the
 * same sequence runs in seconds. `MPI_OUTAGE_MS=60000 MPI_HEALTH_CHECK_MS=30000` runs the version.
 */
const OUTAGE_MS = Number(process.env.MPI_OUTAGE_MS ?? 2000);
const HEALTH_CHECK_MS = Number(process.env.MPI_HEALTH_CHECK_MS ?? 1500);
const JWT_SECRET = 'outage-test-secret-0123456789';

const cleanup = new Cleanup();
let dir: string;
let server: ServerProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mpi-outage-'));
  server = new ServerProcess(await freePort(), { JWT_SECRET, DATABASE_URL: join(dir, 'outage.sqlite') });
  await server.start();
});

afterEach(() => cleanup.run());

afterAll(async () => {
  await server?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const token = async (userId: string) => (await signToken(JWT_SECRET, userId, { ttlSeconds: 600 })).token;

describe('a server away for longer than the five retries', () => {
  it(
    'the SDK ends in ERROR, then reconnects by itself after the server returns, and sends what waited',
    async () => {
      const sdk = (userId: string) =>
        cleanup.add(
          createSocketService({
            url: server.url,
            token: () => token(userId),
            reconnection: { attempts: 5, delay: 100, backoff: 1.5, maxDelay: 1000, jitter: 0.2 },
            healthCheckIntervalMs: HEALTH_CHECK_MS,
            timeoutMs: 2000,
          }),
          (s) => s.destroy(),
        );
      const erin = sdk('erin');
      const alice = sdk('alice');
      await online(erin, 'erin');
      await online(alice, 'alice');
      const dm = await erin.openDm('alice');
      if (!dm.ok) throw new Error(dm.error.message);
      const states: ConnectionState[] = [];
      erin.on('connection_state_changed', ({ state }) => states.push(state));

      await server.stop();
      await waitFor(() => erin.getState() === ConnectionState.ERROR, 10_000, 'erin in ERROR');
      expect(erin.getConnectionStatus()).toMatchObject({
        reconnectAttempt: 5,
        lastError: { code: 'CONNECT_FAILED' },
      });
      expect(states.filter((s) => s === ConnectionState.RECONNECTING)).toHaveLength(1);
      // Written while offline: it waits in the outbox.
      const sent = erin.sendMessage(dm.chat.id, 'written offline');
      await sleep(OUTAGE_MS);
      expect(erin.getState()).toBe(ConnectionState.ERROR);

      await server.start();
      const back = Date.now();
      await waitFor(() => erin.isReady(), HEALTH_CHECK_MS * 1.2 + 3000, 'erin back without any call');
      console.info(`reconnected ${Date.now() - back} ms after the server's return`);
      expect((await sent).ok).toBe(true);
      await waitFor(
        () => alice.chats.getChatSnapshot(dm.chat.id).messages.some((m) => m.text === 'written offline'),
        HEALTH_CHECK_MS * 1.2 + 3000,
        'alice got it',
      );
    },
    OUTAGE_MS + 2 * HEALTH_CHECK_MS + 30_000,
  );
});
