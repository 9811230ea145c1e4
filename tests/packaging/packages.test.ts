import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../../packages/server/test/support/server.js';
import { HAS_CHROMIUM, launchBrowser } from '../browser/support.js';
import {
  buildPublished,
  exportTargets,
  PUBLISHED,
  packageJson,
  packedFiles,
  ROOT,
} from './published-packages.js';
import { buildTarballApp, makeTarballApp } from './tarball-app.js';

/** The goal for the SDK with socket.io-client in a browser bundle. */
const SDK_GZIP_BUDGET = 30 * 1024;

beforeAll(() => buildPublished(), 120_000);

describe.each(PUBLISHED)('$name as published', ({ name, dir }) => {
  const pkg = packageJson(dir);

  it('packs dist with types, a README, every exports target, and no tests', () => {
    const files = packedFiles(dir);
    expect(files).toContain('README.md');
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    for (const target of exportTargets(pkg)) expect(files, target).toContain(target);
    expect(files.filter((file) => file.startsWith('test/'))).toEqual([]);
  });

  it('is publishable, side-effect free, and in lockstep with the other packages', () => {
    expect(pkg.private).toBeUndefined();
    expect(pkg.sideEffects).toBe(false);
    const version = packageJson('packages/protocol').version;
    expect(pkg.version).toBe(version);
    for (const [dep, range] of Object.entries(pkg.dependencies ?? {}))
      if (dep.startsWith('@mpi/')) expect(range, `${name} → ${dep}`).toBe(version);
  });
});

describe('consumers without the monorepo', () => {
  it('Node ESM imports every entry from dist (no `source` condition)', () => {
    const script = `
      const client = await import('@mpi/client');
      const node = await import('@mpi/client/node');
      const e2e = await import('@mpi/client/e2e');
      const browser = await import('@mpi/client/browser');
      const react = await import('@mpi/react');
      const schemas = await import('@mpi/protocol/schemas');
      const protocol = await import('@mpi/protocol');
      console.log(JSON.stringify([typeof client.createSocketService, typeof node.FileOutboxStore,
        typeof e2e.endToEndEncryption, typeof browser.IndexedDbOutboxStore, typeof react.useChat, typeof schemas.CLIENT_EVENT_SCHEMAS.send_message.parse, protocol.LIMITS.idMaxLength]));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual([
      'function',
      'function',
      'function',
      'function',
      'function',
      'function',
      128,
    ]);
  });

  it(`a browser bundle of the SDK with socket.io-client is at most ${SDK_GZIP_BUDGET / 1024} kB gzip, without zod`, async () => {
    const result = await build({
      stdin: { contents: "export * from '@mpi/client';", resolveDir: ROOT, loader: 'ts' },
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      metafile: true,
      logLevel: 'error',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => input.includes('/zod/'))).toEqual([]);
    expect(inputs.some((input) => input.includes('packages/client/dist/'))).toBe(true); // the published files
    const gzip = gzipSync((result.outputFiles[0] as { contents: Uint8Array }).contents).length;
    console.info(`SDK + socket.io-client: ${(gzip / 1024).toFixed(1)} kB gzip`);
    expect(gzip).toBeLessThanOrEqual(SDK_GZIP_BUDGET);
  });
});

describe('a tiny Vite app installing the packed tarballs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpi-tarball-app-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`builds; the SDK and its React bindings cost it at most ${SDK_GZIP_BUDGET / 1024} kB gzip; it connects`, async () => {
    const app = makeTarballApp(dir);
    const withSdk = await buildTarballApp(app, true, 'dist');
    const withoutSdk = await buildTarballApp(app, false, 'dist-plain');
    const cost = withSdk - withoutSdk;
    console.info(
      `tiny app: ${(withSdk / 1024).toFixed(1)} kB gzip, of which @mpi/* + socket.io-client ${(cost / 1024).toFixed(1)} kB`,
    );
    expect(cost).toBeLessThanOrEqual(SDK_GZIP_BUDGET);
    if (!HAS_CHROMIUM) return;

    const server = await startTestServer({ WEB_DIST_DIR: join(app, 'dist') });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      await page.locator('#state', { hasText: 'connected' }).waitFor({ timeout: 10_000 });
    } finally {
      await browser.close();
      await server.stop();
    }
  }, 120_000);
});
