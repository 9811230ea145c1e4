import { waitFor } from '@mpi/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, request, startTestServer, type TestServer } from './support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({
    MAX_EVENTS_IN_FLIGHT_PER_CONNECTION: '4',
    MAX_EVENTS_IN_FLIGHT: '16',
    RATE_LIMIT_EVENTS: '100000',
  });
});
afterAll(async () => {
  await t.stop();
});

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : Number.NaN;
}

describe('bounded work in flight', () => {
  it('stops reading a connection that sends faster than it is served, and loses nothing', async () => {
    const pausesBefore = await metric('mpi_socket_reads_paused_total');
    const eve = await t.connect('eve');
    const fay = await t.connect('fay');
    const opened = await request(eve, 'open_dm', { userId: 'fay' });
    if (!opened.ok) throw new Error(opened.error.message);
    const chatId = opened.chat.id;
    const received = collect(fay, 'receive_message');

    // 300 sends at once: far more than the 4 the server handles per connection at a time.
    const acks = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        request(eve, 'send_message', { chatId, text: `burst ${i}`, clientMessageId: `bp-${i}` }),
      ),
    );
    expect(acks.every((ack) => ack.ok)).toBe(true);
    // Still answers other events on the same connection afterwards: reading resumed.
    expect((await request(eve, 'ping', {})).ok).toBe(true);

    await waitFor(() => received.length === 300);
    expect(received.map((m) => m.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(received.map((m) => m.text)).toEqual(Array.from({ length: 300 }, (_, i) => `burst ${i}`));
    expect(await metric('mpi_socket_reads_paused_total')).toBeGreaterThan(pausesBefore);
    expect(await metric('mpi_socket_paused_connections')).toBe(0);
  });

  it('pauses busy connections when all of them together have too much in flight, then serves them all', async () => {
    const users = ['gus', 'hal', 'ivy', 'jo', 'kai', 'lee'];
    const clients = await Promise.all(users.map((u) => t.connect(u)));
    const peer = await t.connect('max');
    const chats = await Promise.all(
      clients.map(async (client) => {
        const opened = await request(client, 'open_dm', { userId: 'max' });
        if (!opened.ok) throw new Error(opened.error.message);
        return opened.chat.id;
      }),
    );
    const received = collect(peer, 'receive_message');
    // 6 connections × 3 sends: under the per-connection limit each, over the total of 16 together.
    const acks = await Promise.all(
      clients.flatMap((client, c) =>
        Array.from({ length: 3 }, (_, i) =>
          request(client, 'send_message', {
            chatId: chats[c] as string,
            text: `${c}.${i}`,
            clientMessageId: `t-${c}-${i}`,
          }),
        ),
      ),
    );
    expect(acks.every((ack) => ack.ok)).toBe(true);
    await waitFor(() => received.length === 18);
    expect(new Set(received.map((m) => m.text)).size).toBe(18);
    expect(await metric('mpi_socket_paused_connections')).toBe(0);
  });
});
