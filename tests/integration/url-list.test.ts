import { ConnectionState } from '@mpi/client';
import { Cleanup, freePort, waitFor } from '@mpi/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { online, sdk, startTestServer } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('the SDK with a list of URLs', () => {
  it('tries them in turn: past a dead one, and on to the next when its server goes away', async () => {
    const a = cleanup.add(await startTestServer(), (t) => t.stop());
    const b = cleanup.add(await startTestServer(), (t) => t.stop());
    const dead = `http://127.0.0.1:${await freePort()}`;
    const alice = sdk(cleanup, a.url, a.token, 'alice', { urls: [dead, a.url, b.url] });
    await online(alice, 'alice');
    expect([a.server.io.engine.clientsCount, b.server.io.engine.clientsCount]).toEqual([1, 0]);

    await a.stop();
    await waitFor(() => b.server.io.engine.clientsCount === 1, 10_000, 'moved on to b');
    await waitFor(() => alice.getState() === ConnectionState.CONNECTED, 5000, 'connected again');
  });
});
