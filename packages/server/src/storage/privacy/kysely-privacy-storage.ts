import type { MessageData, NotificationItem } from '@mpi/protocol';
import type { Kysely } from 'kysely';
import { PreparedQuery } from '../db/prepared-query.js';
import type { Database } from '../db/schema.js';
import { idempotent } from '../notifications/ingest-deliveries.js';
import type { DeliveryOptions, Idempotent } from '../notifications/notification-storage.js';
import { eraseUser, userHash } from './erase.js';
import * as exports from './export.js';
import type { Erasure, ExportHead, MessageCursor, PrivacyStorage } from './privacy-storage.js';

/** {@link PrivacyStorage} over the same Kysely connection as the rest of the storage. */
export class KyselyPrivacyStorage implements PrivacyStorage {
  /** Every handshake reads it: compiled once (see {@link PreparedQuery}). */
  private readonly erasure;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {
    this.erasure = new PreparedQuery((p: { hash: string }) =>
      db.selectFrom('erased_users').select('erased_at').where('user_hash', '=', p.hash),
    );
  }

  exportHead(userId: string): Promise<ExportHead> {
    return exports.exportHead(this.db, userId);
  }

  exportMessages(userId: string, after: MessageCursor | null, limit: number): Promise<MessageData[]> {
    return exports.exportMessages(this.db, userId, after, limit);
  }

  exportSentElsewhere(userId: string, after: MessageCursor | null, limit: number): Promise<MessageData[]> {
    return exports.exportSentElsewhere(this.db, userId, after, limit);
  }

  exportNotifications(
    userId: string,
    afterSeq: number,
    limit: number,
  ): Promise<Array<NotificationItem & { readAt: string | null }>> {
    return exports.exportNotifications(this.db, userId, afterSeq, limit);
  }

  eraseUser(userId: string, options: DeliveryOptions<Erasure>): Promise<Idempotent<Erasure>> {
    return idempotent(this.db, options, (trx) => eraseUser(trx, this.dialect, userId, options.now));
  }

  async erasedAt(userId: string): Promise<string | null> {
    return (await this.erasure.first(this.db, { hash: userHash(userId) }))?.erased_at ?? null;
  }
}
