import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * State a node keeps in Redis under its lease, as a set of strings (e.g. "chat user" pairs), so that the
 * other nodes can undo it when the node dies without a word (SIGKILL, power, network).
 */
export interface LeasedState {
  /** Part of the Redis key; unique per state. */
  name: string;
  /** This node's entries now. */
  snapshot(): Iterable<string>;
  /** A dead node's entries: called on one survivor only. */
  onPeerDeath(entries: string[]): Promise<void>;
  /**
   * This node's entries, when it finds that the others took it for dead (its link to Redis was down
   * longer than the lease) and undid them.
   */
  onRevived(entries: string[]): void;
}

export interface NodeLease {
  readonly nodeId: string;
  share(state: LeasedState): void;
  close(): Promise<void>;
}

/**
 * Liveness of the nodes of a cluster, through Redis. Every `leaseMs / 5` each node renews its lease (a key
 * expiring after `leaseMs`), writes what changed in its shared states, and looks for nodes whose lease
 * expired: the first survivor to claim a dead node hands its states to their `onPeerDeath` and deletes
 * them. So a dead node's state is undone within `leaseMs` + one renewal + the handlers' work; a node that
 * joined or left less than one renewal before dying may be missed. While Redis is unreachable nothing
 * happens; the full state is written again when it returns.
 */
export function startNodeLease(
  redis: { client: Redis; keyPrefix: string } | undefined,
  leaseMs: number,
  linked: () => boolean,
  log: Logger,
): NodeLease {
  const nodeId = randomUUID();
  const states: LeasedState[] = [];
  if (!redis) {
    return { nodeId, share: (state) => void states.push(state), close: async () => undefined };
  }
  const { client, keyPrefix } = redis;
  const nodesKey = `${keyPrefix}:nodes`;
  const leaseKey = (id: string) => `${keyPrefix}:node:${id}`;
  const stateKey = (name: string, id: string) => `${keyPrefix}:node:${id}:${name}`;
  /** What Redis holds of this node's states; null after a failed write (then everything is rewritten). */
  let written: Map<string, Set<string>> | null = null;
  let running: Promise<void> | undefined;
  let closed = false;

  const renew = async () => {
    const multi = client.multi().set(leaseKey(nodeId), '1', 'PX', leaseMs).sadd(nodesKey, nodeId);
    const next = new Map<string, Set<string>>();
    for (const state of states) {
      const key = stateKey(state.name, nodeId);
      const now = new Set(state.snapshot());
      const before = written?.get(state.name);
      if (!before) multi.del(key);
      const added = [...now].filter((entry) => !before?.has(entry));
      const removed = before ? [...before].filter((entry) => !now.has(entry)) : [];
      if (added.length > 0) multi.hset(key, Object.fromEntries(added.map((entry) => [entry, '1'])));
      if (removed.length > 0) multi.hdel(key, ...removed);
      // Outlives the lease long enough to be reaped; gone by itself if the whole cluster is.
      multi.pexpire(key, leaseMs * 30);
      next.set(state.name, now);
    }
    written = null;
    await multi.exec();
    written = next;
  };

  const reap = async (id: string) => {
    const claimed = await client.set(`${keyPrefix}:reap:${id}`, nodeId, 'PX', leaseMs * 3, 'NX');
    if (claimed !== 'OK') return;
    const counts: Record<string, number> = {};
    for (const state of states) {
      const entries = await client.hkeys(stateKey(state.name, id));
      counts[state.name] = entries.length;
      await state.onPeerDeath(entries);
      await client.del(stateKey(state.name, id));
    }
    await client.srem(nodesKey, id);
    log.warn({ node: id, ...counts }, 'a node lease expired: its presence and typing were cleared');
  };

  let started = false;
  const tick = async () => {
    if (!linked()) {
      written = null;
      return;
    }
    // After an outage: had the others reaped this node meanwhile?
    const reaped = started && written === null && (await client.sismember(nodesKey, nodeId)) === 0;
    await renew();
    started = true;
    if (reaped) {
      log.warn('this node was taken for dead during the outage: announcing its presence again');
      for (const state of states) state.onRevived([...(written?.get(state.name) ?? [])]);
    }
    for (const id of await client.smembers(nodesKey)) {
      if (id !== nodeId && (await client.exists(leaseKey(id))) === 0) await reap(id);
    }
  };

  const timer = setInterval(() => {
    if (closed || running) return;
    running = tick()
      .catch((error: unknown) => {
        written = null;
        log.debug({ err: error }, 'node lease renewal failed; retrying');
      })
      .finally(() => {
        running = undefined;
      });
  }, leaseMs / 5);
  timer.unref();

  return {
    nodeId,
    share: (state) => void states.push(state),
    async close() {
      closed = true;
      clearInterval(timer);
      await running;
      // A node that shuts down said goodbye to its sockets' rooms itself: nothing is left to reap.
      if (linked()) {
        const keys = [leaseKey(nodeId), ...states.map((state) => stateKey(state.name, nodeId))];
        await client
          .multi()
          .del(...keys)
          .srem(nodesKey, nodeId)
          .exec()
          .catch(() => undefined);
      }
    },
  };
}
