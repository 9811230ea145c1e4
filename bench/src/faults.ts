/**
 * `npm run bench:faults`: the cluster's fault drill, with the issue's figures. Three server processes
 * behind the shipped nginx configuration, on a private PostgreSQL and a private Redis (free ports; the
 * shared services are never touched), SDK clients sending at a steady pace throughout. In turn: SIGKILL a
 * node (restarted once the others cleared it), kill Redis for OUTAGE_MS, stop PostgreSQL with
 * `-m immediate` for OUTAGE_MS. Reports node exits, time to ready after each dependency returns, time to
 * clear a dead node's presence, and what was lost, shown twice or left with gaps.
 *
 *   npm run bench:faults [-- --outage-ms 10000 --pairs 6 --every-ms 100 --built]
 *
 * `--built` runs the nodes from packages/server/dist as production does (`npm run build` first); by
 * default they run from source through tsx, which compiles TypeScript at every start.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createSocketService, type SocketService } from '@mpi/client';
import type { MessageData } from '@mpi/protocol';
import { freePort, readiness, ServerProcess, sleep, TestNginx, untilReady, waitFor } from '@mpi/test-kit';
import pg from 'pg';
import { signToken } from '../../packages/server/src/auth/tokens.js';
import { PrivatePostgres, PrivateRedis } from '../../packages/server/test/support/private-services.js';

const run = promisify(execFile);
const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const OUTAGE_MS = arg('outage-ms', 10_000);
const PAIRS = arg('pairs', 6);
const EVERY_MS = arg('every-ms', 100);
const SECRET = 'bench-faults-secret-0123456789';
/** `--only kill,redis,postgres` runs a subset of the faults. */
const ONLY = new Set((process.argv[process.argv.indexOf('--only') + 1] ?? '').split(','));
const runs = (fault: string) => !process.argv.includes('--only') || ONLY.has(fault);
const PREFIX = 'faults';
const BUILT = process.argv.includes('--built');

const began = Date.now();
const step = (what: string) => console.error(`[${((Date.now() - began) / 1000).toFixed(1)} s] ${what}`);

interface Row {
  fault: string;
  exits: number;
  readyMs: number | string;
  note: string;
}

async function redisSet(redis: PrivateRedis, key: string): Promise<string[]> {
  const { stdout } = await run('redis-cli', ['-p', String(redis.port), 'smembers', key]);
  return stdout.split('\n').filter(Boolean);
}

/** Where a restart's time went, from the node's own log lines (pino `time`, epoch ms). */
function startPhases(log: string, spawnedAt: number, readyAt: number): string {
  const at = (msg: string) => {
    for (const line of log.split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { msg?: string; time?: number };
      if (entry.msg?.startsWith(msg)) return entry.time ?? Number.NaN;
    }
    return Number.NaN;
  };
  const starting = at('starting');
  const storage = at('storage ready');
  const listening = at('MPI Realtime listening');
  return (
    `process start and modules ${starting - spawnedAt} ms, storage and migrations ${storage - starting} ms, ` +
    `Redis adapter, routes and listen ${listening - storage} ms, first /readyz 200 ${readyAt - listening} ms later`
  );
}

