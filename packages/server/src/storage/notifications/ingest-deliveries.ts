import type { Kysely, Transaction } from 'kysely';
import type { Database, Db } from '../db/schema.js';
import { isUniqueViolation, StorageError } from '../db/storage-error.js';
import type { DeliveryOptions, DeliveryRecord, Idempotent, StoredResponse } from './notification-storage.js';

// Delivery ids of signed requests: a mutation and the answer it got are committed together.

async function findDelivery(db: Db, deliveryId: string) {
  return db
    .selectFrom('ingest_deliveries')
    .select(['fingerprint', 'status', 'response'])
    .where('delivery_id', '=', deliveryId)
    .executeTakeFirst();
}

function replay(
  delivery: DeliveryRecord,
  row: { fingerprint: string; status: number; response: string },
): Idempotent<never> {
  if (row.fingerprint !== delivery.fingerprint) throw new StorageError('DELIVERY_ID_REUSED');
  return { replayed: true, response: { status: Number(row.status), body: JSON.parse(row.response) } };
}

/**
 * Runs `work` in a transaction that also records the delivery id with the answer `respond` builds. A
 * delivery id seen before returns its stored answer without running `work`; when two requests with one id
 * race, the loser's transaction fails on the id's primary key, rolls back, and returns the winner's answer.
 */
export async function idempotent<T>(
  db: Kysely<Database>,
  options: DeliveryOptions<T>,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<Idempotent<T>> {
  const { delivery } = options;
  if (delivery) {
    const prior = await findDelivery(db, delivery.deliveryId);
    if (prior) return replay(delivery, prior);
  }
  try {
    return await db.transaction().execute(async (trx) => {
      const value = await work(trx);
      const response: StoredResponse = options.respond(value);
      if (delivery) {
        await trx
          .insertInto('ingest_deliveries')
          .values({
            delivery_id: delivery.deliveryId,
            fingerprint: delivery.fingerprint,
            status: response.status,
            response: JSON.stringify(response.body ?? null),
            created_at: options.now.toISOString(),
          })
          .execute();
      }
      return { replayed: false as const, value, response };
    });
  } catch (error) {
    if (delivery && isUniqueViolation(error)) {
      const prior = await findDelivery(db, delivery.deliveryId);
      if (prior) return replay(delivery, prior);
    }
    throw error;
  }
}

export async function pruneDeliveries(db: Kysely<Database>, olderThan: Date): Promise<number> {
  const result = await db
    .deleteFrom('ingest_deliveries')
    .where('created_at', '<', olderThan.toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
