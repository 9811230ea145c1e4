import { DEFAULT_POOL_SIZE, type OpenStorageOptions, openDatabase } from './db/open-database.js';
import { KyselyStorage } from './kysely-storage.js';

/**
 * Half the pool commits writes (one connection per lane, each busy for a batch at a time); the other half
 * serves reads meanwhile.
 */
function writeLanesFor(poolSize: number): number {
  return Math.max(1, Math.floor(poolSize / 2));
}

/** Opens the database named by `databaseUrl`, applies pending migrations and returns the storage. */
export async function openStorage(
  databaseUrl: string,
  opts: OpenStorageOptions = {},
): Promise<KyselyStorage> {
  const { db, dialect, sqlite } = openDatabase(databaseUrl, opts);
  const storage = new KyselyStorage(db, dialect, sqlite, writeLanesFor(opts.poolSize ?? DEFAULT_POOL_SIZE));
  try {
    await storage.migrate();
  } catch (error) {
    await storage.close().catch(() => {});
    throw error;
  }
  opts.logger?.info({ dialect }, 'storage ready');
  return storage;
}
