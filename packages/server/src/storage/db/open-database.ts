import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, type LogEvent, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { SqliteExclusive } from './batched-write.js';
import type { Database } from './schema.js';
import { FastSqliteDialect } from './sqlite-dialect.js';

/** The subset of a pino logger the storage uses. */
interface StorageLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface OpenStorageOptions {
  logger?: StorageLogger | undefined;
  /** Connections in the PostgreSQL pool; default 10. Ignored for SQLite. */
  poolSize?: number | undefined;
  /**
   * SQLite's `synchronous` in WAL mode; default NORMAL. A commit is on disk before it is acknowledged
   * either way and survives the process crashing; FULL also syncs the WAL at each commit, so it survives a
   * power loss, at a measured cost (docs/performance.md). Ignored for PostgreSQL.
   */
  sqliteSynchronous?: 'NORMAL' | 'FULL' | undefined;
  /** Queries slower than this are logged as warnings; default 500 ms. */
  slowQueryMs?: number | undefined;
}

/** How long a request waits for a new PostgreSQL connection before it is refused. */
const CONNECT_TIMEOUT_MS = 3000;

export type StorageTarget = { dialect: 'postgres'; url: string } | { dialect: 'sqlite'; path: string };

/**
 * Reads a database URL: `postgres://` or `postgresql://` is PostgreSQL; anything else is a SQLite file,
 * written as a bare path, `sqlite:path`, `sqlite:///abs/path`, `file:path`, `file:///abs/path` or
 * `:memory:`.
 */
export function parseDatabaseUrl(databaseUrl: string): StorageTarget {
  const url = databaseUrl.trim();
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: 'postgres', url };
  let path = url;
  if (/^file:\/\//i.test(path)) path = fileURLToPath(path);
  else if (/^(sqlite|file):/i.test(path)) path = path.replace(/^(sqlite|file):(\/\/)?/i, '');
  if (path === '') throw new Error(`No SQLite file path in database URL "${databaseUrl}".`);
  return { dialect: 'sqlite', path };
}

export const DEFAULT_POOL_SIZE = 10;

export interface OpenedDatabase {
  db: Kysely<Database>;
  dialect: StorageTarget['dialect'];
  /** On SQLite: the connection for synchronous group commits (which Kysely's query log does not see). */
  sqlite?: SqliteExclusive;
}

/** The database named by `databaseUrl`, as Kysely, with slow and failed queries logged. */
export function openDatabase(databaseUrl: string, opts: OpenStorageOptions = {}): OpenedDatabase {
  const target = parseDatabaseUrl(databaseUrl);
  const { logger } = opts;
  const log = logger ? queryLogger(logger, opts.slowQueryMs ?? 500) : undefined;
  if (target.dialect === 'postgres') {
    const pool = new pg.Pool({
      connectionString: target.url,
      max: opts.poolSize ?? DEFAULT_POOL_SIZE,
      // While PostgreSQL is unreachable, requests are refused (UNAVAILABLE) within this, not queued.
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    // A client losing its connection emits 'error': on the pool while idle, on the client itself while
    // checked out (in a transaction, say). Either unhandled would end the process; the query that was
    // running fails on its own and reaches its caller.
    pool.on('error', (err) => logger?.debug({ err }, 'PostgreSQL idle client lost'));
    pool.on('connect', (client) => {
      client.on('error', (err) => logger?.warn({ err }, 'PostgreSQL connection lost'));
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...(log && { log }) });
    return { db, dialect: 'postgres' };
  }
  const sqlite = new FastSqliteDialect(openSqlite(target.path, opts.sqliteSynchronous ?? 'NORMAL'));
  const db = new Kysely<Database>({ dialect: sqlite, ...(log && { log }) });
  return { db, dialect: 'sqlite', sqlite };
}

/** The SQLite file with the pragmas the server runs with (exported for tests). */
export function openSqlite(path: string, synchronous: 'NORMAL' | 'FULL'): SqliteDatabase.Database {
  const memory = path === ':memory:';
  if (!memory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const database = new SqliteDatabase(path);
  try {
    if (!memory) database.pragma('journal_mode = WAL');
    database.pragma(`synchronous = ${synchronous}`);
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
  } catch (error) {
    database.close();
    throw error;
  }
  return database;
}

/** Query errors go to debug (they also reach the caller as exceptions); slow queries to warn. */
function queryLogger(logger: StorageLogger, slowQueryMs: number): (event: LogEvent) => void {
  return (event) => {
    const durationMs = Math.round(event.queryDurationMillis);
    if (event.level === 'error') {
      logger.debug({ err: event.error, sql: event.query.sql, durationMs }, 'query failed');
    } else if (durationMs >= slowQueryMs) {
      logger.warn({ sql: event.query.sql, durationMs }, 'slow query');
    }
  };
}
