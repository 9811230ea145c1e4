import { Cleanup, freePort, sleep, waitFor } from '@mpi/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../src/index.js';
import {
  ConnectionState,
  type FakeServerOptions,
  recordStates,
  startFakeServer,
  waitForState,
} from './helpers.js';
import { FAST_RETRIES, serviceFactory } from './service-fixture.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const fast = FAST_RETRIES;
const service = serviceFactory(cleanup);

async function server(options: FakeServerOptions = {}) {
  return cleanup.add(await startFakeServer(options), (s) => s.close());
}

describe('connection states', () => {
  it('DISCONNECTED → CONNECTING → CONNECTED → RECONNECTING → CONNECTED across a server restart', async () => {
    const first = await server();
    const s = service({ url: first.url, token: 'valid' });
    const states = recordStates(s);
    expect(s.getState()).toBe(ConnectionState.DISCONNECTED);

    s.connect();
    expect(s.getState()).toBe(ConnectionState.CONNECTING);
    await waitForState(s, ConnectionState.CONNECTED);
    expect(s.isReady()).toBe(true);
    const firstId = s.getConnectionStatus().socketId;
    expect(firstId).toBeTruthy();

    await first.close();
    await waitForState(s, ConnectionState.RECONNECTING);
    expect(s.isReady()).toBe(false);
    const second = await server({ port: first.port });
    await waitForState(s, ConnectionState.CONNECTED);

    expect(states).toEqual([
      ConnectionState.CONNECTING,
      ConnectionState.CONNECTED,
      ConnectionState.RECONNECTING,
      ConnectionState.CONNECTED,
    ]);
    const status = s.getConnectionStatus();
    expect(status).toMatchObject({
      isConnected: true,
      reconnectAttempt: 0,
      nextRetryAt: null,
      lastError: null,
    });
    expect(status.socketId).not.toBe(firstId);
    expect(second.io.engine.clientsCount).toBe(1);
  });

  it('goes to ERROR after 5 failed retries with delays delay × 1.5^n, and connect() starts over', async () => {
    const port = await freePort();
    const s = service({ url: `http://127.0.0.1:${port}`, token: 'valid' });
    const states = recordStates(s);
    const retries: Array<{ attempt: number; delay: number; at: number }> = [];
    s.subscribeState(() => {
      const { reconnectAttempt, nextRetryDelayMs, state } = s.getSnapshot();
      if (nextRetryDelayMs !== null && state === ConnectionState.RECONNECTING)
        retries.push({ attempt: reconnectAttempt, delay: nextRetryDelayMs, at: Date.now() });
    });

    s.connect();
    await waitForState(s, ConnectionState.ERROR);
    expect(states).toEqual([ConnectionState.CONNECTING, ConnectionState.RECONNECTING, ConnectionState.ERROR]);
    expect(retries.map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(retries.map((r) => r.delay)).toEqual([20, 30, 45, 67.5, 101.25]);
    // Each retry waited at least its delay before failing and scheduling the next one.
    for (let i = 1; i < retries.length; i++) {
      const previous = retries[i - 1] as (typeof retries)[number];
      expect((retries[i] as (typeof retries)[number]).at - previous.at).toBeGreaterThanOrEqual(
        previous.delay - 2,
      );
    }
    expect(s.getConnectionStatus()).toMatchObject({
      state: ConnectionState.ERROR,
      isConnected: false,
      reconnectAttempt: 5,
      nextRetryDelayMs: 30_000, // the spec's health check (no jitter here)
      lastError: { code: 'CONNECT_FAILED' },
    });

    // The retries are over: the next attempt is the health check's, 30 s away.
    const count = retries.length;
    await sleep(200);
    expect(retries.length).toBe(count);
    expect(s.getState()).toBe(ConnectionState.ERROR);

    // connect() starts over with a fresh retry count.
    await server({ port });
    s.connect();
    expect(s.getConnectionStatus()).toMatchObject({
      state: ConnectionState.CONNECTING,
      reconnectAttempt: 0,
      lastError: null,
    });
    await waitForState(s, ConnectionState.CONNECTED);
  });

  it('fails an attempt whose handshake exceeds timeoutMs', async () => {
    const srv = await server({ hangHandshake: true });
    const s = service({
      url: srv.url,
      token: 'valid',
      timeoutMs: 100,
      reconnection: { ...fast, attempts: 1 },
    });
    const states = recordStates(s);
    const started = Date.now();
    s.connect();
    await waitForState(s, ConnectionState.ERROR);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * 100 + 20 - 5);
    expect(states).toEqual([ConnectionState.CONNECTING, ConnectionState.RECONNECTING, ConnectionState.ERROR]);
    expect(s.getConnectionStatus().lastError?.code).toBe('CONNECT_TIMEOUT');
    expect(srv.tokens).toEqual(['valid', 'valid']);
  });

  it('disconnect() goes to DISCONNECTED and never retries', async () => {
    const srv = await server();
    const s = service({ url: srv.url, token: 'valid' });
    const reasons: string[] = [];
    s.on('socket_disconnected', ({ reason }) => reasons.push(reason));
    s.connect();
    await waitForState(s, ConnectionState.CONNECTED);
    s.disconnect();
    expect(s.getConnectionStatus()).toMatchObject({ state: ConnectionState.DISCONNECTED, socketId: null });
    expect(reasons).toEqual(['io client disconnect']);
    await sleep(150);
    expect(srv.tokens).toEqual(['valid']);
    expect(s.getState()).toBe(ConnectionState.DISCONNECTED);
    await waitFor(() => srv.io.engine.clientsCount === 0);
  });

  it('reconnects after server_shutdown and a server-side disconnect', async () => {
    const srv = await server();
    const s = service({ url: srv.url, token: 'valid' });
    const notices: string[] = [];
    s.on('server_shutdown', ({ reason }) => notices.push(reason));
    const states = recordStates(s);
    s.connect();
    await waitForState(s, ConnectionState.CONNECTED);
    srv.io.emit('server_shutdown', { reason: 'deploy' });
    await waitFor(() => notices.length === 1);
    srv.io.disconnectSockets(true);
    await waitFor(() => states.length === 4);
    expect(states.slice(2)).toEqual([ConnectionState.RECONNECTING, ConnectionState.CONNECTED]);
    expect(notices).toEqual(['deploy']);
  });
});

