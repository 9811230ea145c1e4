import { type DeviceKey, E2E_LIMITS } from '@mpi/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

// Device keys of end-to-end encrypted chats: what each device published, and a chat's members' keys.

function toDeviceKey(row: {
  user_id: string;
  device_id: string;
  public_key: string;
  created_at: string;
}): DeviceKey {
  return {
    userId: row.user_id,
    deviceId: row.device_id,
    publicKey: row.public_key,
    createdAt: row.created_at,
  };
}

export async function publishDeviceKey(
  db: Kysely<Database>,
  userId: string,
  deviceId: string,
  publicKey: string,
): Promise<DeviceKey> {
  return db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('device_keys')
      .selectAll()
      .where('user_id', '=', userId)
      .where('device_id', '=', deviceId)
      .executeTakeFirst();
    // The same key again (every connection publishes) changes nothing, so its date stays its first.
    if (existing?.public_key === publicKey) return toDeviceKey(existing);
    const row = {
      user_id: userId,
      device_id: deviceId,
      public_key: publicKey,
      created_at: new Date().toISOString(),
    };
    await trx
      .insertInto('device_keys')
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(['user_id', 'device_id'])
          .doUpdateSet({ public_key: publicKey, created_at: row.created_at }),
      )
      .execute();
    const keep = trx
      .selectFrom('device_keys')
      .select('device_id')
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('device_id', 'desc')
      .limit(E2E_LIMITS.maxDevicesPerUser);
    await trx
      .deleteFrom('device_keys')
      .where('user_id', '=', userId)
      .where('device_id', 'not in', keep)
      .execute();
    return toDeviceKey(row);
  });
}

export async function chatDeviceKeys(db: Kysely<Database>, chatId: string): Promise<DeviceKey[]> {
  const rows = await db
    .selectFrom('device_keys as k')
    .innerJoin('chat_members as cm', 'cm.user_id', 'k.user_id')
    .where('cm.chat_id', '=', chatId)
    .select(['k.user_id', 'k.device_id', 'k.public_key', 'k.created_at'])
    .orderBy('k.user_id')
    .orderBy('k.device_id')
    .execute();
  return rows.map(toDeviceKey);
}
