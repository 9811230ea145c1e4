import type { Logger } from 'pino';
import type { ChatStorage } from '../storage/chat/chat-storage.js';

const SWEEP_EVERY_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes messages older than the retention period, hourly. Deleting is idempotent, so several nodes
 * sweeping the same database do no harm. Devices that had not received deleted messages are told to
 * resync at their next catch-up (see catch-up.ts). Returns a stop function.
 */
export function startRetentionSweeper(storage: ChatStorage, retentionDays: number, log: Logger): () => void {
  if (retentionDays <= 0) return () => undefined;
  const sweep = async () => {
    const olderThan = new Date(Date.now() - retentionDays * DAY_MS);
    try {
      const { deleted } = await storage.pruneMessages(olderThan);
      if (deleted > 0)
        log.info({ deleted, olderThan: olderThan.toISOString() }, 'retention: messages deleted');
    } catch (error) {
      log.warn({ err: error }, 'retention sweep failed');
    }
  };
  const first = setTimeout(sweep, 10_000);
  const timer = setInterval(sweep, SWEEP_EVERY_MS);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
