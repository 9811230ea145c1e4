import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestServer, type TestServer } from './support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

describe('HTTP endpoints', () => {
  it('reports liveness and readiness with the storage in use', async () => {
    const live = await t.server.app.inject({ method: 'GET', url: '/healthz' });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: 'ok' });
    const ready = await t.server.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', storage: 'sqlite' });
  });

  it('exposes Prometheus metrics that count connections and events', async () => {
    const alice = await t.connect('alice');
    await request(alice, 'ping', {});
    const response = await t.server.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/plain/);
    expect(response.body).toMatch(/mpi_socket_connections 1/);
    expect(response.body).toMatch(/mpi_socket_events_total\{event="ping",outcome="ok"\} 1/);
    alice.disconnect();
  });

  it('answers unknown routes with a typed NOT_FOUND error', async () => {
    const response = await t.server.app.inject({ method: 'GET', url: '/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });
});

describe('readiness when storage is gone', () => {
  it('answers 503 once the storage no longer answers', async () => {
    const other = await startTestServer();
    try {
      await other.server.storage.close();
      const response = await other.server.app.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ status: 'unavailable' });
    } finally {
      await other.stop().catch(() => undefined);
    }
  });
});
