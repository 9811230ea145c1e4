import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * What several server nodes share besides the database: Redis carries Socket.IO's broadcasts and
 * cross-node socket queries (`@socket.io/redis-adapter`) and the rate-limit counters. Without a Redis URL
 * a node runs alone.
 */
export interface ScaleOut {
  adapter: ReturnType<typeof createAdapter> | undefined;
  /** The connection the rate limiters share, with their key prefix; undefined on a single node. */
  redis: { client: Redis; keyPrefix: string } | undefined;
  /** Resolves when Redis answers (or at once without Redis). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function connectScaleOut(
  settings: { url: string | undefined; keyPrefix: string },
  log: Logger,
): Promise<ScaleOut> {
  if (!settings.url) {
    return {
      adapter: undefined,
      redis: undefined,
      ping: async () => undefined,
      close: async () => undefined,
    };
  }
  const pub = new Redis(settings.url, {
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
  const prefix = settings.keyPrefix;
  log.info({ prefix }, 'scale-out: Socket.IO Redis adapter enabled');
  return {
    adapter: createAdapter(pub, sub, { key: `${prefix}:socket.io`, requestsTimeout: 3000 }),
    redis: { client: pub, keyPrefix: prefix },
    async ping() {
      await pub.ping();
    },
    async close() {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
