import { Histogram } from '../util/histogram.js';
import { fmt } from '../util/progress.js';
import { sleep } from '../util/stats.js';
import {
  clientSpecs,
  maxOf,
  mergeCounts,
  minOf,
  perGenerator,
  type ScenarioContext,
  type ScenarioOutcome,
  sum,
  watchProgress,
} from './common.js';

/**
 * W1: open N authenticated connections, each followed by `setup_user`, with a bounded number of handshakes
 * in flight per generator. Connections/s over the whole batch, and the server's RSS growth per connection
 * (RSS once they are all open and settled, minus RSS before the first one).
 */
export async function runConnections(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const n = ctx.options.connections;
  ctx.status('W1: signing tokens');
  const specs = await clientSpecs(ctx, 'c', n);
  const parts = perGenerator(ctx, specs);
  // Let the freshly started process settle (lazy compilation, first GCs) before the baseline reading.
  const settleMs = Math.min(1_500, Math.max(200, n * 0.3));
  await sleep(settleMs);
  const rssBefore = ctx.watcher.rssBytes('server');
  const stop = watchProgress(
    ctx,
    (c, rate) =>
      `W1 connecting ${fmt(c.connected)}/${fmt(n)} (${fmt(rate('connected'))}/s) failed ${fmt(c.failed)}`,
  );
  const end = ctx.watcher.begin();
  const results = await ctx.pool
    .all('connect', (i) => ({
      clients: parts[i] ?? [],
      concurrency: ctx.options.connectConcurrency,
      timeoutMs: ctx.timeoutMs,
    }))
    .finally(stop);
  const usage = end();
  ctx.status('W1: all open, letting the server settle');
  await sleep(settleMs);
  const rssAfter = ctx.watcher.rssBytes('server');

  const connected = sum(results.map((r) => r.connected));
  const failed = sum(results.map((r) => r.failed));
  const seconds =
    (maxOf(results.map((r) => r.lastDoneAt)) - minOf(results.map((r) => r.firstStartAt))) / 1000;
  const latency = Histogram.from(...results.map((r) => r.latency));
  const errors = {};
  for (const r of results) mergeCounts(errors, r.errors);
  return {
    metrics: {
      connPerSec: connected / seconds,
      rssPerConnKiB: (rssAfter - rssBefore) / Math.max(1, connected) / 1024,
      serverCpuUsPerConn: ((usage.server?.cpuSeconds ?? Number.NaN) * 1e6) / Math.max(1, connected),
      connected,
      failed,
      connectP50Ms: latency.percentile(50),
      connectP99Ms: latency.percentile(99),
      serverRssBeforeMiB: rssBefore / 1024 / 1024,
      serverRssAfterMiB: rssAfter / 1024 / 1024,
    },
    missing: n - connected,
    duplicates: 0,
    errors,
    usage,
    notes: failed > 0 ? [`${failed} of ${n} connections failed`] : [],
  };
}
