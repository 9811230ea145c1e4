import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientToServerEvents, ErrorCode, ServerToClientEvents } from '@mpi/protocol';
import { waitFor } from '@mpi/test-kit';
import { Server } from 'socket.io';
import { ConnectionState, type SocketService } from '../src/index.js';

type FakeIo = Server<ClientToServerEvents, ServerToClientEvents>;

export interface FakeServer {
  io: FakeIo;
  port: number;
  url: string;
  /** Every `auth.token` a handshake carried, in order. */
  tokens: string[];
  close(): Promise<void>;
}

export interface FakeServerOptions {
  port?: number;
  /** Do not answer handshakes at all (for connect timeouts). */
  hangHandshake?: boolean;
  /** Events whose ack is never sent (for ack timeouts). */
  noAck?: string[];
}

/**
 * A fake MPI server for the SDK's tests: a real Socket.IO server on 127.0.0.1 that answers `ping`,
 * `list_chats`, `get_device_keys` and `send_message` with canned acks, behind a small auth middleware: tokens starting with
 * `valid` pass, `expired…` is refused with AUTH_EXPIRED, anything else with AUTH_INVALID, none with
 * AUTH_MISSING. (`startTestServer` in packages/server/test/support starts the real server.)
 */
export async function startFakeServer(options: FakeServerOptions = {}): Promise<FakeServer> {
  const http: HttpServer = createServer();
  const io: FakeIo = new Server(http, { transports: ['websocket'] });
  const tokens: string[] = [];

  io.use((socket, next) => {
    const token: unknown = socket.handshake.auth.token;
    if (typeof token === 'string') tokens.push(token);
    if (options.hangHandshake) return;
    const refuse = (code: ErrorCode) => {
      const error = new Error(code) as Error & { data: unknown };
      error.data = { code, message: `refused: ${code}` };
      next(error);
    };
    if (typeof token !== 'string' || token === '') refuse('AUTH_MISSING');
    else if (token.startsWith('valid')) next();
    else if (token.startsWith('expired')) refuse('AUTH_EXPIRED');
    else refuse('AUTH_INVALID');
  });

  const noAck = new Set(options.noAck ?? []);
  io.on('connection', (socket) => {
    socket.on('ping', (_payload, ack) => {
      if (!noAck.has('ping')) ack({ ok: true, serverTime: Date.now() });
    });
    socket.on('list_chats', (_payload, ack) => {
      if (!noAck.has('list_chats')) ack({ ok: true, chats: [], profiles: [], presence: [] });
    });
    // Every chat of the fake server is plain: the SDK asks before its first send to a chat it was not told of.
    socket.on('get_device_keys', (_payload, ack) => ack({ ok: true, encrypted: false, devices: [] }));
    socket.on('send_message', (payload, ack) => {
      ack({
        ok: true,
        duplicate: false,
        message: {
          id: `m-${payload.clientMessageId}`,
          clientMessageId: payload.clientMessageId,
          chatId: payload.chatId,
          senderId: 'u1',
          text: payload.text ?? '',
          createdAt: new Date().toISOString(),
          seq: 1,
        },
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  let closed = false;
  return {
    io,
    port,
    url: `http://127.0.0.1:${port}`,
    tokens,
    async close() {
      if (closed) return;
      closed = true;
      const done = io.close();
      http.closeAllConnections();
      await done;
    },
  };
}

export function waitForState(
  service: SocketService,
  state: ConnectionState,
  timeoutMs = 3000,
): Promise<void> {
  return waitFor(() => service.getState() === state, timeoutMs, `state ${state}`);
}

/** Records every state the service enters, from `connection_state_changed`. */
export function recordStates(service: SocketService): ConnectionState[] {
  const states: ConnectionState[] = [];
  service.on('connection_state_changed', ({ state }) => states.push(state));
  return states;
}

export { ConnectionState };