async function main(): Promise<void> {
  const postgres = await PrivatePostgres.start();
  const redis = await PrivateRedis.start();
  const databaseUrl = await postgres.createDatabase('faults');
  const env = {
    JWT_SECRET: SECRET,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: PREFIX,
    RATE_LIMIT_EVENTS: '100000',
    // Info lines carry the start's milestones (see startPhases).
    LOG_LEVEL: 'info',
  };
  const nodes: ServerProcess[] = [];
  for (let i = 0; i < 3; i++) nodes.push(new ServerProcess(await freePort(), env, { built: BUILT }));
  let nginx: TestNginx | undefined;
  const clients: SocketService[] = [];
  try {
    step('starting 3 nodes');
    await Promise.all(nodes.map((node) => node.start()));
    step('starting nginx');
    nginx = await TestNginx.start(nodes.map((node) => node.port));
    step('connecting clients');
    const user = (i: number) => `user-${i}`;
    for (let i = 0; i < PAIRS * 2; i++) {
      const client = createSocketService({
        url: nginx.url,
        token: async () => (await signToken(SECRET, user(i), { ttlSeconds: 3600 })).token,
        deviceId: `${user(i)}-device`,
        reconnection: { delay: 100, backoff: 1.5, maxDelay: 1000, jitter: 0.2, attempts: 10_000 },
        timeoutMs: 3000,
        // Every message of the drill stays in the store, so that the check below sees them all.
        maxMessagesPerChat: 1_000_000,
      });
      clients.push(client);
      client.connect();
      const ack = await client.setupUser(user(i), { name: user(i) });
      if (!ack.ok) throw new Error(ack.error.message);
    }
    const chatIds: string[] = [];
    for (let i = 0; i < PAIRS * 2; i += 2) {
      const dm = await (clients[i] as SocketService).openDm(user(i + 1));
      if (!dm.ok) throw new Error(dm.error.message);
      chatIds[i] = chatIds[i + 1] = dm.chat.id;
    }
    await Promise.all(clients.map((client, i) => client.joinChat(chatIds[i] as string)));

    const acked = new Map<string, MessageData>();
    const failures: string[] = [];
    let sent = 0;
    let sending = true;
    const traffic = clients.map(async (client, i) => {
      for (let k = 1; sending; k++) {
        const id = `${user(i)}-${k}`;
        sent++;
        void client.sendMessage(chatIds[i] as string, id, { clientMessageId: id }).then((ack) => {
          if (ack.ok) acked.set(id, ack.message);
          else failures.push(`${id}: ${ack.error.code}`);
        });
        await sleep(EVERY_MS);
      }
    });
    const rows: Row[] = [];
    const exitsOf = (alive: ServerProcess[]) => alive.filter((node) => !node.running).length;

    step('traffic running');
    // 1. SIGKILL a node; the survivors clear its lease; it is started again.
    await sleep(3000);
    if (runs('kill')) {
      const before = await redisSet(redis, `${PREFIX}:nodes`);
      const victim = nodes[1] as ServerProcess;
      await victim.kill();
      const killedAt = Date.now();
      let reapedMs = -1;
      for (;;) {
        const now = await redisSet(redis, `${PREFIX}:nodes`);
        if (now.length < before.length) {
          reapedMs = Date.now() - killedAt;
          break;
        }
        if (Date.now() - killedAt > 60_000) break;
        await sleep(100);
      }
      const restartAt = Date.now();
      const logFrom = victim.output.length;
      await victim.start();
      const readyAt = Date.now();
      rows.push({
        fault: `SIGKILL one node (${BUILT ? 'dist' : 'tsx'})`,
        exits: exitsOf([nodes[0] as ServerProcess, nodes[2] as ServerProcess]),
        readyMs: readyAt - restartAt,
        note:
          `its presence and typing cleared by a survivor ${reapedMs} ms after the kill (NODE_LEASE_MS 10000); ` +
          `ready = restart to /readyz 200: ${startPhases(victim.output.slice(logFrom), restartAt, readyAt)}`,
      });

      step('node killed and back');
    }
    // 2. Redis away for OUTAGE_MS.
    await sleep(3000);
    if (runs('redis')) {
      await redis.kill();
      await sleep(OUTAGE_MS / 2);
      const degraded = await Promise.all(nodes.map((node) => readiness(node.url).catch(() => null)));
      await sleep(OUTAGE_MS / 2);
      await redis.start();
      const redisBack = Date.now();
      for (const node of nodes) await untilReady(node.url, (probe) => probe.body.redis === 'linked', 30_000);
      rows.push({
        fault: `Redis killed for ${OUTAGE_MS / 1000} s`,
        exits: exitsOf(nodes),
        readyMs: Date.now() - redisBack,
        note: `during it /readyz: ${degraded.map((probe) => (probe ? `${probe.code} ${String(probe.body.redis)}` : 'no answer')).join(', ')}; ready = all linked`,
      });

      step('redis outage over');
    }
    // 3. PostgreSQL stopped -m immediate for OUTAGE_MS.
    await sleep(3000);
    if (runs('postgres')) {
      await postgres.stopImmediate();
      await sleep(OUTAGE_MS / 2);
      const unready = await Promise.all(nodes.map((node) => readiness(node.url).catch(() => null)));
      await sleep(OUTAGE_MS / 2);
      await postgres.start();
      const pgBack = Date.now();
      await Promise.all(nodes.map((node) => untilReady(node.url, undefined, 30_000)));
      rows.push({
        fault: `PostgreSQL stopped (-m immediate) for ${OUTAGE_MS / 1000} s`,
        exits: exitsOf(nodes),
        readyMs: Date.now() - pgBack,
        note: `during it /readyz: ${unready.map((probe) => probe?.code ?? 'no answer').join(', ')}; ready = all 200`,
      });

      step('postgres outage over');
    }
    await sleep(3000);
    sending = false;
    await Promise.all(traffic);
    step(`traffic stopped: ${sent} sent, ${acked.size} acknowledged, ${failures.length} failed`);
    const settle = setInterval(() => step(`settling: ${acked.size + failures.length} of ${sent}`), 5000);
    await waitFor(() => acked.size + failures.length === sent, 120_000, 'every send settled').finally(() =>
      clearInterval(settle),
    );
    step('every send settled');
    const outboxes = (await Promise.all(clients.map((client) => client.getOutbox()))).flat().length;

    // Every recipient holds every message of its chat once, in gapless seqs; the database agrees.
    let missing = 0;
    let twice = 0;
    let gaps = 0;
    step('checking what every recipient holds');
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const totals: number[] = [];
    for (const chatId of chatIds) {
      const { rows: stored } = await db.query<{ n: string; max: string }>(
        'select count(*) as n, max(seq) as max from messages where chat_id = $1',
        [chatId],
      );
      totals.push(Number(stored[0]?.n ?? 0));
      if (Number(stored[0]?.max ?? 0) !== Number(stored[0]?.n ?? 0)) gaps++;
    }
    const complete = () =>
      clients.every(
        (client, i) => client.chats.getChatSnapshot(chatIds[i] as string).messages.length >= (totals[i] ?? 0),
      );
    await waitFor(complete, 30_000).catch(() => undefined);
    for (const [i, client] of clients.entries()) {
      const held = client.chats.getChatSnapshot(chatIds[i] as string).messages;
      const ids = new Set(held.map((m) => m.id));
      twice += held.length - ids.size;
      const lacking = Math.max(0, (totals[i] ?? 0) - ids.size);
      missing += lacking;
      const seqs = new Set(held.map((m) => m.seq ?? 0));
      const absent = Array.from({ length: totals[i] ?? 0 }, (_, k) => k + 1).filter((seq) => !seqs.has(seq));
      if (lacking > 0)
        step(
          `${user(i)} lacks ${lacking}: seqs ${absent.slice(0, 12).join(', ')}${absent.length > 12 ? ' …' : ''}` +
            ` (state ${client.getConnectionStatus().state}, holds up to seq ${Math.max(0, ...seqs)}, ` +
            `history answers ${JSON.stringify(await client.request('get_history', { chatId: chatIds[i] as string, limit: 1 }).then((ack) => (ack.ok ? ack.messages.map((m) => m.seq) : ack.error.code)))})`,
        );
    }
    for (const node of nodes) {
      const metrics = await (await fetch(`${node.url}/metrics`)).text();
      const pick = (name: string) => new RegExp(`^${name} (\\S+)`, 'm').exec(metrics)?.[1] ?? '?';
      step(
        `${node.url}: linked ${pick('mpi_redis_linked')}, publish failures ${pick('mpi_redis_publish_failures_total')}, ` +
          `resyncs ${pick('mpi_resyncs_total')}, connections ${pick('mpi_socket_connections')}`,
      );
    }
    const { rows: all } = await db.query<{ id: string }>('select id from messages');
    await db.end();
    const storedIds = new Set(all.map((row) => row.id));
    const notStored = [...acked.values()].filter((message) => !storedIds.has(message.id)).length;

    console.log(
      `\n## Fault drill: 3 nodes behind nginx, ${PAIRS * 2} SDK clients, one send each every ${EVERY_MS} ms\n`,
    );
    console.log('| fault | node exits | ready after it returned (ms) | notes |');
    console.log('| --- | --- | --- | --- |');
    for (const row of rows) console.log(`| ${row.fault} | ${row.exits} | ${row.readyMs} | ${row.note} |`);
    console.log(
      `\nsent ${sent}, acknowledged ${acked.size}, failed ${failures.length}, left in outboxes ${outboxes}; ` +
        `stored ${storedIds.size}, acknowledged but not stored ${notStored}; ` +
        `recipients: ${missing} missing, ${twice} shown twice, ${gaps} seq gaps`,
    );
  } finally {
    step('stopping');
    for (const client of clients) client.destroy();
    await nginx?.stop();
    for (const node of nodes) await node.kill();
    await redis.kill();
    await postgres.destroy();
    step('stopped');
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
