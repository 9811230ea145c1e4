import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { tempDir } from '@mpi/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server.js';

const SCRIPT = `console.log(${JSON.stringify('x'.repeat(4000))});`;

/** A built web app as Vite and its precompress step leave it: hashed assets with .br and .gz beside. */
function fakeBuild(): string {
  const dist = tempDir('mpi-web-').path;
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>MPI Realtime</title>');
  writeFileSync(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  const script = join(dist, 'assets', 'index-AbCd12_x.js');
  writeFileSync(script, SCRIPT);
  writeFileSync(`${script}.br`, brotliCompressSync(SCRIPT));
  writeFileSync(`${script}.gz`, gzipSync(SCRIPT));
  return dist;
}

describe('the web app’s files', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ WEB_DIST_DIR: fakeBuild() });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('sends hashed assets compressed as built, cached for good', async () => {
    for (const encoding of ['br', 'gzip']) {
      const reply = await t.server.app.inject({
        url: '/assets/index-AbCd12_x.js',
        headers: { 'accept-encoding': encoding },
      });
      expect(reply.statusCode).toBe(200);
      expect(reply.headers['content-encoding']).toBe(encoding);
      expect(reply.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(reply.rawPayload.length).toBeLessThan(SCRIPT.length / 4);
    }
    const plain = await t.server.app.inject({ url: '/assets/index-AbCd12_x.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(SCRIPT);
  });

  it('has index.html and the icon checked again on every load', async () => {
    const index = await t.server.app.inject({ url: '/', headers: { accept: 'text/html' } });
    expect(index.statusCode).toBe(200);
    expect(index.headers['cache-control']).toBe('no-cache');
    const icon = await t.server.app.inject({ url: '/favicon.svg' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['content-type']).toContain('image/svg+xml');
    expect(icon.headers['cache-control']).toBe('no-cache');
  });

  it('compresses answers made per request (here /metrics) for clients that accept it', async () => {
    const plain = await t.server.app.inject({ url: '/metrics' });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(4096);
    for (const [encoding, decode] of [
      ['br', brotliDecompressSync],
      ['gzip', gunzipSync],
    ] as const) {
      const reply = await t.server.app.inject({ url: '/metrics', headers: { 'accept-encoding': encoding } });
      expect(reply.headers['content-encoding']).toBe(encoding);
      expect(reply.rawPayload.length).toBeLessThan(plain.body.length / 3);
      expect(decode(reply.rawPayload).toString()).toContain('# HELP');
    }
  });
});
