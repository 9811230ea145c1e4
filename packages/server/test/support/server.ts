import { Writable } from 'node:stream';
import type {
  AckedClientEvent,
  AckOf,
  ClientEventPayload,
  ClientToServerEvents,
  ServerToClientEvents,
} from '@mpi/protocol';
import { tempDir } from '@mpi/test-kit';
import pino, { type Logger } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { type CreateServerOptions, createServer, type MpiServer } from '../../src/app.js';
import { signToken } from '../../src/auth/tokens.js';
import { type Env, testConfig } from '../../src/config.js';

export const TEST_JWT_SECRET = 'test-secret-0123456789abcdef';

export type TestClient = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Starts the real server, in this process, on an ephemeral port of 127.0.0.1 with its own SQLite file (or
 * the given DATABASE_URL). `stop()` closes the server and every client made through `connect()`.
 * (The SDK's tests use a fake server instead: `startFakeServer` in packages/client/test/helpers.ts.)
 */
export async function startTestServer(env: Env = {}, options: CreateServerOptions = {}) {
  const dir = tempDir();
  const config = testConfig({
    JWT_SECRET: TEST_JWT_SECRET,
    DATABASE_URL: dir.file('test.sqlite'),
    ...env,
  });
  const server: MpiServer = await createServer(config, options);
  const url = await server.listen();
  const clients = new Set<TestClient>();

  const token = async (userId: string, ttlSeconds = 3600) =>
    (await signToken(TEST_JWT_SECRET, userId, { ttlSeconds })).token;

  /** A raw Socket.IO client; resolves once connected (or rejects with the connect_error). */
  async function connect(
    userId: string,
    options: { deviceId?: string; token?: string } = {},
  ): Promise<TestClient> {
    const client: TestClient = io(url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: {
        token: options.token ?? (await token(userId)),
        deviceId: options.deviceId ?? `${userId}-device`,
      },
      query: { client: 'test', version: '1.0.0' },
    });
    clients.add(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('connect_error', reject);
    });
    return client;
  }

  return {
    server,
    url,
    config,
    token,
    connect,
    dir: dir.path,
    /** `keepData` leaves the data folder for now; the kit removes it after the test (or the file). */
    async stop({ keepData = false } = {}) {
      for (const client of clients) client.disconnect();
      clients.clear();
      await server.close();
      if (!keepData) dir.remove();
    },
  };
}

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

/** Resolves with the next payload of `event`, or rejects after `timeoutMs`. */
export function nextEvent<E extends keyof ServerToClientEvents>(
  client: TestClient,
  event: E,
  timeoutMs = 5000,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(event, handler as never);
      reject(new Error(`timed out waiting for ${event}`));
    }, timeoutMs);
    const handler = (payload: Parameters<ServerToClientEvents[E]>[0]) => {
      clearTimeout(timer);
      resolve(payload);
    };
    client.once(event, handler as never);
  });
}

/** Collects every payload of `event` until the returned list is read. */
export function collect<E extends keyof ServerToClientEvents>(
  client: TestClient,
  event: E,
): Array<Parameters<ServerToClientEvents[E]>[0]> {
  const seen: Array<Parameters<ServerToClientEvents[E]>[0]> = [];
  client.on(event, ((payload: Parameters<ServerToClientEvents[E]>[0]) => seen.push(payload)) as never);
  return seen;
}

/**
 * Emits an acked event and resolves with the server's typed acknowledgement. (Socket.IO's own typing of
 * `timeout().emitWithAck()` loses the ack type, hence this wrapper.)
 */
export function request<E extends AckedClientEvent>(
  client: TestClient,
  event: E,
  payload: ClientEventPayload<E>,
  timeoutMs = 3000,
): Promise<AckOf<E>> {
  const emit = client.timeout(timeoutMs).emitWithAck as (
    event: string,
    payload: unknown,
  ) => Promise<AckOf<E>>;
  return emit.call(client.timeout(timeoutMs), event, payload);
}

/**
 * One handshake with this `auth.token` (any value) and optional Origin header, closed at once; resolves
 * with "connected" or the connect_error's code.
 */
export function handshakeOutcome(url: string, token: unknown, origin?: string): Promise<string> {
  return new Promise((resolve) => {
    const client = io(url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token },
      ...(origin ? { extraHeaders: { origin } } : {}),
    });
    const done = (outcome: string) => {
      client.disconnect();
      resolve(outcome);
    };
    client.once('connect', () => done('connected'));
    client.once('connect_error', (error: Error & { data?: { code: string } }) =>
      done(error.data?.code ?? error.message),
    );
  });
}

/** A logger at every level (`trace`) whose lines are kept in `lines`: to search what the server logs. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'trace' }, sink), lines };
}
