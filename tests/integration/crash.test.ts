import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SocketService } from '@mpi/client';
import type { MessageData } from '@mpi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../packages/server/src/auth/tokens.js';
import { openStorage } from '../../packages/server/src/storage/open-storage.js';
import { ServerProcess } from '../support/server-process.js';
import { Cleanup, freePort, online, range, sdk, waitFor } from './helpers.js';

const CLIENTS = 10;
const PER_CLIENT = 100;
const KILL_AFTER_ACKS = 400;
const JWT_SECRET = 'crash-test-secret-0123456789';

const cleanup = new Cleanup();
let dir: string;
let server: ServerProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mpi-crash-'));
  server = new ServerProcess(await freePort(), {
    JWT_SECRET,
    DATABASE_URL: join(dir, 'crash.sqlite'),
    // The test is about durability, not rate limits: every client sends 100 messages in a burst.
    RATE_LIMIT_EVENTS: '100000',
  });
  await server.start();
});

afterAll(async () => {
  await cleanup.run();
  await server?.kill(); // whatever happened, no child survives the test
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const token = async (userId: string) => (await signToken(JWT_SECRET, userId, { ttlSeconds: 600 })).token;
const user = (i: number) => `user-${i}`;
const partner = (i: number) => (i % 2 === 0 ? i + 1 : i - 1);

describe('crash in the middle', () => {
  it('SIGKILL after ~400 acks: every acked message is stored once, outboxes drain, recipients hold all in order', async () => {
    const started = Date.now();
    const clients: SocketService[] = range(CLIENTS).map((n) =>
      sdk(cleanup, server.url, token, user(n - 1), { deviceId: `${user(n - 1)}-device` }),
    );
    await Promise.all(clients.map((client, i) => online(client, user(i))));
    const chatIds: string[] = [];
    for (let i = 0; i < CLIENTS; i += 2) {
      const dm = await (clients[i] as SocketService).openDm(user(i + 1));
      if (!dm.ok) throw new Error(dm.error.message);
      chatIds[i] = dm.chat.id;
      chatIds[i + 1] = dm.chat.id;
    }

    const acked = new Map<string, MessageData>();
    const ackedBeforeKill = new Set<string>();
    const failures: string[] = [];
    /** Resends whose original was stored before the kill but whose ack was lost with the process. */
    let duplicates = 0;
    let crash: Promise<{ killedAt: number; restartedAt: number }> | null = null;
    const onAck = (message: MessageData) => {
      acked.set(message.clientMessageId, message);
      if (crash) return;
      ackedBeforeKill.add(message.clientMessageId);
      if (acked.size >= KILL_AFTER_ACKS) {
        crash = (async () => {
          await server.kill();
          const killedAt = Date.now();
          await server.start();
          return { killedAt, restartedAt: Date.now() };
        })();
      }
    };
    const sends = clients.flatMap((client, i) =>
      range(PER_CLIENT).map((k) =>
        client
          .sendMessage(chatIds[i] as string, `${user(i)} #${k}`, { clientMessageId: `${user(i)}-${k}` })
          .then((ack) => {
            if (!ack.ok) failures.push(`${user(i)}-${k}: ${ack.error.code}`);
            else {
              if (ack.duplicate) duplicates++;
              onAck(ack.message);
            }
          }),
      ),
    );
    await waitFor(() => crash !== null, 20_000, `${KILL_AFTER_ACKS} acks`);
    const { killedAt, restartedAt } = await (crash as unknown as Promise<{
      killedAt: number;
      restartedAt: number;
    }>);
    await Promise.all(sends);
    expect(failures).toEqual([]);
    expect(acked.size).toBe(CLIENTS * PER_CLIENT);
    expect(ackedBeforeKill.size).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    expect(ackedBeforeKill.size).toBeLessThan(CLIENTS * PER_CLIENT);

    // Every outbox drains; every client holds its chat's 200 messages exactly once, in seq order.
    const total = PER_CLIENT * 2;
    for (const [i, client] of clients.entries()) {
      await waitFor(
        () => client.chats.getChatSnapshot(chatIds[i] as string).messages.length === total,
        15_000,
        `${user(i)} holds ${total}`,
      );
      expect(await client.getOutbox()).toEqual([]);
      const messages = client.chats.getChatSnapshot(chatIds[i] as string).messages;
      expect(messages.map((m) => m.seq)).toEqual(range(total));
      expect(new Set(messages.map((m) => m.id)).size).toBe(total);
      expect(new Set(messages.map((m) => `${m.senderId}/${m.clientMessageId}`)).size).toBe(total);
      const fromPartner = messages.filter((m) => m.senderId === user(partner(i)));
      expect(fromPartner.map((m) => m.text)).toEqual(
        range(PER_CLIENT).map((k) => `${user(partner(i))} #${k}`),
      );
      expect(messages.filter((m) => m.own)).toHaveLength(PER_CLIENT);
    }
    const drainedAt = Date.now();

    // The database: every message exactly once, every acked one with the seq its ack named.
    await cleanup.run();
    await server.stop();
    const storage = await openStorage(join(dir, 'crash.sqlite'));
    try {
      const stored: MessageData[] = [];
      for (const chatId of new Set(chatIds)) {
        let beforeSeq: number | undefined;
        for (;;) {
          const page = await storage.chat.getHistory(chatId, { beforeSeq, limit: 100 });
          stored.push(...page.messages);
          if (!page.hasMore) break;
          beforeSeq = page.messages.at(-1)?.seq;
        }
      }
      expect(stored).toHaveLength(CLIENTS * PER_CLIENT);
      const byKey = new Map(stored.map((m) => [`${m.senderId}/${m.clientMessageId}`, m]));
      expect(byKey.size).toBe(CLIENTS * PER_CLIENT);
      for (const id of ackedBeforeKill) {
        const ack = acked.get(id) as MessageData;
        expect(byKey.get(`${ack.senderId}/${id}`)).toMatchObject({
          id: ack.id,
          seq: ack.seq,
          chatId: ack.chatId,
        });
      }
    } finally {
      await storage.close();
    }
    console.info(
      `crash test: ${ackedBeforeKill.size} acks before SIGKILL at +${killedAt - started} ms ` +
        `(${duplicates} stored but unacked, resent as duplicates), ` +
        `restarted after ${restartedAt - killedAt} ms, all drained at +${drainedAt - started} ms, ` +
        `total ${Date.now() - started} ms`,
    );
  }, 60_000);
});
