import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Admin connection used to create and drop throwaway databases; override with MPI_TEST_POSTGRES_URL. */
const ADMIN_URL = process.env.MPI_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestPostgresDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates a uniquely named, empty PostgreSQL database for one test run. Returns null (after a loud
 * warning) when PostgreSQL is unreachable so local runs without it still pass; on CI
 * (`CI=true`) an unreachable PostgreSQL fails the run instead of silently skipping its tests.
 */
export async function createTestPostgresDatabase(): Promise<TestPostgresDatabase | null> {
  const name = `mpi_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  try {
    await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (process.env.CI === 'true') {
      throw new Error(`PostgreSQL at ${ADMIN_URL} is required on CI but unusable: ${reason}`, {
        cause: error,
      });
    }
    console.warn(
      [
        '',
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
        `!!! PostgreSQL at ${ADMIN_URL} is unreachable or unusable (${reason}).`,
        '!!! The PostgreSQL storage tests are SKIPPED. Start PostgreSQL to run them.',
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
        '',
      ].join('\n'),
    );
    return null;
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
