import type { CallStorage } from './calls/call-storage.js';
import type { ChatStorage } from './chat/chat-storage.js';
import type { FileStorage } from './files/file-storage.js';
import type { NotificationStorage } from './notifications/notification-storage.js';
import type { PrivacyStorage } from './privacy/privacy-storage.js';
import type { PushStorage } from './push/push-storage.js';

/**
 * Everything the server persists, by domain, behind one interface with one implementation
 * (`KyselyStorage`) whose Kysely queries run unchanged on SQLite and PostgreSQL.
 */
export interface Storage {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs pending migrations; idempotent. */
  migrate(): Promise<void>;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Profiles, chats, messages, receipts, read marks, device catch-up and retention. */
  readonly chat: ChatStorage;
  /** The notification inbox, consent, reminders, audience groups and delivery ids. */
  readonly notifications: NotificationStorage;
  /** A user's data across both domains: export, erasure and the erasure check of tokens. */
  readonly privacy: PrivacyStorage;
  /** Each device's Web Push subscription. */
  readonly push: PushStorage;
  /** Uploads and their metadata (the bytes are in the files feature's blob store). */
  readonly files: FileStorage;
  /** 1:1 calls' signalling state. */
  readonly calls: CallStorage;
}
