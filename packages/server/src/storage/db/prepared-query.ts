import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Database } from './schema.js';
import type { WriteProgram } from './write-program.js';

const PLACEHOLDER = '\u0000mpi-param:';

type Slot = { name: string } | { value: unknown };

/**
 * A Kysely query built and compiled once, then run with new values. Building a query creates a dozen frozen
 * nodes and compiling walks them, which on the chat path cost more CPU than SQLite needs to run the
 * (cached) prepared statement: measured in docs/performance.md. The builder is called once with
 * placeholders for the named values; every other value (a literal 1, a constant) keeps what it was built
 * with. Only plain bound values can be parameters: nothing whose shape changes the SQL (an `in` list, an
 * optional clause) may depend on one.
 */
export class PreparedQuery<P extends Record<string, unknown>, R> {
  private readonly compiled: CompiledQuery<R>;
  private readonly slots: Slot[];

  constructor(build: (params: P) => Compilable<R>) {
    const placeholders = new Proxy({} as P, {
      get: (_target, name) => `${PLACEHOLDER}${String(name)}`,
    });
    this.compiled = build(placeholders).compile();
    this.slots = this.compiled.parameters.map((value) =>
      typeof value === 'string' && value.startsWith(PLACEHOLDER)
        ? { name: value.slice(PLACEHOLDER.length) }
        : { value },
    );
  }

  /** The statement with `params` bound. */
  bind(params: P): CompiledQuery<R> {
    const parameters = this.slots.map((slot) => ('name' in slot ? params[slot.name] : slot.value));
    return { ...this.compiled, parameters };
  }

  /** Runs the query on `db` (the database or a transaction of it) with `params` bound. */
  execute(db: Kysely<Database>, params: P): Promise<QueryResult<R>> {
    return db.executeQuery<R>(this.bind(params));
  }

  async rows(db: Kysely<Database>, params: P): Promise<R[]> {
    return (await this.execute(db, params)).rows;
  }

  async first(db: Kysely<Database>, params: P): Promise<R | undefined> {
    return (await this.execute(db, params)).rows[0];
  }

  /** As a step of a {@link WriteProgram}: `yield* query.run$(params)`. */
  *run$(params: P): WriteProgram<QueryResult<R>> {
    return (yield this.bind(params)) as QueryResult<R>;
  }

  *rows$(params: P): WriteProgram<R[]> {
    return (yield* this.run$(params)).rows;
  }

  *first$(params: P): WriteProgram<R | undefined> {
    return (yield* this.run$(params)).rows[0];
  }
}
