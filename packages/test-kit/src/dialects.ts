import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { disposeAfter } from './cleanup.js';
import { createPostgresDatabase, POSTGRES_ADMIN_URL } from './postgres.js';
import { tempDir } from './temp-dir.js';

export type Dialect = 'sqlite' | 'postgres';

export const DIALECT_LABELS = { sqlite: 'SQLite', postgres: 'PostgreSQL' } as const;

/** A database of its own: a SQLite file in a temporary folder, or a PostgreSQL database made for it. */
export interface TestDatabase extends AsyncDisposable {
  readonly dialect: Dialect;
  /** What `DATABASE_URL` and `openStorage` take: the file's path, or `postgres://…/mpi_test_…`. */
  readonly url: string;
  /** Deletes the folder or drops the database (again: nothing). */
  remove(): Promise<void>;
}

/** Whether PostgreSQL is usable in this run (found once by global-setup.ts). */
export function postgresAvailable(): boolean {
  const status = inject('postgres');
  if (status === undefined) {
    throw new Error("@mpi/test-kit/global-setup is missing from vitest.config.ts's globalSetup");
  }
  return status.available;
}

/**
 * A new, empty database of `dialect`, removed after the current test when made in one, else after the test
 * file; sooner with `remove()` or `await using`.
 */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = tempDir('mpi-sqlite-');
    const remove = async () => dir.remove();
    return { dialect, url: dir.file('test.sqlite'), remove, [Symbol.asyncDispose]: remove };
  }
  if (!postgresAvailable()) throw new Error(`PostgreSQL at ${POSTGRES_ADMIN_URL} is unavailable in this run`);
  const database = await createPostgresDatabase();
  const remove = () => database.drop();
  disposeAfter(remove);
  return { dialect, url: database.url, remove, [Symbol.asyncDispose]: remove };
}

interface SuiteDatabase {
  /** The suite's database, made before the suite's own hooks run and removed after them. */
  url(): string;
  /** One more new, empty database of the same dialect, removed after the current test. */
  fresh(): Promise<string>;
}

export interface SqliteSuite extends SuiteDatabase {
  readonly dialect: 'sqlite';
  readonly label: 'SQLite';
  /** The temporary folder that holds the suite's database file, for more files next to it. */
  dir(): string;
}

export interface PostgresSuite extends SuiteDatabase {
  readonly dialect: 'postgres';
  readonly label: 'PostgreSQL';
}

export type DialectSuite = SqliteSuite | PostgresSuite;

/**
 * Defines the suite `define` twice, as `describe(title)` on SQLite and on PostgreSQL, `%s` in the title
 * naming the dialect. Each half has a database of its own (`db.url()`). Without PostgreSQL its half is
 * skipped (global-setup.ts warned at the start of the run; under `CI=true` the run failed instead).
 */
export function forEachDialect(title: string, define: (db: DialectSuite) => void): void {
  describeOn('sqlite', title, false, (database) =>
    define({ dialect: 'sqlite', label: 'SQLite', ...database, dir: () => dirname(database.url()) }),
  );
  describePostgres(title, define);
}

/**
 * The PostgreSQL half of `forEachDialect` alone, for suites about PostgreSQL (several nodes on one
 * database); `{ skip: true }` skips it for another reason too (as Vitest's `describe(title, options, fn)`).
 */
export function describePostgres(
  title: string,
  ...args: [define: PostgresDefine] | [options: { skip?: boolean }, define: PostgresDefine]
): void {
  const [options, define]: [{ skip?: boolean }, PostgresDefine] = args.length === 1 ? [{}, args[0]] : args;
  describeOn('postgres', title, options.skip === true, (database) =>
    define({ dialect: 'postgres', label: 'PostgreSQL', ...database }),
  );
}

type PostgresDefine = (db: PostgresSuite) => void;

function describeOn(
  dialect: Dialect,
  title: string,
  skip: boolean,
  define: (database: SuiteDatabase) => void,
): void {
  if (!title.includes('%s')) throw new Error(`"${title}": put %s where the dialect's name goes`);
  const unavailable = dialect === 'postgres' && !postgresAvailable();
  describe.skipIf(skip || unavailable)(title.replaceAll('%s', DIALECT_LABELS[dialect]), () => {
    let database: TestDatabase | undefined;
    beforeAll(async () => {
      database = await createTestDatabase(dialect);
    });
    afterAll(async () => {
      await database?.remove();
    });
    define({
      url() {
        if (!database) throw new Error('url() is known in hooks and tests, not while the suite is defined');
        return database.url;
      },
      fresh: async () => (await createTestDatabase(dialect)).url,
    });
  });
}
