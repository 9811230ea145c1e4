import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { PUBLISHED, ROOT } from './published-packages.js';

/**
 * A tiny Vite app, outside the monorepo, whose @mpi packages are the packed tarballs (extracted as npm
 * would) and whose other dependencies are the repository's installed ones. `withSdk: false` builds the
 * same page without the SDK, so the difference is what the SDK costs an app.
 */
export function makeTarballApp(dir: string): string {
  const tarballs = join(dir, 'tarballs');
  mkdirSync(tarballs, { recursive: true });
  const modules = join(dir, 'app', 'node_modules');
  mkdirSync(join(modules, '@mpi'), { recursive: true });
  for (const { dir: pkgDir, name } of PUBLISHED) {
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tarballs], {
      cwd: join(ROOT, pkgDir),
      encoding: 'utf8',
    });
    const [{ filename }] = JSON.parse(out) as [{ filename: string }];
    const target = join(modules, name);
    mkdirSync(target, { recursive: true });
    execFileSync('tar', ['-xzf', join(tarballs, filename), '-C', target, '--strip-components=1']);
  }
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry !== '@mpi' && !entry.startsWith('.'))
      symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry));
  }
  return join(dir, 'app');
}

const PAGE =
  '<!doctype html><html><body><div id="root"></div><script type="module" src="./main.js"></script></body></html>';

const WITH_SDK = `
import { createSocketService } from '@mpi/client';
import { SocketProvider, useSocket } from '@mpi/react';
import { createElement as h } from 'react';
import { createRoot } from 'react-dom/client';

const service = createSocketService({
  url: location.origin,
  token: async () => (await (await fetch('/api/dev/token?userId=tiny')).json()).token,
});
function State() {
  return h('p', { id: 'state' }, useSocket().state);
}
service.connect();
createRoot(document.getElementById('root')).render(h(SocketProvider, { service }, h(State)));
`;

const WITHOUT_SDK = `
import { createElement as h } from 'react';
import { createRoot } from 'react-dom/client';
createRoot(document.getElementById('root')).render(h('p', { id: 'state' }, 'no sdk'));
`;

/** Builds the app (production) into `<app>/<outDir>`; resolves with the gzip size of its JavaScript. */
export async function buildTarballApp(app: string, withSdk: boolean, outDir: string): Promise<number> {
  const root = join(app, withSdk ? 'with-sdk' : 'without-sdk');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'index.html'), PAGE);
  writeFileSync(join(root, 'main.js'), withSdk ? WITH_SDK : WITHOUT_SDK);
  const dist = join(app, outDir);
  // Vite keeps an inherited NODE_ENV (Vitest sets "test"), which would bundle React's development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      root,
      logLevel: 'silent',
      configFile: false,
      mode: 'production',
      build: { outDir: dist, emptyOutDir: true, target: 'es2022' },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  const assets = join(dist, 'assets');
  return readdirSync(assets)
    .filter((file) => file.endsWith('.js'))
    .reduce((sum, file) => sum + gzipSync(readFileSync(join(assets, file))).length, 0);
}
