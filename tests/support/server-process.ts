import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// From the repository root (Vitest's root): under jsdom, import.meta.url is not a file URL.
const MAIN = resolve(process.cwd(), 'packages/server/src/main.ts');
export const PROCESS_JWT_SECRET = 'process-test-secret-0123456789';

export interface ServerProcess {
  url: string;
  token(userId: string): Promise<string>;
  /** SIGTERM, wait for exit, remove the data directory. */
  stop(): Promise<void>;
}

/**
 * The real server as a separate process on a free port of 127.0.0.1 with its own SQLite file: for tests
 * whose own environment (jsdom, a browser) should not host the server.
 */
export async function startServerProcess(env: Record<string, string> = {}): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'mpi-proc-'));
  const child: ChildProcess = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      JWT_SECRET: PROCESS_JWT_SECRET,
      DATABASE_URL: join(dir, 'server.sqlite'),
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 20_000);
    child.stdout?.on('data', (chunk) => {
      buffer += chunk;
      for (const line of buffer.split('\n')) {
        if (!line.startsWith('{')) continue;
        const parsed = JSON.parse(line) as { url?: string };
        if (parsed.url) {
          clearTimeout(timer);
          resolve(parsed.url);
        }
      }
      buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr}`));
    });
  });
  child.stdout?.resume();
  return {
    url,
    // The server's development-token route: signing here would need WebCrypto, which jsdom hides.
    async token(userId) {
      const response = await fetch(`${url}/api/dev/token?userId=${encodeURIComponent(userId)}`);
      if (!response.ok) throw new Error(`dev token for ${userId}: HTTP ${response.status}`);
      return ((await response.json()) as { token: string }).token;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
