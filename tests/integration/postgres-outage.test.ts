import type { SocketService } from '@mpi/client';
import type { MessageData } from '@mpi/protocol';
import { Cleanup, freePort, ServerProcess, sleep, untilReady, waitFor } from '@mpi/test-kit';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../packages/server/src/auth/tokens.js';
import {
  PrivatePostgres,
  privateServicesAvailable,
} from '../../packages/server/test/support/private-services.js';
import { online, range, sdk } from './helpers.js';

/*
 * PostgreSQL stops (`pg_ctl -m immediate`: every backend cut, as in a crash) under a node with traffic and
 * a reminder poll: the node does not exit, refuses requests promptly with the retryable UNAVAILABLE, is
 * not ready meanwhile, is ready again soon after PostgreSQL returns, and the SDK's outbox resends what was
 * refused by itself: every message stored once, seqs gapless.
 */
const JWT_SECRET = 'pg-outage-secret-0123456789';
const OUTAGE_MS = 3000;
const token = async (userId: string) => (await signToken(JWT_SECRET, userId, { ttlSeconds: 600 })).token;

const available = await privateServicesAvailable();
const cleanup = new Cleanup();
let postgres: PrivatePostgres | undefined;
let node: ServerProcess;

beforeAll(async () => {
  if (!available) return;
  postgres = await PrivatePostgres.start();
  const url = await postgres.createDatabase('outage');
  node = new ServerProcess(await freePort(), {
    JWT_SECRET,
    DATABASE_URL: url,
    RATE_LIMIT_EVENTS: '100000',
    REMINDER_POLL_MS: '200',
  });
  await node.start();
});

afterAll(async () => {
  await cleanup.run();
  await node?.kill();
  await postgres?.destroy();
});

describe.skipIf(!available)('PostgreSQL outage under a node', () => {
  it('no exit, prompt UNAVAILABLE, not ready meanwhile, and the outbox resends every refused message', async () => {
    const db = postgres as PrivatePostgres;
    const alice: SocketService = sdk(cleanup, node.url, token, 'alice');
    const bob: SocketService = sdk(cleanup, node.url, token, 'bob');
    await Promise.all([online(alice, 'alice'), online(bob, 'bob')]);
    const dm = await alice.openDm('bob');
    if (!dm.ok) throw new Error(dm.error.message);
    const chatId = dm.chat.id;

    const acked = new Map<string, MessageData>();
    const failures: string[] = [];
    let duplicates = 0;
    const sends: Promise<void>[] = [];
    let k = 0;
    const sendNext = () => {
      k++;
      const id = `m${k}`;
      sends.push(
        alice.sendMessage(chatId, id, { clientMessageId: id }).then((ack) => {
          if (!ack.ok) failures.push(`${id}: ${ack.error.code}`);
          else {
            if (ack.duplicate) duplicates++;
            acked.set(id, ack.message);
          }
        }),
      );
    };
    const traffic = setInterval(sendNext, 20);
    try {
      await waitFor(() => acked.size >= 20, 10_000, 'traffic before the outage');
      await db.stopImmediate();
      const stoppedAt = Date.now();

      // A raw client sees the refusal itself: typed, retryable, prompt.
      const raw = io(node.url, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        auth: { token: await token('alice'), deviceId: 'alice-raw' },
      });
      cleanup.add(raw, (socket) => socket.disconnect());
      await new Promise<void>((resolve, reject) => {
        raw.once('connect', resolve);
        raw.once('connect_error', reject);
      });
      const began = Date.now();
      const refused = (await raw
        .timeout(5000)
        .emitWithAck('send_message', { chatId, text: 'raw', clientMessageId: 'raw-1' })) as {
        ok: boolean;
        error?: { code: string };
      };
      expect(refused).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
      expect(Date.now() - began).toBeLessThan(3500);
      const ready = await fetch(`${node.url}/readyz`);
      expect(ready.status).toBe(503);

      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));
      expect(node.running).toBe(true);
      await db.start();
      const readyMs = await untilReady(node.url);
      const sent = k;
      clearInterval(traffic);
      await Promise.all(sends);
      expect(failures).toEqual([]);
      expect(acked.size).toBe(sent);

      // Stored once each, in gapless seqs, and bob holds them all.
      const seqs = [...acked.values()].map((m) => m.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(range(sent));
      await waitFor(
        () => bob.chats.getChatSnapshot(chatId).messages.length === sent,
        10_000,
        `bob holds ${sent}`,
      );
      expect(await alice.getOutbox()).toEqual([]);
      expect(node.running).toBe(true);
      console.info(
        `postgres outage ${OUTAGE_MS} ms: node exits 0/1, ready ${readyMs} ms after PostgreSQL returned, ` +
          `${sent} messages acked, 0 failed, ${duplicates} answered as duplicates, 0 lost`,
      );
    } finally {
      clearInterval(traffic);
    }
  });
});
