import { Cleanup, freePort, sleep } from '@mpi/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionState, recordStates, startFakeServer, waitForState } from './helpers.js';
import { FAST_RETRIES, serviceFactory } from './service-fixture.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const fast = FAST_RETRIES;
const service = serviceFactory(cleanup);

/** A browser-like `window` and `document` on globalThis for the test's duration. */
function fakeBrowser() {
  const scope = globalThis as { window?: unknown; document?: unknown };
  const win = new EventTarget();
  const doc = Object.assign(new EventTarget(), { visibilityState: 'hidden' });
  scope.window = win;
  scope.document = doc;
  cleanup.add(null, () => {
    delete scope.window;
    delete scope.document;
  });
  return {
    online: () => win.dispatchEvent(new Event('online')),
    show: () => {
      doc.visibilityState = 'visible';
      doc.dispatchEvent(new Event('visibilitychange'));
    },
  };
}

describe('never offline for good', () => {
  it('after the five retries and ERROR, the health check connects once the server is back', async () => {
    const port = await freePort();
    const s = service({ url: `http://127.0.0.1:${port}`, token: 'valid', healthCheckIntervalMs: 300 });
    const changes: Array<{ state: ConnectionState; reason?: string }> = [];
    s.on('connection_state_changed', ({ state, reason }) => changes.push({ state, reason }));
    s.connect();
    await waitForState(s, ConnectionState.ERROR);
    expect(s.getConnectionStatus()).toMatchObject({ reconnectAttempt: 5, nextRetryDelayMs: 300 });
    // Health checks run, and fail back to ERROR, while the server is away.
    await sleep(700);
    expect(changes.filter((c) => c.reason === 'health_check').length).toBeGreaterThanOrEqual(1);
    expect(s.getState()).toBe(ConnectionState.ERROR);

    cleanup.add(await startFakeServer({ port }), (srv) => srv.close());
    await waitForState(s, ConnectionState.CONNECTED, 2000);
    expect(changes.at(-2)).toEqual({ state: ConnectionState.CONNECTING, reason: 'health_check' });
  });

  it('spreads the health check by the reconnection jitter', async () => {
    const port = await freePort();
    const s = service({
      url: `http://127.0.0.1:${port}`,
      token: 'valid',
      reconnection: { ...fast, attempts: 0, jitter: 0.2 },
      random: () => 0, // the low end of the spread
    });
    s.connect();
    await waitForState(s, ConnectionState.ERROR);
    expect(s.getConnectionStatus().nextRetryDelayMs).toBe(24_000);
  });

  it('no health check after a refused token: only connect() leaves that ERROR', async () => {
    const srv = cleanup.add(await startFakeServer(), (x) => x.close());
    const s = service({ url: srv.url, token: 'forged', healthCheckIntervalMs: 50 });
    s.connect();
    await waitForState(s, ConnectionState.ERROR);
    expect(s.getConnectionStatus().nextRetryAt).toBeNull();
    await sleep(300);
    expect(srv.tokens).toEqual(['forged']);
  });

  it('the browser going online, or the page becoming visible, connects at once from ERROR', async () => {
    const browser = fakeBrowser();
    const port = await freePort();
    const s = service({ url: `http://127.0.0.1:${port}`, token: 'valid' }); // health check 30 s away
    const states = recordStates(s);
    s.connect();
    await waitForState(s, ConnectionState.ERROR);
    const srv = cleanup.add(await startFakeServer({ port }), (x) => x.close());
    browser.online();
    await waitForState(s, ConnectionState.CONNECTED, 2000);
    expect(states.slice(-2)).toEqual([ConnectionState.CONNECTING, ConnectionState.CONNECTED]);

    await srv.close();
    await waitForState(s, ConnectionState.ERROR, 5000);
    cleanup.add(await startFakeServer({ port }), (x) => x.close());
    browser.show();
    await waitForState(s, ConnectionState.CONNECTED, 2000);
  });

  it('a retry waiting out its delay starts at once on `online`', async () => {
    const browser = fakeBrowser();
    const port = await freePort();
    const s = service({
      url: `http://127.0.0.1:${port}`,
      token: 'valid',
      reconnection: { ...fast, delay: 60_000, maxDelay: 60_000 },
    });
    s.connect();
    await waitForState(s, ConnectionState.RECONNECTING);
    cleanup.add(await startFakeServer({ port }), (x) => x.close());
    const started = Date.now();
    browser.online();
    await waitForState(s, ConnectionState.CONNECTED, 2000);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
