import type BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, type DatabaseConnection, type Driver, type QueryResult, SqliteDialect } from 'kysely';
import type { SyncExecutor } from './write-program.js';

/** Distinct SQL texts kept prepared; Kysely produces a few dozen shapes, so this is never reached in practice. */
const MAX_CACHED_STATEMENTS = 500;

/**
 * The one SQLite connection, with its prepared statements kept. Kysely's own SQLite driver calls
 * `db.prepare(sql)` for every query, so SQLite parses and plans each statement again: measured at 15 % of
 * the server's CPU on the chat path (docs/performance.md). The SQL texts Kysely builds are stable (values
 * are bound parameters), so a cache by text serves almost every query.
 */
class CachedStatementConnection implements DatabaseConnection, SyncExecutor {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(private readonly db: BetterSqlite3.Database) {}

  private prepare(sql: string): BetterSqlite3.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (this.statements.size >= MAX_CACHED_STATEMENTS) this.statements.clear();
      this.statements.set(sql, statement);
    }
    return statement;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return this.executeSync(compiledQuery);
  }

  executeSync<R>(compiledQuery: CompiledQuery): QueryResult<R> {
    const statement = this.prepare(compiledQuery.sql);
    const parameters = compiledQuery.parameters as unknown[];
    if (statement.reader) return { rows: statement.all(parameters) as R[] };
    const { changes, lastInsertRowid } = statement.run(parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  // biome-ignore lint/correctness/useYield: streaming is not used; Kysely requires the method.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Streaming queries are not supported by this SQLite driver');
  }
}

/**
 * Hands the single connection to one query at a time, in arrival order. (Kysely's driver wakes every
 * waiter on each release, so a burst of N queued queries costs O(N) wake-ups per query: measured at 4–8×
 * slower per query with 20,000 in flight.)
 */
class FifoMutex {
  private locked = false;
  private readonly waiters: Array<() => void> = [];

  lock(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  unlock(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.locked = false;
  }
}

class FastSqliteDriver implements Driver {
  private readonly mutex = new FifoMutex();
  private readonly connection: CachedStatementConnection;

  constructor(private readonly db: BetterSqlite3.Database) {
    this.connection = new CachedStatementConnection(db);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.mutex.lock();
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {
    this.mutex.unlock();
  }

  /** Runs `work` on the connection once no query or transaction holds it, and nothing else meanwhile. */
  async exclusive<T>(work: (connection: SyncExecutor) => T): Promise<T> {
    await this.mutex.lock();
    try {
      return work(this.connection);
    } finally {
      this.mutex.unlock();
    }
  }

  async destroy(): Promise<void> {
    this.db.close();
  }
}

/**
 * Kysely's SQLite dialect (compiler, adapter, introspector) with the driver above, which also runs
 * synchronous work (a group commit's whole transaction) between Kysely's queries.
 */
export class FastSqliteDialect extends SqliteDialect {
  private readonly driver: FastSqliteDriver;

  constructor(db: BetterSqlite3.Database) {
    super({ database: db });
    this.driver = new FastSqliteDriver(db);
  }

  override createDriver(): Driver {
    return this.driver;
  }

  exclusive<T>(work: (connection: SyncExecutor) => T): Promise<T> {
    return this.driver.exclusive(work);
  }
}
