import { type OpenStorageOptions, openDatabase } from './db/open-database.js';
import { KyselyStorage } from './kysely-storage.js';

/** Opens the database named by `databaseUrl`, applies pending migrations and returns the storage. */
export async function openStorage(
  databaseUrl: string,
  opts: OpenStorageOptions = {},
): Promise<KyselyStorage> {
  const { db, dialect, sqlite } = openDatabase(databaseUrl, opts);
  const storage = new KyselyStorage(db, dialect, sqlite);
  try {
    await storage.migrate();
  } catch (error) {
    await storage.close().catch(() => {});
    throw error;
  }
  opts.logger?.info({ dialect }, 'storage ready');
  return storage;
}
