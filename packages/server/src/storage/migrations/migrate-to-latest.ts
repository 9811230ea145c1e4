import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import { initialMigration } from './0001-initial.js';
import { notificationsMigration } from './0002-notifications.js';
import { messageActionsMigration } from './0003-message-actions.js';
import { e2eMigration } from './0004-e2e.js';
import { erasuresMigration } from './0005-erasures.js';
import { pushSubscriptionsMigration } from './0006-push-subscriptions.js';
import { peopleMigration } from './0007-people.js';
import { filesCallsMigration } from './0008-files-calls.js';

/**
 * Schema migrations, kept in code so the server bundle needs no migration folder at run time.
 * Names sort in the order they run: add a file `NNNN-name.ts` and its `NNNN_name` entry here for every change (for example group
 * chat settings or notification tables) and never edit one that has shipped. Only the portable schema
 * builder is used, so every migration runs unchanged on SQLite and PostgreSQL, except the full-text index
 * of 0003, which has no portable form and is written once per dialect.
 */
const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_initial': initialMigration,
  '0002_notifications': notificationsMigration,
  '0003_message_actions': messageActionsMigration,
  '0004_e2e': e2eMigration,
  '0005_erasures': erasuresMigration,
  '0006_push_subscriptions': pushSubscriptionsMigration,
  '0007_people': peopleMigration,
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
  // Branches developed in parallel land their migrations in any order; each one touches its own tables,
  // so a database that already ran a later-numbered one still takes an earlier one that arrives after it.
  const migrator = new Migrator({
    db,
    provider: new InCodeMigrationProvider(),
    allowUnorderedMigrations: true,
  });
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