describe('authentication', () => {
  it('calls the token provider before every attempt', async () => {
    const first = await server();
    let calls = 0;
    const s = service({ url: first.url, token: async () => `valid-${calls++}`, deviceId: 'dev-1' });
    s.connect();
    await waitForState(s, ConnectionState.CONNECTED);
    first.io.disconnectSockets(true); // drop the connection from the server side
    await waitFor(() => first.tokens.length === 2 && s.isReady());
    await first.close();
    await waitForState(s, ConnectionState.RECONNECTING);
    const second = await server({ port: first.port });
    await waitForState(s, ConnectionState.CONNECTED);

    expect(first.tokens).toEqual(['valid-0', 'valid-1']);
    expect(second.tokens).toEqual([`valid-${calls - 1}`]);
    // The provider ran once per attempt that reached the handshake, and every token differed.
    expect(new Set([...first.tokens, ...second.tokens]).size).toBe(3);
    const [socket] = await second.io.fetchSockets();
    expect(socket?.handshake.auth).toEqual({ token: `valid-${calls - 1}`, deviceId: 'dev-1' });
    expect(socket?.handshake.query).toMatchObject({ client: 'web', version: '1.0.0' });
  });

  it('retries AUTH_EXPIRED with a fresh token', async () => {
    const srv = await server();
    const tokens = ['expired-0', 'valid-1'];
    const s = service({ url: srv.url, token: () => tokens.shift() ?? 'none' });
    const errors: string[] = [];
    s.subscribeState(() => {
      const code = s.getSnapshot().lastError?.code;
      if (code) errors.push(code);
    });
    s.connect();
    await waitForState(s, ConnectionState.CONNECTED);
    expect(srv.tokens).toEqual(['expired-0', 'valid-1']);
    expect(errors).toContain('AUTH_EXPIRED');
  });

  it('goes to ERROR at once on AUTH_INVALID', async () => {
    const srv = await server();
    const s = service({ url: srv.url, token: 'forged' });
    const states = recordStates(s);
    s.connect();
    await waitForState(s, ConnectionState.ERROR);
    expect(states).toEqual([ConnectionState.CONNECTING, ConnectionState.ERROR]);
    expect(s.getConnectionStatus().lastError).toEqual({
      code: 'AUTH_INVALID',
      message: 'refused: AUTH_INVALID',
    });
    await sleep(150);
    expect(srv.tokens).toEqual(['forged']);
  });

  it('goes to ERROR with AUTH_MISSING when no token is configured', async () => {
    const srv = await server();
    const s = service({ url: srv.url });
    s.connect();
    await waitForState(s, ConnectionState.ERROR);
    expect(s.getConnectionStatus().lastError?.code).toBe('AUTH_MISSING');
    expect(srv.tokens).toEqual([]);
  });

  it('retries when the token provider fails', async () => {
    const srv = await server();
    let calls = 0;
    const s = service({
      url: srv.url,
      token: async () => {
        calls++;
        if (calls === 1) throw new Error('refresh failed');
        return 'valid-2';
      },
    });
    s.connect();
    await waitForState(s, ConnectionState.CONNECTED);
    expect(calls).toBe(2);
    expect(srv.tokens).toEqual(['valid-2']);
  });
});

describe('status snapshot', () => {
  it('keeps its identity until something changes', async () => {
    const srv = await server();
    const s = service({ url: srv.url, token: 'valid' });
    const a: ConnectionStatus = s.getSnapshot();
    expect(s.getSnapshot()).toBe(a);
    expect(s.getConnectionStatus()).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    s.disconnect(); // already DISCONNECTED: no change
    s.configure({ ackTimeoutMs: 5000 });
    expect(s.getSnapshot()).toBe(a);

    let notified = 0;
    const unsubscribe = s.subscribeState(() => notified++);
    s.connect();
    const b = s.getSnapshot();
    expect(b).not.toBe(a);
    expect(b.state).toBe(ConnectionState.CONNECTING);
    await waitForState(s, ConnectionState.CONNECTED);
    const c = s.getSnapshot();
    expect(s.getSnapshot()).toBe(c);
    const latency = await s.ping();
    expect(latency).toBeGreaterThanOrEqual(0);
    expect(s.getSnapshot()).not.toBe(c);
    expect(s.getSnapshot().latencyMs).toBe(latency);
    expect(notified).toBeGreaterThanOrEqual(3);

    unsubscribe();
    const before = notified;
    s.disconnect();
    expect(notified).toBe(before);
  });

  it('is usable unbound, as useSyncExternalStore calls it', () => {
    const s = service({ token: 'valid' });
    const { getSnapshot, subscribeState } = s;
    const unsubscribe = subscribeState(() => {});
    expect(getSnapshot().state).toBe(ConnectionState.DISCONNECTED);
    unsubscribe();
  });

  it('does nothing when disabled', () => {
    const s = service({ token: 'valid', enabled: false });
    s.connect();
    expect(s.getState()).toBe(ConnectionState.DISCONNECTED);
    expect(s.socket).toBeNull();
  });
});
