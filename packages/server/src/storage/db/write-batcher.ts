import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import { StorageError } from './storage-error.js';
import { runProgram, runProgramSync, type SyncExecutor, type WriteProgram } from './write-program.js';

/**
 * One write of a batch, as a program of statements. It runs inside the batch's transaction and must either
 * succeed or throw a {@link StorageError} having written nothing (or undone what it wrote), so the others
 * can still commit. Any other error aborts the whole batch, which is then retried one write per transaction.
 */
export type BatchedWrite<T> = () => WriteProgram<T>;

/** Exclusive synchronous use of the SQLite connection (`FastSqliteDialect#exclusive`). */
export interface SqliteExclusive {
  exclusive<T>(work: (connection: SyncExecutor) => T): Promise<T>;
}

/**
 * Names the rows a write locks, coarsest first (e.g. `['chat', chatId, 0, userId]`). A batch runs its
 * writes in the order of their keys, so that every node takes row locks in one global order and two
 * nodes' group commits cannot deadlock; writes with equal keys keep their submission order, writes
 * without a key run last.
 */
export type LockKey = readonly (string | number)[];

interface Pending {
  write: BatchedWrite<unknown>;
  lockKey: LockKey | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Most writes committed together; bounds the latency of the first one in a burst. */
const MAX_BATCH = 256;

/**
 * Group commit: writes submitted in one event-loop turn run in one transaction, in lock order,
 * each with its own outcome, and every caller's promise settles only after the commit. One batch runs at a
 * time; what arrives meanwhile forms the next one. BEGIN and COMMIT (and, on SQLite, the fsync-free but
 * still costly journal work) are paid once per batch instead of once per write. On SQLite a batch runs
 * synchronously, statement after statement, inside one better-sqlite3 transaction.
 */
export class WriteBatcher {
  private queue: Pending[] = [];
  private scheduled = false;
  private running: Promise<void> | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly sqlite?: SqliteExclusive,
  ) {}

  submit<T>(write: BatchedWrite<T>, lockKey?: LockKey): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ write, lockKey, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
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
      const outcomes = await this.runBatch(batch);
      batch.forEach((item, i) => {
        const outcome = outcomes[i];
        if (outcome?.ok) item.resolve(outcome.value);
        else item.reject(outcome ? outcome.error : new Error('write was not run'));
      });
    }
  }

  private async runBatch(batch: Pending[]): Promise<Outcome[]> {
    const writes = batch.map((item) => item.write);
    if (writes.length > 1) {
      try {
        return await this.together(writes);
      } catch {
        // Something unexpected (a deadlock, a constraint, a lost connection): nothing of the batch was
        // committed, so run each write alone and let the failure stay with the write that causes it.
      }
    }
    const outcomes: Outcome[] = [];
    for (const write of writes) {
      try {
        outcomes.push({ ok: true, value: await this.alone(write) });
      } catch (error) {
        outcomes.push({ ok: false, error });
      }
    }
    return outcomes;
  }

  /** All writes in one transaction, each with its outcome; throws (rolled back) on an unexpected error. */
  private together(writes: BatchedWrite<unknown>[]): Promise<Outcome[]> {
    if (this.sqlite) {
      return this.sqlite.exclusive((connection) =>
        inTransactionSync(connection, () => collect(writes, (write) => runProgramSync(write(), connection))),
      );
    }
    return this.db.transaction().execute(async (trx) => {
      const outcomes: Outcome[] = [];
      for (const write of writes) {
        try {
          outcomes.push({ ok: true, value: await runProgram(write(), trx) });
        } catch (error) {
          if (!(error instanceof StorageError)) throw error;
          outcomes.push({ ok: false, error });
        }
      }
      return outcomes;
    });
  }

  private alone(write: BatchedWrite<unknown>): Promise<unknown> {
    if (this.sqlite) {
      return this.sqlite.exclusive((connection) =>
        inTransactionSync(connection, () => runProgramSync(write(), connection)),
      );
    }
    return this.db.transaction().execute((trx) => runProgram(write(), trx));
  }
}

/** Expected refusals leave nothing behind and keep their outcome; anything else aborts the batch. */
function collect(writes: BatchedWrite<unknown>[], run: (write: BatchedWrite<unknown>) => unknown): Outcome[] {
  const outcomes: Outcome[] = [];
  for (const write of writes) {
    try {
      outcomes.push({ ok: true, value: run(write) });
    } catch (error) {
      if (!(error instanceof StorageError)) throw error;
      outcomes.push({ ok: false, error });
    }
  }
  return outcomes;
}

const BEGIN = CompiledQuery.raw('begin');
const COMMIT = CompiledQuery.raw('commit');
const ROLLBACK = CompiledQuery.raw('rollback');

function inTransactionSync<T>(connection: SyncExecutor, work: () => T): T {
  connection.executeSync(BEGIN);
  try {
    const value = work();
    connection.executeSync(COMMIT);
    return value;
  } catch (error) {
    try {
      connection.executeSync(ROLLBACK);
    } catch {
      // SQLite already rolled the transaction back itself (e.g. after SQLITE_FULL).
    }
    throw error;
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
