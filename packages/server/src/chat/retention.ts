import type { Logger } from 'pino';
import { RetryBackoff } from '../retry-backoff.js';
import type { ChatStorage } from '../storage/chat/chat-storage.js';

const SWEEP_EVERY_MS = 60 * 60 * 1000;
const FIRST_SWEEP_MS = 10_000;
/** A failed sweep is retried after a minute, then 2, 4… up to the hourly interval. */
const RETRY_BASE_MS = 60_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes messages older than the retention period, hourly. Deleting is idempotent, so several nodes
 * sweeping the same database do no harm. Devices that had not received deleted messages are told to
 * resync at their next catch-up (see catch-up.ts). A failed sweep backs off and retries sooner than the
 * next hour. Returns a stop function.
 */
export function startRetentionSweeper(storage: ChatStorage, retentionDays: number, log: Logger): () => void {
  if (retentionDays <= 0) return () => undefined;
  const backoff = new RetryBackoff(RETRY_BASE_MS, SWEEP_EVERY_MS);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(sweep, ms);
    timer.unref();
  };
  const sweep = async () => {
    const olderThan = new Date(Date.now() - retentionDays * DAY_MS);
    try {
      const { deleted } = await storage.pruneMessages(olderThan);
      if (deleted > 0)
        log.info({ deleted, olderThan: olderThan.toISOString() }, 'retention: messages deleted');
      backoff.succeeded();
      schedule(SWEEP_EVERY_MS);
    } catch (error) {
      const retryInMs = backoff.failed();
      log.warn({ err: error, retryInMs }, 'retention sweep failed; retrying later');
      schedule(retryInMs);
    }
  };
  schedule(FIRST_SWEEP_MS);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
