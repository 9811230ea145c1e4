import { writeFile } from 'node:fs/promises';
import { GeneratorPool, split } from './generator/pool.js';
import type { ClientSpec, PairSpec } from './generator/protocol.js';
import { type OptionSpec, parseOptions, UsageError, usage } from './options.js';
import { ProcWatcher } from './util/proc.js';
import { installExitHandlers, stopAll } from './util/processes.js';
import { bar, fmt, Progress } from './util/progress.js';
import { eachLimit, now } from './util/stats.js';
import { devToken, tokenSigner } from './util/tokens.js';
import { MAX_SOCKETS_PER_GENERATOR, mergeCounts } from './workloads/common.js';
import { chatMetrics } from './workloads/w2-chat.js';

// `npm run loadtest -- --url http://127.0.0.1:4000 --clients N --rate R --duration S`
//
// Load for operators, against any running MPI Realtime server: N clients in N/2 DM pairs send R messages
// per second in all, for S seconds, through the full path (store, relay, receipt, delivered); then a
// summary with throughput, latencies, missing and duplicates. Tokens are signed with --secret (the
// server's JWT_SECRET) or, without it, fetched from the server's development route.

const SPECS: OptionSpec[] = [
  {
    name: 'url',
    kind: 'string',
    default: undefined,
    help: 'base URL of the server, e.g. http://127.0.0.1:4000',
  },
  {
    name: 'clients',
    kind: 'int',
    default: 100,
    help: 'connected clients (rounded up to an even number: DM pairs)',
  },
  { name: 'rate', kind: 'number', default: 100, help: 'messages per second, all clients together' },
  { name: 'duration', kind: 'number', default: 30, help: 'seconds of sending' },
  {
    name: 'secret',
    kind: 'string',
    default: undefined,
    help: 'HS256 JWT secret; without it: GET /api/dev/token',
  },
  {
    name: 'generators',
    kind: 'int',
    default: 1,
    help: 'load-generator processes (raised to keep ≤ 8,000 sockets each)',
  },
  { name: 'connectConcurrency', kind: 'int', default: 50, help: 'handshakes in flight per generator' },
  { name: 'textBytes', kind: 'int', default: 64, help: 'message text length' },
  {
    name: 'drain',
    kind: 'number',
    default: 30,
    help: 'seconds to wait for outstanding receipts after sending',
  },
  { name: 'userPrefix', kind: 'string', default: undefined, help: 'user id prefix (default: lt-<time>)' },
  { name: 'json', kind: 'string', default: undefined, help: 'also write the summary as JSON to this file' },
  {
    name: 'progress',
    kind: 'boolean',
    default: true,
    help: 'progress bar on stderr (--no-progress to hide)',
  },
  { name: 'help', kind: 'boolean', default: false, help: 'show this help' },
];

interface LoadOptions {
  url: string | undefined;
  clients: number;
  rate: number;
  duration: number;
  secret: string | undefined;
  generators: number;
  connectConcurrency: number;
  textBytes: number;
  drain: number;
  userPrefix: string | undefined;
  json: string | undefined;
  progress: boolean;
  help: boolean;
}

function isLoopback(url: URL): boolean {
  return /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname);
}

