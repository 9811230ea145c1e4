import type { Logger } from 'pino';
import { RetryBackoff } from '../retry-backoff.js';
import type { Storage } from '../storage/storage.js';
import type { NotificationService } from './service.js';

/** Delivery ids are remembered this long: a sender's retries within it are answered, not repeated. */
const DELIVERY_ID_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const PRUNE_EVERY_MS = 60 * 60 * 1000;
/** After failed passes, polls are skipped for a poll interval, doubling up to this. */
const MAX_BACKOFF_MS = 60_000;

export interface ReminderLoop {
  /** Fires what is due now; overlapping calls share one run. Resolves with the number fired. */
  runOnce(): Promise<number>;
  /** Stops polling and waits for a running pass. */
  stop(): Promise<void>;
}

/**
 * Polls for due reminders every `pollMs` on every node, starting at once (so reminders that fell due
 * while no server ran fire at start). Claims in the database make each reminder fire on one node only.
 * Also forgets old delivery ids, hourly. While storage fails, polling backs off (see {@link RetryBackoff}).
 */
export function startReminderLoop(deps: {
  service: NotificationService;
  storage: Storage;
  log: Logger;
  now: () => number;
  pollMs: number;
}): ReminderLoop {
  const { service, storage, log } = deps;
  let running: Promise<number> | undefined;
  let stopped = false;
  let lastPrune = 0;
  const backoff = new RetryBackoff(deps.pollMs, Math.max(deps.pollMs, MAX_BACKOFF_MS));

  const pass = async (): Promise<number> => {
    const fired = await service.fireDueReminders();
    if (fired > 0) log.info({ fired }, 'reminders fired');
    const now = deps.now();
    if (now - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = now;
      const pruned = await storage.notifications.pruneDeliveries(new Date(now - DELIVERY_ID_RETENTION_MS));
      if (pruned > 0) log.info({ pruned }, 'old delivery ids forgotten');
    }
    return fired;
  };

  const runOnce = (): Promise<number> => {
    if (stopped) return Promise.resolve(0);
    running ??= pass()
      .then((fired) => {
        const failures = backoff.succeeded();
        if (failures > 0) log.info({ failures }, 'reminder passes work again');
        return fired;
      })
      .catch((error: unknown) => {
        const retryInMs = backoff.failed();
        if (backoff.failures === 1) log.warn({ err: error, retryInMs }, 'reminder pass failed; backing off');
        else log.debug({ err: error, retryInMs }, 'reminder pass failed again');
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const timer = setInterval(() => {
    if (backoff.due) void runOnce();
  }, deps.pollMs);
  timer.unref();
  const first = setImmediate(runOnce);

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearImmediate(first);
      await running;
    },
  };
}
