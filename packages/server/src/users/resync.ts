import type { CatchUp, Feature, ServerContext } from '../server-context.js';
import { runCatchUps } from './setup-user.js';

/**
 * After a rejoin, wait this long before catching up again: the subscriber has remade its subscriptions by
 * then, and the rejoins of the other nodes (each asking every node) fall into one run.
 */
const SETTLE_MS = 1000;
/** Sockets caught up at a time, so that a resync of thousands does not hold every pooled connection. */
const CONCURRENCY = 50;

export interface ClusterLink {
  onRejoin(listener: () => void): void;
}

/**
 * Repairs what an outage of the link between nodes (Redis) lost: while it was down, each node delivered
 * broadcasts to its own sockets only. When a node's link returns, it asks every node (`resync`, through the
 * adapter) to run the catch-ups of all its set-up sockets again, as after a reconnect: every message and
 * notification a device has not confirmed comes from the database, and the SDK, which dedupes by id and
 * moves its cursors only forward, takes it like any catch-up. The client needs to do nothing.
 */
export function startResync(ctx: ServerContext, catchUps: readonly CatchUp[], link: ClusterLink): Feature {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const resyncAll = async () => {
    const sockets = [...ctx.io.sockets.sockets.values()].filter((socket) => socket.data.setUp);
    ctx.log.info(
      { sockets: sockets.length },
      'resync: catching connected devices up after the cluster link returned',
    );
    for (let i = 0; i < sockets.length && !closed; i += CONCURRENCY) {
      const chunk = sockets.slice(i, i + CONCURRENCY).filter((socket) => socket.connected);
      await Promise.all(chunk.map((socket) => runCatchUps(ctx, socket, catchUps)));
      ctx.metrics.resyncs.inc(chunk.length);
    }
  };
  const run = () => {
    timer = undefined;
    running = resyncAll().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        request();
      }
    });
  };
  const request = () => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    if (timer) return;
    timer = setTimeout(run, SETTLE_MS);
    timer.unref();
  };

  link.onRejoin(() => {
    ctx.io.serverSideEmit('resync');
    request();
  });
  ctx.io.on('resync', request);
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      await running;
    },
  };
}
