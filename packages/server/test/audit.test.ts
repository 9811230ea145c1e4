import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { collect, request, startTestServer, type TestServer } from './support/server.js';

const lines: Array<Record<string, unknown>> = [];
const raw: string[] = [];
const logger = pino(
  { level: 'info' },
  {
    write(line: string) {
      raw.push(line);
      lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  },
);

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ RATE_LIMIT_EVENTS: '40', RATE_LIMIT_WINDOW_SECONDS: '60' }, { logger });
});
afterAll(async () => {
  await t.stop();
});

const audits = (kind: string, code: string) => lines.filter((l) => l.audit === kind && l.code === code);

async function counted(kind: string, code: string): Promise<number> {
  const text = (await t.server.app.inject({ method: 'GET', url: '/metrics' })).body;
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('mpi_security_refusals_total{') &&
        l.includes(`kind="${kind}"`) &&
        l.includes(`code="${code}"`),
    );
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('the audit trail', () => {
  it('logs and counts refused authentications, authorizations, rate-limit hits and protocol violations, never bodies or tokens', async () => {
    const forged = `${(await t.token('mallory')).slice(0, -4)}AAAA`;
    await expect(t.connect('mallory', { token: forged })).rejects.toMatchObject({
      data: { code: 'AUTH_INVALID' },
    });
    expect(audits('authentication', 'AUTH_INVALID')[0]).toMatchObject({ address: expect.any(String) });

    const alice = await t.connect('alice');
    const opened = await request(alice, 'open_dm', { userId: 'bob' });
    if (!opened.ok) throw new Error('open_dm failed');
    const mallory = await t.connect('mallory');
    const refusals = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        request(mallory, 'send_message', {
          chatId: opened.chat.id,
          text: `SECRET-BODY-${i}`,
          clientMessageId: `m${i}`,
        }),
      ),
    );
    expect(refusals.every((r) => !r.ok && r.error.code === 'NOT_A_MEMBER')).toBe(true);
    expect(await counted('authorization', 'NOT_A_MEMBER')).toBe(15);
    // One line stands for a burst from the same caller.
    expect(audits('authorization', 'NOT_A_MEMBER')[0]).toMatchObject({
      userId: 'mallory',
      event: 'send_message',
      address: expect.any(String),
    });

    await request(mallory, 'send_message', { chatId: 'x', text: 'SECRET-BODY-bad', clientMessageId: '' });
    expect(audits('protocol', 'VALIDATION_FAILED')[0]).toMatchObject({ userId: 'mallory' });

    for (let i = 0; i < 10; i++) await request(mallory, 'list_chats', {});
    expect(audits('rate_limit', 'RATE_LIMITED')[0]).toMatchObject({ userId: 'mallory' });
    expect(await counted('rate_limit', 'RATE_LIMITED')).toBeGreaterThan(0);

    const api = await t.server.app.inject({
      method: 'GET',
      url: '/api/dev/token?userId=alice',
      headers: { origin: 'https://evil.example' },
    });
    expect(api.statusCode).toBe(403);
    expect(audits('origin', 'ORIGIN_NOT_ALLOWED')[0]).toMatchObject({
      address: '127.0.0.1',
      event: 'GET /api/dev/token',
    });

    const all = raw.join('');
    expect(all).not.toContain('SECRET-BODY');
    expect(all).not.toContain(forged.split('.')[1]);
  });
});

describe('a namespace disconnect (41)', () => {
  it('ends the handling of that socket: a join_chat after it announces nothing and joins no room', async () => {
    const bob = await t.connect('bob');
    const alice = await t.connect('alice');
    const opened = await request(alice, 'open_dm', { userId: 'bob' });
    if (!opened.ok) throw new Error('open_dm failed');
    const chatId = opened.chat.id;
    await request(bob, 'join_chat', { chatId });
    const joined = collect(bob, 'user_joined');

    const token = await t.token('alice'); // before the socket opens, so that its first frame is not missed
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    await new Promise<void>((resolve, reject) => {
      ws.on('error', reject);
      ws.on('message', (data) => {
        const frame = String(data);
        if (frame.startsWith('0')) ws.send(`40${JSON.stringify({ token })}`);
        if (frame.startsWith('40')) {
          ws.send('41');
          ws.send(`42${JSON.stringify(['join_chat', { chatId }])}`);
          ws.send(`420${JSON.stringify(['join_chat', { chatId }])}`);
          resolve();
        }
      });
    });
    await new Promise((r) => setTimeout(r, 300));
    ws.close();
    expect(joined).toEqual([]);
    const room = t.server.io.sockets.adapter.rooms.get(`chat:${chatId}`);
    expect(room?.size).toBe(1);
  });
});
