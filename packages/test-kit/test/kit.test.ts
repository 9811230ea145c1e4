import { existsSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  type Dialect,
  forEachDialect,
  freePort,
  POSTGRES_ADMIN_URL,
  postgresAvailable,
  tempDir,
  waitFor,
} from '../src/index.js';

/** Whether the database behind `url` is still there: the SQLite file's folder, or the PostgreSQL database. */
async function exists(dialect: Dialect, url: string): Promise<boolean> {
  if (dialect === 'sqlite') return existsSync(dirname(url));
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    const name = new URL(url).pathname.slice(1);
    return (await client.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('timing and ports', () => {
  it('waitFor resolves once the predicate holds and names what it waited for when it times out', async () => {
    let ready = false;
    setTimeout(() => {
      ready = true;
    }, 30);
    await waitFor(() => ready, 1000);
    await expect(waitFor(() => false, 30, 'nothing')).rejects.toThrow(/30 ms waiting for nothing/);
  });

  it('freePort gives a port nobody listens on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });
});

describe('tempDir', () => {
  let made = '';
  let madeInBeforeAll = '';
  beforeAll(() => {
    madeInBeforeAll = tempDir().path;
  });

  it('is an empty folder of its own', () => {
    const dir = tempDir('mpi-kit-');
    writeFileSync(dir.file('a.txt'), 'a');
    made = dir.path;
    expect(existsSync(dir.file('a.txt'))).toBe(true);
    expect(tempDir('mpi-kit-').path).not.toBe(dir.path);
  });

  it('made in a test, is gone after it; made in a hook, stays until the end of the file', () => {
    expect(made).not.toBe('');
    expect(existsSync(made)).toBe(false);
    expect(existsSync(madeInBeforeAll)).toBe(true);
  });

  it('goes at once with remove() or await using', async () => {
    const dir = tempDir();
    dir.remove();
    expect(existsSync(dir.path)).toBe(false);
    let path = '';
    {
      await using scoped = tempDir();
      path = scoped.path;
      expect(existsSync(path)).toBe(true);
    }
    expect(existsSync(path)).toBe(false);
  });
});

const seen: Array<{ dialect: Dialect; suite: string; fresh: string }> = [];
forEachDialect('forEachDialect on %s', (db) => {
  it('gives the suite a database of its own and fresh ones per test', async () => {
    expect(await exists(db.dialect, db.url())).toBe(true);
    if (db.dialect === 'sqlite') expect(db.dir()).toBe(dirname(db.url()));
    const fresh = await db.fresh();
    expect(fresh).not.toBe(db.url());
    expect(await exists(db.dialect, fresh)).toBe(true);
    seen.push({ dialect: db.dialect, suite: db.url(), fresh });
  });

  it('removes the fresh database after the test', async () => {
    const last = seen.at(-1);
    expect(last?.dialect).toBe(db.dialect);
    expect(await exists(db.dialect, last?.fresh ?? '')).toBe(false);
  });
});

describe('after forEachDialect', () => {
  it('ran both halves (PostgreSQL when available) and removed their databases', async () => {
    expect(seen.map((s) => s.dialect)).toEqual(postgresAvailable() ? ['sqlite', 'postgres'] : ['sqlite']);
    for (const { dialect, suite } of seen) expect(await exists(dialect, suite)).toBe(false);
  });

  it('createTestDatabase outside forEachDialect is removed after the test', async () => {
    const database = await createTestDatabase('sqlite');
    expect(database.url).toMatch(/test\.sqlite$/);
    seen.push({ dialect: 'sqlite', suite: database.url, fresh: database.url });
  });
});

afterAll(async () => {
  // The last one was made in a test: by now it is gone.
  expect(await exists('sqlite', seen.at(-1)?.suite ?? '')).toBe(false);
});
