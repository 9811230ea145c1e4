import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { StorageError } from '../db/storage-error.js';

/**
 * Retention deletes old messages and leaves each chat's `pruned_seq` behind, so devices whose cursor is
 * below it learn at their next catch-up that they must resync.
 */
export async function pruneMessages(db: Kysely<Database>, olderThan: Date): Promise<{ deleted: number }> {
  if (Number.isNaN(olderThan.getTime())) {
    throw new StorageError('VALIDATION_FAILED', 'olderThan must be a valid date.');
  }
  const cutoff = olderThan.toISOString();
  return db.transaction().execute(async (trx) => {
    // First raise each chat's pruned_seq to its highest old seq (this also row-locks those chats
    // against appends until commit), then delete only old messages at or below it: every deleted
    // message is covered by pruned_seq even if one is appended with an old timestamp meanwhile.
    const oldest = trx
      .selectFrom('messages')
      .select((eb) => ['chat_id', eb.fn.max('seq').as('max_seq')])
      .where('created_at', '<', cutoff)
      .groupBy('chat_id')
      .as('p');
    await trx
      .updateTable('chats')
      .from(oldest)
      .set((eb) => ({ pruned_seq: eb.ref('p.max_seq') }))
      .whereRef('chats.id', '=', 'p.chat_id')
      .whereRef('p.max_seq', '>', 'chats.pruned_seq')
      .execute();
    const result = await trx
      .deleteFrom('messages')
      .where('created_at', '<', cutoff)
      .where((eb) =>
        eb(
          'seq',
          '<=',
          eb.selectFrom('chats').select('pruned_seq').whereRef('chats.id', '=', 'messages.chat_id'),
        ),
      )
      .executeTakeFirst();
    return { deleted: Number(result.numDeletedRows) };
  });
}
