import type { ReconnectionPolicy } from './config.js';

/**
 * Delay in ms before retry number `attempt + 1` (attempt 0 is the first retry):
 * `delay × backoff^attempt`, capped at `maxDelay`, then spread uniformly by ±`jitter` of itself and capped
 * at `maxDelay` again. With the spec's policy and no jitter: 1000, 1500, 2250, 3375, 5062.5, … 10000.
 *
 * `random` returns a number in [0, 1), like Math.random; 0.5 means "no jitter".
 */
export function reconnectDelay(
  attempt: number,
  policy: Pick<ReconnectionPolicy, 'delay' | 'backoff' | 'maxDelay' | 'jitter'>,
  random: () => number = Math.random,
): number {
  const n = Math.max(0, Math.floor(attempt));
  const maxDelay = Math.max(0, policy.maxDelay);
  const base = Math.min(Math.max(0, policy.delay) * Math.max(1, policy.backoff) ** n, maxDelay);
  const jitter = Math.min(Math.max(policy.jitter, 0), 1);
  if (jitter === 0) return base;
  const r = Math.min(Math.max(random(), 0), 1);
  const spread = base * jitter * (2 * r - 1);
  return Math.min(Math.max(base + spread, 0), maxDelay);
}

/**
 * Delay in ms of the next health check once in ERROR: `intervalMs` spread uniformly by ±`jitter` of
 * itself, so that clients that lost the same server do not all come back in the same second.
 */
export function healthCheckDelay(
  intervalMs: number,
  jitter: number,
  random: () => number = Math.random,
): number {
  const spread = Math.min(Math.max(jitter, 0), 1);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.max(0, intervalMs * (1 + spread * (2 * r - 1)));
}
