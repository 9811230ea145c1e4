import type { BenchOptions } from '../config.js';
import { type GeneratorPool, split } from '../generator/pool.js';
import type { ClientSpec, Counters, ErrorCounts } from '../generator/protocol.js';
import type { RunningTarget, TargetKind } from '../targets/targets.js';
import type { ProcUsage, ProcWatcher } from '../util/proc.js';
import { signAll } from '../util/tokens.js';

export interface ScenarioContext {
  options: BenchOptions;
  kind: TargetKind;
  target: RunningTarget;
  pool: GeneratorPool;
  watcher: ProcWatcher;
  /** Shows a status line (prefixed with the run's label). */
  status: (text: string) => void;
  /** A prefix that makes this run's user ids unique. */
  runId: string;
  sign: (userId: string) => Promise<string>;
  timeoutMs: number;
}

export interface ScenarioOutcome {
  metrics: Record<string, number>;
  missing: number;
  duplicates: number;
  errors: ErrorCounts;
  /** CPU and memory over the measured phase: `server`, `server2`…, `gen0`, `gen1`… */
  usage: Record<string, ProcUsage>;
  notes: string[];
}

/** Thrown when a target cannot run a workload (e.g. an API that does not exist yet): reported, not failed. */
export class Skip extends Error {}

export async function clientSpecs(
  ctx: ScenarioContext,
  prefix: string,
  count: number,
  urlFor: (index: number) => string = (i) => ctx.target.urls[i % ctx.target.urls.length] as string,
): Promise<ClientSpec[]> {
  const userIds = Array.from({ length: count }, (_, i) => `${ctx.runId}.${prefix}${i}`);
  const tokens = await signAll(ctx.sign, userIds);
  return userIds.map((userId, i) => ({
    userId,
    deviceId: `${userId}.dev`,
    token: tokens.get(userId) as string,
    url: urlFor(i),
  }));
}

/** Polls the generators' counters every 250 ms and renders a status line until stopped. */
export function watchProgress(
  ctx: ScenarioContext,
  render: (counters: Counters, perSecond: (key: keyof Counters) => number) => string,
): () => void {
  let previous = ctx.pool.counters();
  let previousAt = performance.now();
  let rates: Partial<Record<keyof Counters, number>> = {};
  const timer = setInterval(() => {
    const counters = ctx.pool.counters();
    const at = performance.now();
    const seconds = (at - previousAt) / 1000;
    if (seconds >= 0.9) {
      rates = {};
      for (const key of Object.keys(counters) as Array<keyof Counters>) {
        rates[key] = (counters[key] - previous[key]) / seconds;
      }
      previous = counters;
      previousAt = at;
    }
    ctx.status(render(counters, (key) => rates[key] ?? 0));
  }, 250);
  return () => clearInterval(timer);
}

export function usageNames(ctx: ScenarioContext): void {
  ctx.target.pids.forEach((pid, i) => {
    ctx.watcher.watch(i === 0 ? 'server' : `server${i + 1}`, pid);
  });
  ctx.pool.pids.forEach((pid, i) => {
    ctx.watcher.watch(`gen${i}`, pid);
  });
}

export function mergeCounts(into: ErrorCounts, from: ErrorCounts): ErrorCounts {
  for (const [code, n] of Object.entries(from)) into[code] = (into[code] ?? 0) + n;
  return into;
}

/** CPU seconds of the server's processes (every node) in a measured phase. */
export function serverCpuSeconds(usage: Record<string, { cpuSeconds: number }>): number {
  return Object.entries(usage)
    .filter(([name]) => name.startsWith('server'))
    .reduce((a, [, u]) => a + u.cpuSeconds, 0);
}

export const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
export const minOf = (values: number[]) => Math.min(...values.filter(Number.isFinite));
export const maxOf = (values: number[]) => Math.max(...values.filter(Number.isFinite));

export function perGenerator<T>(ctx: ScenarioContext, items: readonly T[]): T[][] {
  return split(items, ctx.pool.size);
}

/** Makes sure no generator holds more sockets than one process comfortably can. */
export const MAX_SOCKETS_PER_GENERATOR = 8_000;
