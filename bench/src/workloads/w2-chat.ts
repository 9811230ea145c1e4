import type { ChatRunResult, PairSpec } from '../generator/protocol.js';
import { Histogram } from '../util/histogram.js';
import { bar, fmt } from '../util/progress.js';
import { now } from '../util/stats.js';
import {
  clientSpecs,
  maxOf,
  mergeCounts,
  minOf,
  perGenerator,
  type ScenarioContext,
  type ScenarioOutcome,
  serverCpuSeconds,
  sum,
  watchProgress,
} from './common.js';

/** Connects P pairs (both sides set up) and opens their DMs. Side a and b go to different nodes. */
export async function preparePairs(ctx: ScenarioContext, prefix: string, pairs: number): Promise<PairSpec[]> {
  const nodes = ctx.target.urls.length;
  const specs = await clientSpecs(ctx, prefix, pairs * 2, (i) => ctx.target.urls[(i % 2) % nodes] as string);
  const pairSpecs: PairSpec[] = Array.from({ length: pairs }, (_, index) => ({
    index,
    a: specs[index * 2] as PairSpec['a'],
    b: specs[index * 2 + 1] as PairSpec['b'],
  }));
  const parts = perGenerator(ctx, pairSpecs);
  const stop = watchProgress(
    ctx,
    (c) => `connecting pairs ${fmt(c.connected)}/${fmt(pairs * 2)} failed ${fmt(c.failed)}`,
  );
  const results = await ctx.pool
    .all('chatPrepare', (i) => ({
      pairs: parts[i] ?? [],
      concurrency: ctx.options.connectConcurrency,
      timeoutMs: ctx.timeoutMs,
    }))
    .finally(stop);
  const ready = sum(results.map((r) => r.ready));
  if (ready < pairs) {
    const errors = {};
    for (const r of results) mergeCounts(errors, r.errors);
    throw new Error(`only ${ready} of ${pairs} pairs could be set up: ${JSON.stringify(errors)}`);
  }
  return pairSpecs;
}

/** Merges the generators' results of one chat run into the W2 metrics. */
export function chatMetrics(results: ChatRunResult[]) {
  const firstSend = minOf(results.map((r) => r.firstSendAt));
  const lastSend = maxOf(results.map((r) => r.lastSendAt));
  const lastRecv = maxOf(results.map((r) => r.lastRecvAt));
  const lastDelivered = maxOf(results.map((r) => r.lastDeliveredAt));
  const sent = sum(results.map((r) => r.sent));
  const received = sum(results.map((r) => r.received));
  const delivered = sum(results.map((r) => r.delivered));
  const recv = Histogram.from(...results.map((r) => r.recvLatency));
  const deliv = Histogram.from(...results.map((r) => r.deliveredLatency));
  const ack = Histogram.from(...results.map((r) => r.ackLatency));
  const errors = {};
  for (const r of results) mergeCounts(errors, r.errors);
  const missingReceived = sum(results.map((r) => r.missingReceived));
  const missingDelivered = sum(results.map((r) => r.missingDelivered));
  // Sent but never acknowledged: the server neither stored nor refused it within the time limit.
  const unacked = sent - sum(results.map((r) => r.acked));
  return {
    metrics: {
      serverCpuUsPerMsg: Number.NaN,
      msgPerSec: received / ((lastRecv - firstSend) / 1000),
      deliveredPerSec: delivered > 0 ? delivered / ((lastDelivered - firstSend) / 1000) : Number.NaN,
      offeredPerSec: sent / ((lastSend - firstSend) / 1000),
      sent,
      received,
      delivered,
      recvP50Ms: recv.percentile(50),
      recvP99Ms: recv.percentile(99),
      recvMaxMs: recv.max,
      deliveredP50Ms: deliv.percentile(50),
      deliveredP99Ms: deliv.percentile(99),
      deliveredMaxMs: deliv.max,
      ackP50Ms: ack.percentile(50),
      ackP99Ms: ack.percentile(99),
      missingReceived,
      missingDelivered,
      unacked,
    },
    missing: missingReceived + missingDelivered + unacked,
    duplicates: sum(results.map((r) => r.duplicates + r.deliveredDuplicates + r.unknown)),
    errors,
    timedOut: results.some((r) => r.timedOut),
  };
}

/**
 * W2: P DM pairs, each side sends M messages through the full path (store, relay, receipt, delivered).
 * Paced: open loop at a fixed total rate. Saturating: closed loop, `window` unacknowledged sends per client.
 */
export async function runChat(ctx: ScenarioContext, mode: 'paced' | 'saturate'): Promise<ScenarioOutcome> {
  const { pairs, messages } = ctx.options;
  ctx.status(`W2 ${mode}: preparing ${pairs} pairs`);
  await preparePairs(ctx, 'p', pairs);
  const total = pairs * 2 * messages;
  const stop = watchProgress(
    ctx,
    (c, rate) =>
      `W2 ${mode} ${bar(c.delivered / total)} sent ${fmt(c.sent)} recv ${fmt(c.received)} deliv ${fmt(c.delivered)}/${fmt(total)} · ${fmt(rate('received'))} msg/s`,
  );
  const end = ctx.watcher.begin();
  const startAt = now() + 300;
  const results = await ctx.pool
    .all('chatRun', () => ({
      mode,
      rate: ctx.options.rate / ctx.pool.size,
      window: ctx.options.window,
      messagesPerSide: messages,
      durationMs: 0,
      textBytes: ctx.options.textBytes,
      startAt,
      drainTimeoutMs: ctx.timeoutMs,
      maxRunMs: ctx.timeoutMs * 2,
      tag: 'w2',
      expectDelivered: ctx.kind !== 'relay',
    }))
    .finally(stop);
  const usage = end();
  const merged = chatMetrics(results);
  // CPU per message barely depends on what else the machine does, unlike throughput.
  merged.metrics.serverCpuUsPerMsg = (serverCpuSeconds(usage) * 1e6) / Math.max(1, merged.metrics.received);
  const notes: string[] = [];
  if (merged.timedOut) notes.push(`the run hit its time limit (${ctx.timeoutMs / 1000} s)`);
  if (mode === 'paced' && merged.metrics.offeredPerSec < ctx.options.rate * 0.95) {
    notes.push(
      `offered only ${fmt(merged.metrics.offeredPerSec)} of ${fmt(ctx.options.rate)} msg/s: the generators could not keep the pace`,
    );
  }
  return {
    metrics: merged.metrics,
    missing: merged.missing,
    duplicates: merged.duplicates,
    errors: merged.errors,
    usage,
    notes,
  };
}
