import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { errorBody } from '@mpi/protocol';
import type { FastifyInstance } from 'fastify';

const API_PREFIXES = ['/api/', '/healthz', '/readyz', '/metrics', '/socket.io', '/admin-ui'];

const NOT_BUILT_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>MPI Realtime</title></head>
<body><h1>MPI Realtime is running</h1><p>The web app has not been built: run <code>npm run build</code>
(or <code>npm start</code>, which builds first).</p></body></html>`;

/**
 * Serves the built web app (apps/web/dist) at `/`, with index.html for every other GET of a page that is
 * not an API route, so that client-side routes survive a reload. It owns the not-found answer too: API
 * routes get a typed NOT_FOUND. In production, `*.map` files are not served.
 */
export async function registerWebApp(
  app: FastifyInstance,
  distDir: string,
  options: { sourceMaps: boolean },
): Promise<void> {
  const indexFile = join(distDir, 'index.html');
  if (!existsSync(indexFile)) {
    app.log.warn({ distDir }, 'web app not built: serving a placeholder page at /');
    app.get('/', async (_request, reply) => reply.type('text/html').send(NOT_BUILT_PAGE));
    app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: errorBody('NOT_FOUND') }));
    return;
  }
  await app.register(fastifyStatic, {
    root: distDir,
    wildcard: false,
    index: ['index.html'],
    // Source maps hold the app's whole source: served in development only.
    allowedPath: (path) => options.sourceMaps || !path.endsWith('.map'),
    // The build writes .br and .gz beside its assets; clients that accept one get it as it is.
    preCompressed: true,
    cacheControl: false,
    // Built assets carry a content hash in their names: cached for good. Anything else (index.html, the
    // icon) is checked again on every load, so a new deploy is picked up at once.
    setHeaders: (res, path) => {
      const hashed = /[\\/]assets[\\/][^\\/]+-[A-Za-z0-9_-]{8,}(\.\w+)+$/.test(path);
      res.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  app.setNotFoundHandler((request, reply) => {
    const isPage = request.method === 'GET' && !API_PREFIXES.some((prefix) => request.url.startsWith(prefix));
    if (isPage && request.headers.accept?.includes('text/html')) return reply.sendFile('index.html');
    return reply.code(404).send({ error: errorBody('NOT_FOUND') });
  });
}
