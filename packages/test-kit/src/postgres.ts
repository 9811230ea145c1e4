import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The admin connection that creates and drops the throwaway databases; override with MPI_TEST_POSTGRES_URL. */
export const POSTGRES_ADMIN_URL =
  process.env.MPI_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether PostgreSQL can be used, found once per run by global-setup.ts and handed to every test file. */
export type PostgresStatus = { available: true } | { available: false; reason: string };

declare module 'vitest' {
  interface ProvidedContext {
    postgres: PostgresStatus;
  }
}

export interface PostgresDatabase {
  readonly name: string;
  readonly url: string;
  /** `DROP DATABASE … WITH (FORCE)`; only the first call does anything. */
  drop(): Promise<void>;
}

/** A new, empty, uniquely named database (`mpi_test_<pid>_<random>`); throws when PostgreSQL is unusable. */
export async function createPostgresDatabase(): Promise<PostgresDatabase> {
  const name = `mpi_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/**
 * Creates and drops a database once. When that fails the PostgreSQL halves are skipped after a loud warning,
 * so that local runs without PostgreSQL still pass; on CI (`CI=true`) it fails the run instead.
 */
export async function probePostgres(): Promise<PostgresStatus> {
  try {
    const database = await createPostgresDatabase();
    await database.drop();
    return { available: true };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (process.env.CI === 'true') {
      throw new Error(`PostgreSQL at ${POSTGRES_ADMIN_URL} is required on CI but unusable: ${reason}`, {
        cause: error,
      });
    }
    console.warn(
      [
        '',
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
        `!!! PostgreSQL at ${POSTGRES_ADMIN_URL} is unreachable or unusable (${reason}).`,
        '!!! The tests on PostgreSQL (forEachDialect, describePostgres) are SKIPPED. Start PostgreSQL to run them.',
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
        '',
      ].join('\n'),
    );
    return { available: false, reason };
  }
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
