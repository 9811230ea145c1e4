import { CompiledQuery, type Kysely } from 'kysely';
import type { BatchedWrite, SqliteExclusive } from './batched-write.js';
import type { Database } from './schema.js';
import { StorageError } from './storage-error.js';
import { runProgram, runProgramSync, type SyncExecutor } from './write-program.js';

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Where batches commit: the database, and on SQLite its connection for synchronous transactions. */
export interface BatchTarget {
  db: Kysely<Database>;
  sqlite: SqliteExclusive | undefined;
}

/**
 * Runs the writes in one transaction, each with its own outcome. On an unexpected error (a deadlock, a
 * constraint, a lost connection) nothing of the batch was committed, so each write then runs alone and the
 * failure stays with the write that causes it.
 */
export async function runBatch(target: BatchTarget, writes: BatchedWrite<unknown>[]): Promise<Outcome[]> {
  if (writes.length > 1) {
    try {
      return await together(target, writes);
    } catch {
      // Retried one by one below.
    }
  }
  const outcomes: Outcome[] = [];
  for (const write of writes) {
    try {
      outcomes.push({ ok: true, value: await alone(target, write) });
    } catch (error) {
      outcomes.push({ ok: false, error });
    }
  }
  return outcomes;
}

/** All writes in one transaction, each with its outcome; throws (rolled back) on an unexpected error. */
function together({ db, sqlite }: BatchTarget, writes: BatchedWrite<unknown>[]): Promise<Outcome[]> {
  if (sqlite) {
    return sqlite.exclusive((connection) =>
      inTransactionSync(connection, () => collect(writes, (write) => runProgramSync(write(), connection))),
    );
  }
  return db.transaction().execute(async (trx) => {
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

function alone({ db, sqlite }: BatchTarget, write: BatchedWrite<unknown>): Promise<unknown> {
  if (sqlite) {
    return sqlite.exclusive((connection) =>
      inTransactionSync(connection, () => runProgramSync(write(), connection)),
    );
  }
  return db.transaction().execute((trx) => runProgram(write(), trx));
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
