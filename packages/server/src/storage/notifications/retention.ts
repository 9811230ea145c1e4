import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { StorageError } from '../db/storage-error.js';

/**
 * Notification retention: deletes notifications created before `olderThan`, read or unread, with their
 * recipient and read rows (foreign keys cascade). Device cursors and consent periods are seqs, not rows
 * of a notification, and stay; the inbox and catch-up simply find nothing below the deleted seqs.
 */
export async function pruneNotifications(
  db: Kysely<Database>,
  olderThan: Date,
): Promise<{ deleted: number }> {
  if (Number.isNaN(olderThan.getTime())) {
    throw new StorageError('VALIDATION_FAILED', 'olderThan must be a valid date.');
  }
  const result = await db
    .deleteFrom('notifications')
    .where('created_at', '<', olderThan.toISOString())
    .executeTakeFirst();
  return { deleted: Number(result.numDeletedRows) };
}
