import type { SyncExecutor, WriteProgram } from './write-program.js';

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
