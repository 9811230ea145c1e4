import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Config } from '../config.js';

/**
 * What several server nodes share besides the database: Redis carries Socket.IO's broadcasts and
 * cross-node socket queries (`@socket.io/redis-adapter`) and the rate-limit counters. Without REDIS_URL a
 * node runs alone with in-memory equivalents.
 */
/** Receipts, typing and pings may come this many times as often as other events. */
export const SIGNAL_BUDGET_FACTOR = 4;

export interface ScaleOut {
  adapter: ReturnType<typeof createAdapter> | undefined;
  rateLimiters: { actions: RateLimiterAbstract; signals: RateLimiterAbstract };
  /** Resolves when Redis answers (or at once without Redis). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function connectScaleOut(config: Config, log: Logger): Promise<ScaleOut> {
  const { events, windowSeconds: duration } = config.rateLimit;
  const budgets = { actions: events, signals: events * SIGNAL_BUDGET_FACTOR };
  const memory = {
    actions: new RateLimiterMemory({ points: budgets.actions, duration }),
    signals: new RateLimiterMemory({ points: budgets.signals, duration }),
  };
  if (!config.redis.url) {
    return {
      adapter: undefined,
      rateLimiters: memory,
      ping: async () => undefined,
      close: async () => undefined,
    };
  }

  const pub = new Redis(config.redis.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
  });
  const sub = pub.duplicate();
  for (const [name, client] of [
    ['pub', pub],
    ['sub', sub],
  ] as const) {
    client.on('error', (error: Error) => log.warn({ err: error, client: name }, 'redis connection error'));
  }
  await Promise.all([pub.connect(), sub.connect()]);
  const prefix = config.redis.keyPrefix;
  const sharedLimiter = (kind: 'actions' | 'signals') =>
    new RateLimiterRedis({
      storeClient: pub,
      keyPrefix: `${prefix}:ratelimit:${kind}`,
      points: budgets[kind],
      duration,
      // While Redis is unreachable each node limits on its own rather than failing every event.
      insuranceLimiter: memory[kind],
    });
  log.info({ prefix }, 'scale-out: Socket.IO Redis adapter enabled');

  return {
    adapter: createAdapter(pub, sub, { key: `${prefix}:socket.io`, requestsTimeout: 3000 }),
    rateLimiters: {
      actions: sharedLimiter('actions'),
      signals: sharedLimiter('signals'),
    },
    async ping() {
      await pub.ping();
    },
    async close() {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
