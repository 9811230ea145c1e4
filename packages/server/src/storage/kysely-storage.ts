import { type Kysely, sql } from 'kysely';
import type { CallStorage } from './calls/call-storage.js';
import { KyselyCallStorage } from './calls/kysely-call-storage.js';
import type { ChatStorage } from './chat/chat-storage.js';
import { KyselyChatStorage } from './chat/kysely-chat-storage.js';
import type { SqliteExclusive } from './db/batched-write.js';
import { createIdFactory } from './db/ids.js';
import type { Database } from './db/schema.js';
import { WriteBatcher } from './db/write-batcher.js';
import type { FileStorage } from './files/file-storage.js';
import { KyselyFileStorage } from './files/kysely-file-storage.js';
import { migrateToLatest } from './migrations/migrate-to-latest.js';
import { KyselyNotificationStorage } from './notifications/kysely-notification-storage.js';
import type { NotificationStorage } from './notifications/notification-storage.js';
import { KyselyPrivacyStorage } from './privacy/kysely-privacy-storage.js';
import type { PrivacyStorage } from './privacy/privacy-storage.js';
import { KyselyPushStorage } from './push/kysely-push-storage.js';
import type { PushStorage } from './push/push-storage.js';
import type { Storage } from './storage.js';

/**
 * The one {@link Storage} implementation: the same Kysely queries on SQLite and PostgreSQL. Build it with
 * `openStorage()`, which picks the dialect and runs migrations. It owns the connection, the ids and the
 * group commit that both domains share.
 */
export class KyselyStorage implements Storage {
  readonly chat: ChatStorage;
  readonly notifications: NotificationStorage;
  readonly privacy: PrivacyStorage;
  readonly push: PushStorage;
  readonly files: FileStorage;
  readonly calls: CallStorage;
  /** Group commit of the hot writes: those of one event-loop turn share a transaction. */
  private readonly writes: WriteBatcher;
  private closed = false;

  constructor(
    /** The database itself, for the storage's own modules and for tests that inspect rows. */
    readonly db: Kysely<Database>,
    readonly dialect: 'sqlite' | 'postgres',
    sqlite?: SqliteExclusive,
    /** PostgreSQL: group commits that run in parallel, each on its own pooled connection. */
    writeLanes = 1,
  ) {
    const nextId = createIdFactory();
    this.writes = new WriteBatcher(db, sqlite, writeLanes);
    this.chat = new KyselyChatStorage(db, dialect, nextId, this.writes);
    this.notifications = new KyselyNotificationStorage(db, dialect, nextId, this.writes);
    this.privacy = new KyselyPrivacyStorage(db, dialect);
    this.push = new KyselyPushStorage(db);
    this.files = new KyselyFileStorage(db);
    this.calls = new KyselyCallStorage(db);
  }

  async migrate(): Promise<void> {
    await migrateToLatest(this.db);
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writes.drain();
    await this.db.destroy();
  }
}
