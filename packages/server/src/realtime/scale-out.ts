import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { Namespace, ServerOptions } from 'socket.io';
import type { Metrics } from '../metrics.js';
import { guardPublish, ResilientRedisAdapter } from './resilient-redis-adapter.js';

/**
 * - `single`: no Redis configured, the node runs alone;
 * - `linked`: both Redis connections are up, broadcasts reach every node;
 * - `degraded`: Redis is configured but unreachable: the node stores and delivers to its own sockets, and
 *   reconnects by itself.
 */
export type ScaleOutState = 'single' | 'linked' | 'degraded';

/**
 * What several server nodes share besides the database: Redis carries Socket.IO's broadcasts and
 * cross-node socket queries (`@socket.io/redis-adapter`) and the rate-limit counters. Without a Redis URL
 * a node runs alone. No Redis failure ends the process or stops the node from serving.
 */
export interface ScaleOut {
  /** Socket.IO constructs the adapter itself (`new`), once per namespace. */
  adapter: ServerOptions['adapter'] | undefined;
  /** The connection the rate limiters share, with their key prefix; undefined on a single node. */
  redis: { client: Redis; keyPrefix: string } | undefined;
  state(): ScaleOutState;
  /**
   * Called each time the link comes back after an outage (or comes up after a start without Redis): what
   * was broadcast meanwhile reached only the sockets of the node that sent it.
   */
  onRejoin(listener: () => void): void;
  close(): Promise<void>;
}

/** Reconnection attempts every 100 ms growing to 1 s: a returning Redis is used within about a second. */
const retryStrategy = (attempt: number) => Math.min(attempt * 100, 1000);

/**
 * The publishing connection fails fast while Redis is away (no offline queue, no retries, a command
 * timeout for a link that hangs), so broadcasts and rate limits fall back at once to this node. The
 * subscriber queues its subscriptions and retries them forever, so they are (re)made whenever Redis is
 * there, and it never rejects a command.
 */
const PUB_OPTIONS: RedisOptions = {
  lazyConnect: false,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: 1000,
  connectTimeout: 2000,
  retryStrategy,
};
const SUB_OPTIONS: RedisOptions = {
  lazyConnect: false,
  enableOfflineQueue: true,
  maxRetriesPerRequest: null,
  // The adapter subscribes at once, before the connection is up; ioredis then counts the connection as a
  // subscriber, and its ready check (INFO, not a subscriber command) would fail and leave the
  // subscriptions unmade.
  enableReadyCheck: false,
  connectTimeout: 2000,
  retryStrategy,
};

export function createScaleOut(
  settings: { url: string | undefined; keyPrefix: string },
  log: Logger,
  metrics: Metrics,
): ScaleOut {
  if (!settings.url) {
    return {
      adapter: undefined,
      redis: undefined,
      state: () => 'single',
      onRejoin: () => undefined,
      close: async () => undefined,
    };
  }
  const pub = new Redis(settings.url, PUB_OPTIONS);
  const sub = new Redis(settings.url, SUB_OPTIONS);
  const listeners: Array<() => void> = [];
  const linked = () => pub.status === 'ready' && sub.status === 'ready';
  // Set while the link is (or was, at start) down; a link coming up with it set is a rejoin.
  let lostAt: number | null = null;
  let closing = false;

  const lost = (client: string, error?: unknown) => {
    if (closing) return;
    metrics.redisLinked.set(0);
    if (lostAt !== null) return log.debug({ err: error, client }, 'redis still unreachable');
    lostAt = Date.now();
    log.warn({ err: error, client }, 'redis unreachable: degraded, delivering to this node only');
  };
  const ready = () => {
    if (!linked() || closing) return;
    metrics.redisLinked.set(1);
    if (lostAt === null) return;
    log.warn({ downMs: Date.now() - lostAt }, 'redis reachable again: back in the cluster');
    lostAt = null;
    for (const listener of listeners) listener();
  };
  for (const [name, client] of [
    ['pub', pub],
    ['sub', sub],
  ] as const) {
    client.on('error', (error: Error) => lost(name, error));
    client.on('close', () => lost(name));
    client.on('ready', ready);
  }
  guardPublish(pub, (error) => {
    metrics.redisPublishFailures.inc();
    log.debug({ err: error }, 'redis publish failed: broadcast reached this node only');
  });
  const prefix = settings.keyPrefix;
  log.info({ prefix }, 'scale-out: Socket.IO Redis adapter enabled');
  const options = { key: `${prefix}:socket.io`, requestsTimeout: 3000 };
  return {
    adapter: class LinkedAdapter extends ResilientRedisAdapter {
      constructor(nsp: Namespace) {
        super(nsp, pub, sub, options, linked);
      }
    },
    redis: { client: pub, keyPrefix: prefix },
    state: () => (linked() ? 'linked' : 'degraded'),
    onRejoin: (listener) => {
      listeners.push(listener);
    },
    async close() {
      closing = true;
      await Promise.allSettled([end(pub), end(sub)]);
    },
  };
}

/** QUIT when connected (what was sent is flushed first); otherwise stop reconnecting at once. */
async function end(client: Redis): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.quit().catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, 1000);
    }),
  ]);
  clearTimeout(timer);
  client.disconnect();
}
