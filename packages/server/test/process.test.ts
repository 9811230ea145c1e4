import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerToClientEvents } from '@mpi/protocol';
import { tempDir } from '@mpi/test-kit';
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { signToken } from '../src/auth/tokens.js';
import { TEST_JWT_SECRET } from './support/server.js';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const children = new Set<ChildProcess>();
afterEach(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  children.clear();
});

function startProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN], {
    // Uploads never land in the working directory's ./data.
    env: { PATH: process.env.PATH ?? '', FILES_DIR: join(tmpdir(), 'mpi-realtime-test-files'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const logs = () =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { child, logs, output: () => ({ stdout, stderr }) };
}

async function until<T>(probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('the server process', () => {
  it('refuses to start on a bad setting and names the variable', async () => {
    const { child, output } = startProcess({ PORT: 'not-a-port', LOG_LEVEL: 'loud' });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output().stderr).toMatch(/PORT/);
    expect(output().stderr).toMatch(/LOG_LEVEL/);
  });

  it('refuses to start in production without a JWT secret', async () => {
    const { child, output } = startProcess({ NODE_ENV: 'production', PORT: '0' });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output().stderr).toMatch(/JWT_SECRET/);
  });

  it('logs connections as JSON and shuts down gracefully on SIGTERM within 10 s', async () => {
    const dir = tempDir();
    try {
      const proc = startProcess({
        PORT: '0',
        HOST: '127.0.0.1',
        JWT_SECRET: TEST_JWT_SECRET,
        DATABASE_URL: `${dir.path}/proc.sqlite`,
      });
      const url = await until(() => proc.logs().find((line) => typeof line.url === 'string')?.url as string);
      const health = await fetch(`${url}/readyz`);
      expect(await health.json()).toMatchObject({ status: 'ready', storage: 'sqlite' });

      const { token } = await signToken(TEST_JWT_SECRET, 'alice', { ttlSeconds: 60 });
      const client: Socket<ServerToClientEvents> = io(url, {
        transports: ['websocket'],
        reconnection: false,
        auth: { token },
        query: { client: 'web', version: '1.0.0' },
      });
      await new Promise((resolve) => client.once('connect', () => resolve(undefined)));
      const opened = await until(() => proc.logs().find((line) => line.msg === 'connection opened'));
      expect(opened).toMatchObject({ userId: 'alice', client: 'web', version: '1.0.0' });

      const shutdownNotice = new Promise((resolve) => client.once('server_shutdown', resolve));
      const disconnected = new Promise((resolve) => client.once('disconnect', resolve));
      const started = Date.now();
      proc.child.kill('SIGTERM');
      const [code] = await once(proc.child, 'exit');
      expect(code).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await shutdownNotice).toMatchObject({ reason: expect.any(String) });
      expect(await disconnected).toBe('transport close');
      const closed = proc.logs().find((line) => line.msg === 'connection closed');
      expect(closed).toMatchObject({ userId: 'alice', client: 'web', reason: expect.any(String) });
      client.close();
    } finally {
      dir.remove();
    }
  });
});
