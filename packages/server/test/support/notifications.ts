import { randomUUID } from 'node:crypto';
import type { Agent } from 'node:https';
import {
  NOTIFICATION_EVENT_NAMES,
  type NotificationEventName,
  type NotificationItem,
  type NotificationMeta,
  type NotificationsCatchUpCompletePayload,
} from '@mpi/protocol';
import { sleep, tempDir } from '@mpi/test-kit';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { io } from 'socket.io-client';
import { createServer, type MpiServer } from '../../src/app.js';
import { signToken } from '../../src/auth/tokens.js';
import { type Env, testConfig } from '../../src/config.js';
import { signatureHeaders } from '../../src/http/signature.js';
import { parseDatabaseUrl } from '../../src/storage/db/open-database.js';
import { request, TEST_JWT_SECRET, type TestClient } from './server.js';

/** Signing secrets of the notification tests: the current one and the next (rotation). */
export const SECRET = 'notify-test-secret-current-0123456789abcdef';
export const NEXT_SECRET = 'notify-test-secret-next-0123456789abcdef-xyz';

/** A clock the test moves by hand; starts at the real time so JWTs and signatures line up. */
export function manualClock(start = Date.now()) {
  let current = start;
  return {
    now: () => current,
    set(ms: number) {
      current = ms;
    },
    advance(ms: number) {
      current += ms;
    },
  };
}
export type ManualClock = ReturnType<typeof manualClock>;

export interface NotifyServerOptions {
  env?: Env;
  /** Default: a new SQLite file in a temporary directory, removed by stop(). */
  databaseUrl?: string;
  clock?: ManualClock;
  /** Trusts a local push service (support/push-service.ts) for the server's Web Push requests. */
  pushAgent?: Agent;
}

/** A real server (127.0.0.1, ephemeral port) with the ingestion API enabled and an optional manual clock. */
export async function startNotifyServer(options: NotifyServerOptions = {}) {
  const dir = options.databaseUrl ? undefined : tempDir('mpi-notify-');
  const databaseUrl = options.databaseUrl ?? dir?.file('test.sqlite') ?? '';
  const config = testConfig({
    JWT_SECRET: TEST_JWT_SECRET,
    DATABASE_URL: databaseUrl,
    NOTIFY_SIGNING_SECRETS: SECRET,
    REMINDER_POLL_MS: '60000',
    ...options.env,
  });
  const server: MpiServer = await createServer(config, {
    ...(options.clock && { now: options.clock.now }),
    ...(options.pushAgent && { pushAgent: options.pushAgent }),
  });
  const url = await server.listen();
  const clients = new Set<TestClient>();
  const now = () => (options.clock ? options.clock.now() : Date.now());

  async function connect(userId: string, deviceId = `${userId}-device`): Promise<TestClient> {
    const client: TestClient = io(url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token: (await signToken(TEST_JWT_SECRET, userId, { ttlSeconds: 3600 })).token, deviceId },
    });
    clients.add(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('connect_error', reject);
    });
    return client;
  }

  /** Connects, records notification events from the start, sends setup_user, waits for the catch-up. */
  async function online(userId: string, deviceId = `${userId}-device`) {
    const client = await connect(userId, deviceId);
    const received = recordNotifications(client);
    const queued: NotificationItem[] = [];
    client.on('queued_notifications', (batch) => queued.push(...batch));
    const complete = new Promise<NotificationsCatchUpCompletePayload>((resolve) =>
      client.once('notifications_catch_up_complete', resolve),
    );
    const ack = await request(client, 'setup_user', { userId, userInfo: {} });
    if (!ack.ok) throw new Error(ack.error.message);
    return { client, received, queued, catchUp: await complete };
  }

  /** A signed request over real HTTP. `body` objects are sent as JSON. */
  async function call(method: string, path: string, body?: unknown, opts: SignOptions = {}) {
    const raw = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string> = {
      ...(opts.unsigned
        ? {}
        : signatureHeaders(opts.secret ?? SECRET, opts.signedBody ?? raw, opts.timestampMs ?? now())),
      ...(raw !== '' && { 'content-type': 'application/json' }),
      ...(opts.deliveryId !== null && { 'x-mpi-delivery-id': opts.deliveryId ?? randomUUID() }),
      ...opts.headers,
    };
    const response = await fetch(`${url}${path}`, { method, headers, ...(raw !== '' && { body: raw }) });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text === '' ? null : (JSON.parse(text) as Record<string, unknown>),
    };
  }

  return {
    server,
    url,
    config,
    databaseUrl,
    connect,
    online,
    call,
    notify: (body: unknown, opts: SignOptions = {}) => call('POST', '/api/v1/notifications', body, opts),
    async stop({ keepData = false } = {}) {
      for (const client of clients) client.disconnect();
      clients.clear();
      await server.close();
      if (!keepData) dir?.remove();
    },
  };
}
export type NotifyServer = Awaited<ReturnType<typeof startNotifyServer>>;

export interface SignOptions {
  secret?: string;
  timestampMs?: number;
  /** null sends no delivery id; default a fresh UUID. */
  deliveryId?: string | null;
  unsigned?: boolean;
  /** Sign this text instead of the body sent (a tampered request). */
  signedBody?: string;
  headers?: Record<string, string>;
}

export interface ReceivedNotification {
  event: NotificationEventName;
  payload: unknown;
  meta: NotificationMeta;
}

/** Records every notification event a client receives, with its payload and meta. */
function recordNotifications(client: TestClient): ReceivedNotification[] {
  const seen: ReceivedNotification[] = [];
  for (const event of NOTIFICATION_EVENT_NAMES) {
    client.on(event, ((payload: unknown, meta: NotificationMeta) =>
      seen.push({ event, payload, meta })) as never);
  }
  return seen;
}

/** Gives in-flight events time to arrive before asserting that nothing (more) came. */
export const settle = (ms = 150) => sleep(ms);

/** Rows of a table, read straight from the database (SQLite file or PostgreSQL). */
export async function countRows(databaseUrl: string, table: string): Promise<number> {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.dialect === 'sqlite') {
    const db = new SqliteDatabase(target.path, { readonly: true });
    try {
      return Number((db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    const result = await client.query(`select count(*)::int as n from ${table}`);
    return Number(result.rows[0].n);
  } finally {
    await client.end();
  }
}

export const match = (id: string, startsAt: string, extra: Record<string, string> = {}) => ({
  id,
  title: `Match ${id}`,
  startsAt,
  homeTeam: 'MPI',
  awayTeam: 'Rivals',
  ...extra,
});
