import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, sleep } from '@mpi/test-kit';
import pg from 'pg';

/**
 * Redis and PostgreSQL servers of a test's own, on free ports, that a fault test may kill and restart.
 * The shared services on 5432 and 6379 are never touched. Every process is ended by its own PID.
 */

const run = promisify(execFile);
const PG_BIN = '/usr/lib/postgresql/15/bin';

/** Polls `probe` every 50 ms until it resolves true, or throws after `timeoutMs`. */
async function until(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${timeoutMs} ms`);
    await sleep(50);
  }
}

export class PrivateRedis {
  #child: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port; resolves once it accepts connections. */
  async start(): Promise<void> {
    if (this.#child) return;
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    this.#child = child;
    child.once('exit', () => {
      if (this.#child === child) this.#child = null;
    });
    await until(() => this.#ping(), 5000, 'private redis');
  }

  /** SIGKILL: the outage (connections are cut, nothing is flushed). */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.#child = null;
  }

  async #ping(): Promise<boolean> {
    const { stdout } = await run('redis-cli', ['-p', String(this.port), 'ping'], { timeout: 1000 });
    return stdout.trim() === 'PONG';
  }
}

/** As the `postgres` OS user (PostgreSQL refuses to run as root). */
function asPostgres(command: string, args: string[]) {
  return run('runuser', ['-u', 'postgres', '--', join(PG_BIN, command), ...args], { timeout: 30_000 });
}

export class PrivatePostgres {
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  /** initdb in a temporary folder, then starts; trust authentication, fsync off (test data only). */
  static async start(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'mpi-pg-'));
    const postgres = new PrivatePostgres(await freePort(), dir);
    try {
      const { uid, gid } = await postgresIds();
      chownSync(dir, uid, gid);
      await asPostgres('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '-A', 'trust', '--no-sync']);
      await postgres.start();
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return postgres;
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.dir} -c fsync=off`;
    await asPostgres('pg_ctl', [
      '-D',
      join(this.dir, 'data'),
      '-o',
      options,
      '-l',
      join(this.dir, 'log'),
      '-w',
      'start',
    ]);
    await until(() => this.#ping(), 10_000, 'private postgres');
  }

  /** `pg_ctl stop -m immediate`: the outage (every backend is cut at once, as in a crash). */
  async stopImmediate(): Promise<void> {
    await asPostgres('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
  }

  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${name}"`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  /** Stops the server (if running) and removes its folder. */
  async destroy(): Promise<void> {
    await asPostgres('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']).catch(
      () => undefined,
    );
    rmSync(this.dir, { recursive: true, force: true });
  }

  async #ping(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** True where this machine can run private services (redis-server, PostgreSQL 15, root to switch user). */
export async function privateServicesAvailable(): Promise<boolean> {
  try {
    await run('redis-server', ['--version']);
    await run(join(PG_BIN, 'pg_ctl'), ['--version']);
    await postgresIds();
    return process.getuid?.() === 0;
  } catch {
    return false;
  }
}
