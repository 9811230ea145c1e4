import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './ports.js';
import { tempDir } from './temp-dir.js';
import { sleep } from './timing.js';

// From the repository root (Vitest's root): under jsdom, import.meta.url is not a file URL.
const MAIN = resolve(process.cwd(), 'packages/server/src/main.ts');
const BUILT_MAIN = resolve(process.cwd(), 'packages/server/dist/main.js');

/**
 * The real server as a child process (`node --conditions=source --import tsx packages/server/src/main.ts`)
 * on a fixed port, so that it can be SIGKILLed and started again on the same port and database. With
 * `built`, it runs `packages/server/dist/main.js` as production does (`npm run build` first): no
 * TypeScript to compile at start.
 */
export class ServerProcess {
  readonly port: number;
  readonly env: Record<string, string>;
  readonly #built: boolean;
  #child: ChildProcess | null = null;
  #output = '';

  constructor(port: number, env: Record<string, string>, options: { built?: boolean } = {}) {
    this.port = port;
    this.env = env;
    this.#built = options.built ?? false;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#child !== null && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** What the process wrote (stdout and stderr), for failure messages. */
  get output(): string {
    return this.#output;
  }

  /** Spawns the server and resolves once it logged its URL. */
  async start(timeoutMs = 20_000): Promise<void> {
    if (this.running) throw new Error('already running');
    if (this.#built && !existsSync(BUILT_MAIN)) throw new Error(`${BUILT_MAIN} is missing: npm run build`);
    const args = this.#built ? [BUILT_MAIN] : ['--conditions=source', '--import', 'tsx', MAIN];
    const child = spawn(process.execPath, args, {
      env: {
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        PORT: String(this.port),
        LOG_LEVEL: 'warn',
        // Uploads never land in the working directory's ./data (as in testConfig).
        FILES_DIR: join(tmpdir(), 'mpi-realtime-test-files'),
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    child.stderr?.on('data', (chunk) => {
      this.#output += chunk;
    });
    child.stdout?.on('data', (chunk) => {
      this.#output += chunk;
    });
    // With LOG_LEVEL=warn nothing is logged at start: wait until /readyz answers.
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`server exited with ${child.exitCode}:\n${this.#output}`);
      if (Date.now() > deadline) throw new Error(`server did not start:\n${this.#output}`);
      try {
        if ((await fetch(`${this.url}/readyz`)).ok) return;
      } catch {
        // not listening yet
      }
      await sleep(25);
    }
  }

  /** SIGKILL: no shutdown, no flush: a crash. Resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM (graceful), SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}

export const PROCESS_JWT_SECRET = 'process-test-secret-0123456789';

export interface StartedServerProcess {
  url: string;
  /** A development token from the server's own route (signing here would need WebCrypto, which jsdom hides). */
  token(userId: string): Promise<string>;
  /** SIGTERM, wait for exit, remove the data directory. */
  stop(): Promise<void>;
}

/**
 * The real server as a separate process with its own SQLite file: for tests whose own environment (jsdom,
 * a browser) should not host the server.
 */
export async function startServerProcess(env: Record<string, string> = {}): Promise<StartedServerProcess> {
  const dir = tempDir('mpi-proc-');
  const server = new ServerProcess(await freePort(), {
    JWT_SECRET: PROCESS_JWT_SECRET,
    DATABASE_URL: dir.file('server.sqlite'),
    ...env,
  });
  try {
    await server.start();
  } catch (error) {
    dir.remove();
    throw error;
  }
  return {
    url: server.url,
    async token(userId) {
      const response = await fetch(`${server.url}/api/dev/token?userId=${encodeURIComponent(userId)}`);
      if (!response.ok) throw new Error(`dev token for ${userId}: HTTP ${response.status}`);
      return ((await response.json()) as { token: string }).token;
    },
    async stop() {
      await server.stop();
      dir.remove();
    },
  };
}
