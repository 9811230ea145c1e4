import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import { initialMigration } from './0001-initial.js';
import { notificationsMigration } from './0002-notifications.js';
import { filesCallsMigration } from './0008-files-calls.js';

/**
 * Schema migrations, kept in code so the server bundle needs no migration folder at run time.
 * Names sort in the order they run: add a file `NNNN-name.ts` and its `NNNN_name` entry here for every change (for example group
 * chat settings or notification tables) and never edit one that has shipped. Only the portable schema
 * builder is used, so every migration runs unchanged on SQLite and PostgreSQL.
 */
const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_initial': initialMigration,
  '0002_notifications': notificationsMigration,
  '0008_files_calls': filesCallsMigration,
};

/** Serves {@link MIGRATIONS} (or another set, in tests) to Kysely's `Migrator`. */
class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly migrations: Readonly<Record<string, Migration>> = MIGRATIONS) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    return { ...this.migrations };
  }
}

/**
 * Applies every pending migration; a no-op when the schema is current. Concurrent callers (several
 * server processes starting at once) are serialised by the Migrator's lock. Returns the names applied.
 */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new InCodeMigrationProvider() });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`Database migration ${failed ?? '(setup)'} failed: ${describe(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
