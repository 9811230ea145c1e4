import type { BatchedWrite, LockKey } from './batched-write.js';
import { type BatchTarget, runBatch } from './run-batch.js';

export interface Pending {
  write: BatchedWrite<unknown>;
  lockKey: LockKey | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Most writes committed together; bounds the latency of the first one in a burst. */
const MAX_BATCH = 256;

/**
 * One lane of the group commit: writes submitted in one event-loop turn run in one transaction, in lock
 * order, and every caller's promise settles only after the commit. One batch runs at a time; what arrives
 * meanwhile forms the next one.
 */
export class CommitLane {
  private queue: Pending[] = [];
  private scheduled = false;
  private running: Promise<void> | null = null;

  constructor(private readonly target: BatchTarget) {}

  submit(pending: Pending): void {
    this.queue.push(pending);
    this.schedule();
  }

  /** Resolves when everything submitted so far has settled. */
  async drain(): Promise<void> {
    while (this.running || this.queue.length > 0 || this.scheduled) {
      if (this.running) await this.running;
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.running = this.flushAll().finally(() => {
        this.running = null;
        if (this.queue.length > 0) this.schedule();
      });
    });
  }

  private async flushAll(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = inLockOrder(this.queue.splice(0, MAX_BATCH));
      const outcomes = await runBatch(
        this.target,
        batch.map((item) => item.write),
      );
      batch.forEach((item, i) => {
        const outcome = outcomes[i];
        if (outcome?.ok) item.resolve(outcome.value);
        else item.reject(outcome ? outcome.error : new Error('write was not run'));
      });
    }
  }
}

function compareKeys(a: LockKey | undefined, b: LockKey | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** The batch sorted by lock key (Array#sort is stable: equal keys keep their submission order). */
function inLockOrder(batch: Pending[]): Pending[] {
  return batch.length > 1 ? batch.sort((a, b) => compareKeys(a.lockKey, b.lockKey)) : batch;
}
