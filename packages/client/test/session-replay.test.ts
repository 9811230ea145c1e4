import { Cleanup, waitFor } from '@mpi/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { createSocketService, type SocketService } from '../src/index.js';
import { ConnectionState, startFakeServer, waitForState } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const fast = { delay: 20, backoff: 1, maxDelay: 100, jitter: 0, attempts: 20 };

/** The fake server, answering the session events and logging every event each connection gets. */
async function server() {
  const srv = cleanup.add(await startFakeServer(), (s) => s.close());
  const log: string[][] = [];
  srv.io.on('connection', (socket) => {
    const events: string[] = [];
    log.push(events);
    socket.onAny((event: string, payload: { chatId?: string }) => {
      events.push(payload?.chatId ? `${event}:${payload.chatId}` : event);
    });
    socket.on('setup_user', ({ userId }, ack) =>
      ack({ ok: true, user: { id: userId }, settings: { hidePresence: false } }),
    );
    socket.on('join_chat', ({ chatId }, ack) =>
      ack({
        ok: true,
        chat: { id: chatId, type: 'group', name: 'g', members: ['u1'], createdAt: '', lastSeq: 0 },
        presentUserIds: [],
      }),
    );
    socket.on('subscribe', ({ channels }, ack) => ack({ ok: true, channels }));
    socket.on('leave_chat', (_payload, ack) => ack({ ok: true }));
  });
  return { srv, log };
}

function service(url: string): SocketService {
  return cleanup.add(createSocketService({ url, token: 'valid', reconnection: fast, timeoutMs: 2000 }), (s) =>
    s.destroy(),
  );
}

describe('session replay after a reconnect', () => {
  it('re-sends setup_user, re-joins chats, then flushes the outbox; channels are not replayed', async () => {
    const { srv, log } = await server();
    const s = service(srv.url);
    s.connect();
    const setup = s.setupUser('u1', { name: 'U' }); // while connecting: waits for the replay
    expect(await setup).toMatchObject({ ok: true, user: { id: 'u1' } });
    expect((await s.joinChat('c1')).ok).toBe(true);
    expect((await s.joinChat('c2')).ok).toBe(true);
    expect((await s.subscribe(['calendar'])).ok).toBe(true);

    srv.io.disconnectSockets(true);
    await waitForState(s, ConnectionState.RECONNECTING);
    const sent = s.sendMessage('c1', 'while offline', { clientMessageId: 'off-1' });
    expect(s.chats.getChatSnapshot('c1').messages[0]).toMatchObject({ status: 'pending' });
    expect((await sent).ok).toBe(true);

    await waitFor(() => log.length === 2 && log[1]?.includes('send_message:c1') === true);
    const second = log[1] ?? [];
    expect(second.slice(0, 3).sort()).toEqual(['join_chat:c1', 'join_chat:c2', 'setup_user'].sort());
    expect(second[0]).toBe('setup_user');
    expect(second.indexOf('send_message:c1')).toBeGreaterThan(second.indexOf('join_chat:c2'));
    // The channel preference is stored by the server; re-sending it would undo an opt-out made elsewhere.
    expect(second).not.toContain('subscribe');
    expect(s.chats.getChatSnapshot('c1').messages[0]).toMatchObject({
      status: 'sent',
      clientMessageId: 'off-1',
    });
  });

  it('does not re-join a chat after leaveChat', async () => {
    const { srv, log } = await server();
    const s = service(srv.url);
    s.connect();
    await waitForState(s, ConnectionState.CONNECTED);
    await s.joinChat('c1');
    await s.leaveChat('c1');
    srv.io.disconnectSockets(true);
    await waitFor(() => log.length === 2 && s.isReady());
    await s.ping();
    expect(log[1]).toEqual(['ping']);
  });
});
