import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forkTracked, stopChild, TS_EXEC_ARGV } from '../util/processes.js';
import { sleep } from '../util/stats.js';

// Starting and stopping what the benchmark measures: the bare Socket.IO baseline or MPI Realtime.

/**
 * `relay`: the baseline process in relay mode (W2 only): it forwards each message and acknowledges it,
 * with no per-recipient bookkeeping and no delivery notices — bare Socket.IO's own cost for a chat message.
 */
export type TargetKind = 'relay' | 'baseline' | 'server';

export interface RunningTarget {
  kind: TargetKind;
  /** One base URL per node. */
  urls: string[];
  pids: number[];
  /** Lines the server logged (LOG_LEVEL=warn: warnings and errors only). */
  logLines(): string[];
  /** Forgets the lines logged so far (the start-up lines), so that logLines() shows the run's own. */
  clearLog(): void;
  stop(): Promise<void>;
}

interface ServerOptions {
  jwtSecret: string;
  /**
   * A SQLite file in a fresh temporary folder when undefined. A `postgres://` URL names a server and an
   * administrative database: a fresh database is created beside it for this start and dropped after.
   */
  databaseUrl?: string | undefined;
  nodes: number;
  /** Redis for the Socket.IO adapter; given to the server only when it runs on several nodes. */
  redisUrl?: string | undefined;
  /** Extra environment for the server (e.g. a notification signing secret). */
  env?: Record<string, string>;
  /** Extra Node flags (e.g. --cpu-prof). */
  nodeArgs?: string[];
}

const BASELINE_ENTRY = new URL('./baseline-server.ts', import.meta.url);
const SERVER_ENTRY = new URL('./server-entry.ts', import.meta.url);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function captureLines(child: ChildProcess, into: string[], max = 200): void {
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        into.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
        if (into.length > max) into.shift();
      }
    });
  }
}

async function waitHealthy(
  url: string,
  child: ChildProcess,
  lines: string[],
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the process at ${url} exited while starting:\n${lines.slice(-20).join('\n')}`);
    }
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(
    `${url}/healthz did not answer within ${timeoutMs / 1000} s:\n${lines.slice(-20).join('\n')}`,
  );
}

/**
 * The V8 flags `npm start` runs the server with (package.json "start"; bench/test checks they match): a
 * larger young generation lets the short-lived objects of a message die young instead of being copied
 * and promoted, measured at -20 % server CPU per chat message (docs/performance.md).
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=32'];

export async function startBaseline(
  nodeArgs: string[] = [],
  mode: 'baseline' | 'relay' = 'baseline',
): Promise<RunningTarget> {
  const lines: string[] = [];
  const child = forkTracked(BASELINE_ENTRY, {
    execArgv: [...TS_EXEC_ARGV, ...nodeArgs],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', BASELINE_MODE: mode },
  });
  captureLines(child, lines);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the baseline did not start within 30 s')), 30_000);
    child.on('message', (message: { kind?: string; port?: number }) => {
      if (message?.kind === 'listening' && message.port) {
        clearTimeout(timer);
        resolve(message.port);
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`the baseline exited while starting:\n${lines.join('\n')}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, child, lines);
  return {
    kind: mode,
    urls: [url],
    pids: [child.pid as number],
    logLines: () => [...lines],
    clearLog: () => {
      lines.length = 0;
    },
    stop: () => stopChild(child, 'SIGTERM', 5_000),
  };
}

/** Creates an empty PostgreSQL database next to the one `adminUrl` names; `drop()` removes it. */
async function freshPostgres(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const { default: pg } = await import('pg');
  const name = `mpi_bench_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export async function startServer(options: ServerOptions): Promise<RunningTarget> {
  const dir = await mkdtemp(join(tmpdir(), 'mpi-bench-'));
  const postgres = options.databaseUrl?.startsWith('postgres')
    ? await freshPostgres(options.databaseUrl)
    : undefined;
  const databaseUrl = postgres?.url ?? options.databaseUrl ?? join(dir, 'bench.sqlite');
  const scaleOut: Record<string, string> =
    options.nodes > 1 && options.redisUrl
      ? { REDIS_URL: options.redisUrl, REDIS_KEY_PREFIX: `mpibench-${Date.now().toString(36)}` }
      : {};
  const lines: string[] = [];
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  try {
    for (let node = 0; node < options.nodes; node++) {
      const port = await freePort();
      const child = forkTracked(SERVER_ENTRY, {
        execArgv: [...TS_EXEC_ARGV, ...SERVER_NODE_FLAGS, ...(options.nodeArgs ?? [])],
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env: {
          ...process.env,
          NODE_ENV: 'production',
          HOST: '127.0.0.1',
          PORT: String(port),
          JWT_SECRET: options.jwtSecret,
          DATABASE_URL: databaseUrl,
          LOG_LEVEL: 'warn',
          RATE_LIMIT_EVENTS: '1000000',
          MAX_CONNECTIONS_PER_USER: '1000000',
          MAX_CONNECTIONS_PER_ADDRESS: '1000000',
          ...scaleOut,
          ...options.env,
        },
      });
      children.push(child);
      captureLines(child, lines);
      const url = `http://127.0.0.1:${port}`;
      await waitHealthy(url, child, lines);
      urls.push(url);
    }
  } catch (error) {
    await Promise.all(children.map((child) => stopChild(child, 'SIGKILL', 1_000)));
    await rm(dir, { recursive: true, force: true });
    await postgres?.drop().catch(() => {});
    throw error;
  }
  return {
    kind: 'server',
    urls,
    pids: children.map((child) => child.pid as number),
    logLines: () => [...lines],
    clearLog: () => {
      lines.length = 0;
    },
    async stop() {
      // SIGTERM: the server's graceful shutdown (drain ≤ 2 s, close sockets and storage), ≤ 10 s.
      await Promise.all(children.map((child) => stopChild(child, 'SIGTERM', 10_000)));
      await rm(dir, { recursive: true, force: true });
      await postgres?.drop();
    },
  };
}
