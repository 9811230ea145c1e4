import type { SocketService } from '@mpi/client';
import type { MessageData } from '@mpi/protocol';
import { Cleanup, nginxAvailable, sleep, TestNginx, waitFor } from '@mpi/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster } from '../support/cluster.js';
import { online, range, sdk } from './helpers.js';

/*
 * Three nodes behind the shipped nginx configuration (deploy/nginx), clients spread over them by round
 * robin, steady traffic; one node is SIGKILLed in the middle. Its clients reconnect through nginx to the
 * others; nothing acknowledged is lost or shown twice, seqs stay gapless, every outbox drains by itself.
 */
const JWT_SECRET = 'nginx-cluster-secret-0123456789';
const PAIRS = 3;
const PER_CLIENT = 40;
const SEND_EVERY_MS = 40;

const cluster = (await nginxAvailable())
  ? await createCluster(3, JWT_SECRET, { RATE_LIMIT_EVENTS: '100000' })
  : null;
const cleanup = new Cleanup();
let nginx: TestNginx | undefined;

beforeAll(async () => {
  if (!cluster) return;
  await Promise.all(cluster.nodes.map((node) => node.start()));
  nginx = await TestNginx.start(cluster.nodes.map((node) => node.port));
});

afterAll(async () => {
  await cleanup.run();
  await nginx?.stop();
  await cluster?.stop();
});

const user = (i: number) => `user-${i}`;

describe.skipIf(!cluster)('three nodes behind nginx', () => {
  it('SIGKILL of one node under traffic: clients move to the others, nothing lost or doubled', async () => {
    if (!cluster || !nginx) return;
    const url = nginx.url;
    const clients: SocketService[] = range(PAIRS * 2).map((n) =>
      sdk(cleanup, url, cluster.token, user(n - 1), { timeoutMs: 2000 }),
    );
    await Promise.all(clients.map((client, i) => online(client, user(i))));
    // Round robin spread them: every node has clients.
    const perNode = await Promise.all(
      cluster.nodes.map(async (node) => {
        const metrics = await (await fetch(`${node.url}/metrics`)).text();
        return Number(/^mpi_socket_connections (\d+)/m.exec(metrics)?.[1] ?? 0);
      }),
    );
    expect(perNode.every((count) => count > 0)).toBe(true);

    const chatIds: string[] = [];
    for (let i = 0; i < PAIRS * 2; i += 2) {
      const dm = await (clients[i] as SocketService).openDm(user(i + 1));
      if (!dm.ok) throw new Error(dm.error.message);
      chatIds[i] = dm.chat.id;
      chatIds[i + 1] = dm.chat.id;
    }
    const acked = new Map<string, MessageData>();
    const failures: string[] = [];
    const sends = clients.map(async (client, i) => {
      for (const k of range(PER_CLIENT)) {
        const id = `${user(i)}-${k}`;
        void client.sendMessage(chatIds[i] as string, id, { clientMessageId: id }).then((ack) => {
          if (ack.ok) acked.set(id, ack.message);
          else failures.push(`${id}: ${ack.error.code}`);
        });
        await sleep(SEND_EVERY_MS);
      }
    });
    await sleep((PER_CLIENT * SEND_EVERY_MS) / 3);
    const victim = cluster.nodes[1];
    await victim?.kill();
    const killedAt = Date.now();
    await Promise.all(sends);
    const sent = PAIRS * 2 * PER_CLIENT;
    await waitFor(() => acked.size + failures.length === sent, 20_000, 'every send settled');

    const total = PER_CLIENT * 2;
    for (const [i, client] of clients.entries()) {
      await waitFor(
        () => client.chats.getChatSnapshot(chatIds[i] as string).messages.length === total,
        20_000,
        `${user(i)} holds ${total}`,
      );
      const messages = client.chats.getChatSnapshot(chatIds[i] as string).messages;
      expect(messages.map((m) => m.seq)).toEqual(range(total));
      expect(new Set(messages.map((m) => m.id)).size).toBe(total);
      expect(await client.getOutbox()).toEqual([]);
    }
    const settledMs = Date.now() - killedAt;
    expect(failures).toEqual([]);
    expect(acked.size).toBe(sent);
    expect(cluster.nodes.filter((node) => node.running)).toHaveLength(2);
    console.info(
      `nginx + 3 nodes, one SIGKILLed: ${acked.size} acked, 0 failed, 0 lost, 0 twice, ` +
        `every recipient complete ${settledMs} ms after the kill`,
    );
  });
});
