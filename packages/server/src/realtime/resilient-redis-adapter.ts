import { RedisAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Namespace } from 'socket.io';

/**
 * The Redis adapter for a node that must outlive Redis. While the link is down the node is degraded:
 * broadcasts reach its own sockets only and cross-node queries (`fetchSockets`, used by presence) see this
 * node alone instead of failing. The adapter's own `publish()` calls are unawaited; their rejections are
 * handled on the client (see `guardPublish`), so none can end the process.
 */
export class ResilientRedisAdapter extends RedisAdapter {
  constructor(
    nsp: Namespace,
    pub: Redis,
    sub: Redis,
    opts: { key: string; requestsTimeout: number },
    private readonly linked: () => boolean,
  ) {
    super(nsp, pub, sub, opts);
  }

  override async serverCount(): Promise<number> {
    if (!this.linked()) return 1;
    try {
      return await super.serverCount();
    } catch {
      return 1;
    }
  }
}

/**
 * Makes every `publish()` of `client` settle without rejecting: the adapter publishes without handling
 * the promise, and an unhandled rejection ends Node. A failed publish means a broadcast did not reach
 * other nodes; `onFailure` counts it and the resync after the link returns repairs it.
 */
export function guardPublish(client: Redis, onFailure: (error: unknown) => void): void {
  const publish = client.publish.bind(client) as (
    channel: string | Buffer,
    message: string | Buffer,
  ) => Promise<number>;
  const guarded = (channel: string | Buffer, message: string | Buffer): Promise<number> =>
    publish(channel, message).catch((error: unknown) => {
      onFailure(error);
      return 0;
    });
  Object.assign(client, { publish: guarded });
}
