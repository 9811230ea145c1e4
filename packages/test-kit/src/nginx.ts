import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';
import { sleep } from './timing.js';

const run = promisify(execFile);
/** The shipped configuration, from the repository root (Vitest's root). */
const SHIPPED = resolve(process.cwd(), 'deploy/nginx/mpi-realtime.conf');
const NGINX = '/usr/sbin/nginx';

export async function nginxAvailable(): Promise<boolean> {
  return run(NGINX, ['-v']).then(
    () => true,
    () => false,
  );
}

/**
 * nginx in the foreground with the shipped deploy/nginx/mpi-realtime.conf, changed only where a test must:
 * its upstream servers are `ports` of 127.0.0.1 and it listens on a free port. Everything it writes stays in
 * a temporary folder; stop() ends it by its PID.
 */
export class TestNginx {
  #child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(ports: number[]): Promise<TestNginx> {
    const dir = mkdtempSync(join(tmpdir(), 'mpi-nginx-'));
    const nginx = new TestNginx(await freePort(), dir);
    const shipped = readFileSync(SHIPPED, 'utf8');
    const servers = ports
      .map((port) => `    server 127.0.0.1:${port} max_fails=1 fail_timeout=5s;`)
      .join('\n');
    const site = shipped
      .replace(/^ {4}server 127\.0\.0\.1:\d+ .*;\n/gm, '')
      .replace('upstream mpi_realtime {\n', `upstream mpi_realtime {\n${servers}\n`)
      .replace('listen 80;', `listen 127.0.0.1:${nginx.port};`);
    if (site === shipped || !site.includes(servers))
      throw new Error('the shipped nginx config changed shape');
    writeFileSync(join(dir, 'site.conf'), site);
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
      .map((kind) => `${kind}_temp_path ${join(dir, kind)};`)
      .join(' ');
    writeFileSync(
      join(dir, 'nginx.conf'),
      [
        process.getuid?.() === 0 ? 'user root;' : '',
        'daemon off;',
        'worker_processes 1;',
        `pid ${join(dir, 'nginx.pid')};`,
        `error_log ${join(dir, 'error.log')} warn;`,
        'events { worker_connections 1024; }',
        `http { access_log off; ${temp} include ${join(dir, 'site.conf')}; }`,
      ].join('\n'),
    );
    await run(NGINX, ['-t', '-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')]);
    const child = spawn(NGINX, ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], {
      stdio: 'ignore',
    });
    nginx.#child = child;
    const deadline = Date.now() + 5000;
    for (;;) {
      const up = await fetch(`${nginx.url}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
      if (up) return nginx;
      if (Date.now() > deadline || child.exitCode !== null) {
        await nginx.stop();
        throw new Error('nginx did not come up');
      }
      await sleep(50);
    }
  }

  get errors(): string {
    try {
      return readFileSync(join(this.dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM'); // fast shutdown of the master and its worker
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
