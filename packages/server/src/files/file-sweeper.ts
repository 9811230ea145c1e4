import type { Logger } from 'pino';
import { RetryBackoff } from '../retry-backoff.js';

const SWEEP_EVERY_MS = 60 * 60 * 1000;
const FIRST_SWEEP_MS = 30_000;
const RETRY_BASE_MS = 60_000;

/**
 * Runs the files' retention hourly (as chat/retention.ts does for messages): deleting is idempotent, so
 * several nodes sweeping one database and one FILES_DIR do no harm. Returns a stop function.
 */
export function startFileSweeper(prune: () => Promise<number>, log: Logger): () => void {
  const backoff = new RetryBackoff(RETRY_BASE_MS, SWEEP_EVERY_MS);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(sweep, ms);
    timer.unref();
  };
  const sweep = async () => {
    try {
      const deleted = await prune();
      if (deleted > 0) log.info({ deleted }, 'retention: files deleted');
      backoff.succeeded();
      schedule(SWEEP_EVERY_MS);
    } catch (error) {
      const retryInMs = backoff.failed();
      log.warn({ err: error, retryInMs }, 'file retention sweep failed; retrying later');
      schedule(retryInMs);
    }
  };
  schedule(FIRST_SWEEP_MS);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
