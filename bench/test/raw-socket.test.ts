import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@mpi/test-kit';
import { Server } from 'socket.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawSocket } from '../src/generator/raw-socket.js';

// The load generators' hand-written client against a real Socket.IO server: what it gets wrong, the
// benchmark would count as the framework's.

const http = createServer();
const io = new Server(http, { transports: ['websocket'] });
let url = '';
const open: RawSocket[] = [];

function connect(token: string): RawSocket {
  const socket = new RawSocket(url, { auth: { token }, query: { client: 'raw-test' }, timeoutMs: 5_000 });
  open.push(socket);
  return socket;
}

beforeAll(async () => {
  io.use((socket, next) => {
    if (socket.handshake.auth.token === 'good' && socket.handshake.query.client === 'raw-test') next();
    else next(Object.assign(new Error('refused'), { data: { code: 'AUTH_INVALID' } }));
  });
  io.on('connection', (socket) => {
    socket.on('echo', (payload: unknown, ack: (response: unknown) => void) => ack({ ok: true, payload }));
    socket.on('silent', () => {});
    socket.on('push', () => socket.emit('pushed', { n: 1 }, 'second'));
    socket.on('kick', () => socket.disconnect(true));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const socket of open) socket.disconnect();
  await new Promise((resolve) => io.close(resolve));
});

describe('RawSocket', () => {
  it('connects, gets acknowledgements and server events, and times out an unanswered request', async () => {
    const socket = connect('good');
    await new Promise<void>((resolve) => socket.on('connect', resolve));
    const ack = await new Promise((resolve) =>
      (socket.emit as (...a: unknown[]) => void)('echo', { a: 1 }, resolve),
    );
    expect(ack).toEqual({ ok: true, payload: { a: 1 } });

    const events: unknown[][] = [];
    (socket.on as (e: string, l: (...a: unknown[]) => void) => void)('pushed', (...args) =>
      events.push(args),
    );
    (socket.emit as (...a: unknown[]) => void)('push');
    await waitFor(() => events.length === 1);
    expect(events[0]).toEqual([{ n: 1 }, 'second']);

    const timedOut = await new Promise<Error | null>((resolve) =>
      socket.timeout(100).emit('silent' as never, {}, (err) => resolve(err)),
    );
    expect(timedOut?.message).toMatch(/timed out/);
  });

  it('reports a refused handshake with the server data, and a server disconnect with its reason', async () => {
    const refused = connect('bad');
    const error = await new Promise<Error & { data?: { code?: string } }>((resolve) =>
      refused.on('connect_error', resolve),
    );
    expect(error.data?.code).toBe('AUTH_INVALID');

    const kicked = connect('good');
    await new Promise<void>((resolve) => kicked.on('connect', resolve));
    const reason = new Promise<string>((resolve) => kicked.on('disconnect', resolve));
    (kicked.emit as (...a: unknown[]) => void)('kick');
    expect(await reason).toBe('io server disconnect');
    expect(kicked.connected).toBe(false);
  });
});
