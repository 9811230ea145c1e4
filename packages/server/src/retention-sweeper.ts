import type { Logger } from 'pino';
import { RetryBackoff } from './retry-backoff.js';

const SWEEP_EVERY_MS = 60 * 60 * 1000;
const FIRST_SWEEP_MS = 10_000;
/** A failed sweep is retried after a minute, then 2, 4… up to the hourly interval. */
const RETRY_BASE_MS = 60_000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetentionJob {
  /** What is deleted, for the log: `messages`, `notifications`. */
  what: string;
  /** Rows older than this many days go; 0 keeps them forever (no sweeper runs). */
  retentionDays: number;
  /** Deletes what was created before `olderThan`; must be idempotent. */
  prune(olderThan: Date): Promise<{ deleted: number }>;
  log: Logger;
}

/**
 * Deletes rows older than the retention period, hourly. Deleting is idempotent, so several nodes
 * sweeping the same database do no harm. A failed sweep backs off and retries sooner than the next hour.
 * Returns a stop function.
 */
export function startRetentionSweeper({ what, retentionDays, prune, log }: RetentionJob): () => void {
  if (retentionDays <= 0) return () => undefined;
  return startHourlySweep(what, log, async () => {
    const olderThan = new Date(Date.now() - retentionDays * DAY_MS);
    const { deleted } = await prune(olderThan);
    return { deleted, olderThan: olderThan.toISOString() };
  });
}

/**
 * Runs `sweep` hourly (the first time after a short delay), logging what it deleted; a failure backs off
 * and retries sooner than the next hour. The sweep must be idempotent. Returns a stop function.
 */
export function startHourlySweep(
  what: string,
  log: Logger,
  sweep: () => Promise<{ deleted: number } & Record<string, unknown>>,
): () => void {
  const backoff = new RetryBackoff(RETRY_BASE_MS, SWEEP_EVERY_MS);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(run, ms);
    timer.unref();
  };
  const run = async () => {
    try {
      const outcome = await sweep();
      if (outcome.deleted > 0) log.info(outcome, `retention: ${what} deleted`);
      backoff.succeeded();
      schedule(SWEEP_EVERY_MS);
    } catch (error) {
      const retryInMs = backoff.failed();
      log.warn({ err: error, retryInMs }, `retention sweep of ${what} failed; retrying later`);
      schedule(retryInMs);
    }
  };
  schedule(FIRST_SWEEP_MS);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