async function main(): Promise<number> {
  let o: LoadOptions;
  try {
    o = parseOptions(SPECS, process.argv.slice(2), process.env, 'LOADTEST') as unknown as LoadOptions;
    if (!o.help && !o.url) throw new UsageError('--url is required');
    if (!o.help && o.clients < 2) throw new UsageError('--clients must be at least 2');
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(
        `${error.message}\n\n${usage('Usage: npm run loadtest -- --url URL [options]', SPECS, 'LOADTEST')}`,
      );
      return 2;
    }
    throw error;
  }
  if (o.help) {
    console.log(usage('Usage: npm run loadtest -- --url URL [options]', SPECS, 'LOADTEST'));
    return 0;
  }
  const base = new URL(o.url as string);
  const url = base.origin;
  const progress = new Progress(process.stderr, o.progress);
  installExitHandlers((why) => {
    progress.done();
    console.error(`\n${why}: closing every connection and generator…`);
  });
  if (!isLoopback(base))
    progress.log(`warning: ${url} is not on this machine: load only servers you are responsible for`);

  const pairs = Math.ceil(o.clients / 2);
  const prefix = o.userPrefix ?? `lt-${Date.now().toString(36)}`;
  const userIds = Array.from({ length: pairs * 2 }, (_, i) => `${prefix}.${i}`);
  const tokens = new Map<string, string>();
  const sign = o.secret ? tokenSigner(o.secret) : (userId: string) => devToken(url, userId);
  let signed = 0;
  await eachLimit(userIds, o.secret ? 500 : 16, async (userId) => {
    tokens.set(userId, await sign(userId));
    signed++;
    progress.update(`tokens ${bar(signed / userIds.length)} ${signed}/${userIds.length}`);
  });
  const spec = (i: number): ClientSpec => {
    const userId = userIds[i] as string;
    return { userId, deviceId: `${userId}.dev`, token: tokens.get(userId) as string, url };
  };
  const pairSpecs: PairSpec[] = Array.from({ length: pairs }, (_, index) => ({
    index,
    a: spec(index * 2),
    b: spec(index * 2 + 1),
  }));

  const generators = Math.max(o.generators, Math.ceil((pairs * 2) / MAX_SOCKETS_PER_GENERATOR));
  const pool = await GeneratorPool.start(generators);
  const watcher = new ProcWatcher();
  pool.pids.forEach((pid, i) => {
    watcher.watch(`gen${i}`, pid);
  });
  try {
    const parts = split(pairSpecs, generators);
    const poll = setInterval(() => {
      const c = pool.counters();
      progress.update(
        `connecting ${bar(c.connected / (pairs * 2))} ${fmt(c.connected)}/${fmt(pairs * 2)} failed ${fmt(c.failed)}`,
      );
    }, 250);
    const prepared = await pool
      .all('chatPrepare', (i) => ({
        pairs: parts[i] ?? [],
        concurrency: o.connectConcurrency,
        timeoutMs: 30_000,
      }))
      .finally(() => clearInterval(poll));
    const ready = prepared.reduce((a, r) => a + r.ready, 0);
    const prepareErrors = {};
    for (const r of prepared) mergeCounts(prepareErrors, r.errors);
    progress.log(`${ready * 2} of ${pairs * 2} clients connected and set up in ${ready} DM pairs`);
    if (ready === 0) {
      console.error(`no pair could be set up: ${JSON.stringify(prepareErrors)}`);
      return 1;
    }

    const startedAt = now() + 200;
    const end = watcher.begin();
    const timer = setInterval(() => {
      const c = pool.counters();
      const elapsed = Math.max(0, (now() - startedAt) / 1000);
      const phase =
        elapsed < o.duration
          ? `sending ${bar(elapsed / o.duration)} ${elapsed.toFixed(0)}/${o.duration} s`
          : 'draining';
      progress.update(
        `${phase} · sent ${fmt(c.sent)} received ${fmt(c.received)} delivered ${fmt(c.delivered)} errors ${fmt(c.errors)}`,
      );
    }, 250);
    const results = await pool
      .all('chatRun', () => ({
        mode: 'paced' as const,
        rate: o.rate / generators,
        window: 0,
        messagesPerSide: 0,
        durationMs: o.duration * 1000,
        textBytes: o.textBytes,
        startAt: startedAt,
        drainTimeoutMs: o.drain * 1000,
        maxRunMs: (o.duration + o.drain) * 1000 + 10_000,
        tag: 'lt',
        expectDelivered: true,
      }))
      .finally(() => clearInterval(timer));
    const usage = end();
    progress.done();
    const m = chatMetrics(results);
    mergeCounts(m.errors, prepareErrors);
    const x = m.metrics;
    const generatorCpu = Object.values(usage).map((u) => u.cpuPct);
    const lines = [
      `Load test of ${url}: ${ready * 2} clients (${ready} DM pairs), ${fmt(o.rate)} msg/s offered for ${o.duration} s`,
      '',
      `  messages   sent ${fmt(x.sent)}, stored (acked) ${fmt(x.sent - x.unacked)}, received ${fmt(x.received)}, delivered ${fmt(x.delivered)}`,
      `  throughput offered ${fmt(x.offeredPerSec)} msg/s, received ${fmt(x.msgPerSec)} msg/s`,
      `  latency    send→ack p50 ${fmt(x.ackP50Ms, 1)} ms, p99 ${fmt(x.ackP99Ms, 1)} ms`,
      `             send→receive p50 ${fmt(x.recvP50Ms, 1)} ms, p99 ${fmt(x.recvP99Ms, 1)} ms, max ${fmt(x.recvMaxMs, 1)} ms`,
      `             send→delivered p50 ${fmt(x.deliveredP50Ms, 1)} ms, p99 ${fmt(x.deliveredP99Ms, 1)} ms, max ${fmt(x.deliveredMaxMs, 1)} ms`,
      `  missing    ${m.missing} (not received ${x.missingReceived}, no message_delivered ${x.missingDelivered}, never acked ${x.unacked})`,
      `  duplicates ${m.duplicates}`,
      `  errors     ${
        Object.keys(m.errors).length === 0
          ? 'none'
          : Object.entries(m.errors)
              .map(([code, n]) => `${code} ×${n}`)
              .join(', ')
      }`,
      `  generators ${generators} process(es), CPU ${generatorCpu.map((c) => `${fmt(c)} %`).join(', ')}${generatorCpu.some((c) => c > 85) ? ' (a generator was saturated: add --generators)' : ''}`,
      m.timedOut ? `  note       the drain time (${o.drain} s) ran out before every receipt came back` : '',
    ].filter((line, i, all) => line !== '' || i < all.length - 1);
    console.log(lines.join('\n'));
    if (o.json) {
      await writeFile(
        o.json,
        `${JSON.stringify({ url, clients: ready * 2, options: { ...o, secret: undefined }, ...m, generatorUsage: usage }, null, 2)}\n`,
      );
      console.log(`\nSummary written to ${o.json}`);
    }
    const ok = m.missing === 0 && m.duplicates === 0 && ready === pairs;
    return ok ? 0 : 1;
  } finally {
    await pool.all('closeAll', () => ({})).catch(() => []);
    await pool.stop();
  }
}

main().then(
  async (code) => {
    await stopAll();
    process.exit(code);
  },
  async (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    await stopAll();
    process.exit(1);
  },
);
