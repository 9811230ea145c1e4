import { Histogram } from '../util/histogram.js';
import { bar, fmt } from '../util/progress.js';
import { now, sleep } from '../util/stats.js';
import {
  maxOf,
  mergeCounts,
  minOf,
  type ScenarioContext,
  type ScenarioOutcome,
  sum,
  watchProgress,
} from './common.js';
import { preparePairs } from './w2-chat.js';

/**
 * W4: C clients (side b of C DM pairs) drop at once; while they are away their partners send them M
 * messages each (all stored); then all C reconnect at once with the same device id. Measured: from the
 * reconnect until every client is connected, set up, has `catch_up_complete` and holds all M messages.
 *
 * Before the drop each pair exchanges one message, received and confirmed, as in a chat in use: the device
 * has a receipt cursor, and catch-up must send exactly what came after it.
 */
export async function runStorm(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const { stormClients: clients, stormMessages: perClient } = ctx.options;
  ctx.status(`W4: preparing ${clients} pairs`);
  await preparePairs(ctx, 's', clients);

  ctx.status('W4: warm-up message per pair');
  const warm = await ctx.pool.all('stormWarmup', () => ({ timeoutMs: ctx.timeoutMs, tag: 'w4warm' }));
  const warmed = sum(warm.map((r) => r.acked));
  if (warmed < clients)
    throw new Error(`W4 warm-up: only ${warmed} of ${clients} first messages were delivered`);

  ctx.status('W4: dropping all clients');
  await ctx.pool.all('stormDisconnect', () => ({}));
  // Let the server process the disconnects before anything is sent to the absent clients.
  await sleep(Math.min(1_000, 200 + clients / 2));

  const total = clients * perClient;
  const stopSend = watchProgress(
    ctx,
    (c) => `W4: sending to the absent clients ${bar((c.acked - warmed) / total)}`,
  );
  const sent = await ctx.pool
    .all('stormSend', () => ({
      messagesPerClient: perClient,
      window: ctx.options.window,
      textBytes: ctx.options.textBytes,
      timeoutMs: ctx.timeoutMs,
      tag: 'w4',
    }))
    .finally(stopSend);
  const stored = sum(sent.map((r) => r.acked));
  if (stored < total)
    throw new Error(`W4: only ${stored} of ${total} messages to absent clients were stored`);

  const connectedBefore = ctx.pool.counters().connected;
  const stop = watchProgress(
    ctx,
    (c) =>
      `W4 storm ${bar(c.caughtUp / clients)} reconnected ${fmt(c.connected - connectedBefore)}/${fmt(clients)} caught up ${fmt(c.caughtUp)}/${fmt(clients)}`,
  );
  const end = ctx.watcher.begin();
  const startAt = now() + 300;
  const results = await ctx.pool
    .all('stormReconnect', () => ({
      startAt,
      timeoutMs: ctx.timeoutMs,
      concurrency: ctx.options.stormConcurrency,
    }))
    .finally(stop);
  const usage = end();

  const caughtUp = sum(results.map((r) => r.caughtUp));
  const done = Histogram.from(...results.map((r) => r.done));
  const errors = {};
  for (const r of results) mergeCounts(errors, r.errors);
  const allDone = caughtUp === clients;
  const seconds = (maxOf(results.map((r) => r.lastDoneAt)) - minOf(results.map((r) => r.startAt))) / 1000;
  const notes: string[] = [];
  if (!allDone)
    notes.push(`only ${caughtUp} of ${clients} clients caught up within ${ctx.timeoutMs / 1000} s`);
  return {
    metrics: {
      catchUpSeconds: allDone ? seconds : Number.NaN,
      caughtUp,
      reconnected: sum(results.map((r) => r.connected)),
      doneP50Ms: done.percentile(50),
      doneP99Ms: done.percentile(99),
      queuedMessages: sum(results.map((r) => r.queued)),
      liveMessages: sum(results.map((r) => r.live)),
    },
    missing: sum(results.map((r) => r.missing)),
    duplicates: sum(results.map((r) => r.duplicates)),
    errors,
    usage,
    notes,
  };
}
