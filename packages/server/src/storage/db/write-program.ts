import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Database } from './schema.js';

/**
 * A write as a sequence of statements: a generator that yields each compiled statement and gets its
 * result back. The same program runs awaited on any transaction (PostgreSQL) or synchronously inside one
 * better-sqlite3 transaction (SQLite), where a whole group commit then costs no promise per statement.
 */
export type WriteProgram<T> = Generator<CompiledQuery, T, QueryResult<unknown>>;

/** Runs SQL at once, without a promise: the SQLite connection inside its exclusive section. */
export interface SyncExecutor {
  executeSync<R>(query: CompiledQuery): QueryResult<R>;
}

/** The statement of any Kysely query builder (compiled at each call: keep these off the hot path). */
export function* statement<R>(query: Compilable<R>): WriteProgram<QueryResult<R>> {
  return (yield query.compile()) as QueryResult<R>;
}

export async function runProgram<T>(program: WriteProgram<T>, db: Kysely<Database>): Promise<T> {
  let step = program.next();
  while (!step.done) step = program.next(await db.executeQuery(step.value));
  return step.value;
}

export function runProgramSync<T>(program: WriteProgram<T>, connection: SyncExecutor): T {
  let step = program.next();
  while (!step.done) step = program.next(connection.executeSync(step.value));
  return step.value;
}
