import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { build as esbuild } from 'esbuild';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

/** Where `npm run dev -w @mpi/web` forwards API and socket traffic (the server of `npm run dev`). */
const DEV_SERVER = process.env.MPI_DEV_SERVER ?? 'http://localhost:4000';

/**
 * Writes `.br` and `.gz` beside every built script, style sheet and SVG over 1 KiB, which the server
 * sends as they are to clients that accept them (@fastify/static `preCompressed`): nothing is compressed
 * per request.
 */
function precompress(): Plugin {
  return {
    name: 'mpi-precompress',
    apply: 'build',
    closeBundle() {
      const assets = join(import.meta.dirname, 'dist', 'assets');
      for (const name of readdirSync(assets)) {
        const file = join(assets, name);
        if (!/\.(js|css|svg)$/.test(name) || statSync(file).size < 1024) continue;
        const content = readFileSync(file);
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
        writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
      }
    },
  };
}

/**
 * Bundles the service worker (src/sw/service-worker.ts) into dist/sw.js: one classic script at the root,
 * so that its scope is the whole app and every browser can run it (no module workers, no shared chunks).
 * The dev server does not serve it: Web Push is tried on a build (`npm start`).
 */
function serviceWorker(): Plugin {
  return {
    name: 'mpi-service-worker',
    apply: 'build',
    async closeBundle() {
      await esbuild({
        entryPoints: [join(import.meta.dirname, 'src', 'sw', 'service-worker.ts')],
        outfile: join(import.meta.dirname, 'dist', 'sw.js'),
        bundle: true,
        format: 'iife',
        target: 'es2022',
        minify: true,
        conditions: ['source'],
        logLevel: 'warning',
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), precompress(), serviceWorker()],
  resolve: {
    // Workspace packages resolve to their TypeScript sources (their "source" export), so the app never
    // needs their dist builds; the defaults (module, browser, development|production) stay.
    conditions: ['source', ...defaultClientConditions],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
  },
  server: {
    // Same origin in development too: the app's default server URL is window.location.origin.
    proxy: {
      '/api': DEV_SERVER,
      '/socket.io': { target: DEV_SERVER, ws: true },
    },
  },
});
