import { type Audience, NOTIFICATION_LIMITS } from '@mpi/protocol';
import type { Kysely, Transaction } from 'kysely';
import type { Database, Db } from '../db/schema.js';
import { StorageError } from '../db/storage-error.js';
import { idempotent } from './ingest-deliveries.js';
import type { DeliveryOptions, Idempotent } from './notification-storage.js';

// Named audience groups (teams) whose membership the ingestion API manages, and audience resolution.

/** Rows per multi-row insert: well under SQLite's and PostgreSQL's bind-parameter limits. */
const INSERT_CHUNK = 500;

export function chunks<T>(items: readonly T[], size = INSERT_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function members(db: Db, groupId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('audience_group_members')
    .select('user_id')
    .where('group_id', '=', groupId)
    .orderBy('user_id')
    .execute();
  return rows.map((row) => row.user_id);
}

async function upsertGroup(trx: Transaction<Database>, groupId: string, now: Date): Promise<void> {
  const at = now.toISOString();
  await trx
    .insertInto('audience_groups')
    .values({ id: groupId, created_at: at, updated_at: at })
    .onConflict((oc) => oc.column('id').doUpdateSet({ updated_at: at }))
    .execute();
}

async function addMembers(trx: Transaction<Database>, groupId: string, userIds: readonly string[]) {
  for (const part of chunks(userIds)) {
    await trx
      .insertInto('audience_group_members')
      .values(part.map((user_id) => ({ group_id: groupId, user_id })))
      .onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing())
      .execute();
  }
}

async function checkedMembers(trx: Transaction<Database>, groupId: string): Promise<string[]> {
  const list = await members(trx, groupId);
  if (list.length > NOTIFICATION_LIMITS.groupMaxMembers) {
    throw new StorageError(
      'VALIDATION_FAILED',
      `A group holds at most ${NOTIFICATION_LIMITS.groupMaxMembers} members.`,
    );
  }
  return list;
}

export function setGroupMembers(
  db: Kysely<Database>,
  groupId: string,
  userIds: string[],
  options: DeliveryOptions<string[]>,
): Promise<Idempotent<string[]>> {
  return idempotent(db, options, async (trx) => {
    await upsertGroup(trx, groupId, options.now);
    await trx
      .deleteFrom('audience_group_members')
      .where('group_id', '=', groupId)
      .$if(userIds.length > 0, (qb) => qb.where('user_id', 'not in', userIds))
      .execute();
    await addMembers(trx, groupId, userIds);
    return checkedMembers(trx, groupId);
  });
}

export function patchGroupMembers(
  db: Kysely<Database>,
  groupId: string,
  change: { add: string[]; remove: string[] },
  options: DeliveryOptions<string[]>,
): Promise<Idempotent<string[]>> {
  return idempotent(db, options, async (trx) => {
    await upsertGroup(trx, groupId, options.now);
    await addMembers(trx, groupId, change.add);
    if (change.remove.length > 0) {
      await trx
        .deleteFrom('audience_group_members')
        .where('group_id', '=', groupId)
        .where('user_id', 'in', change.remove)
        .execute();
    }
    return checkedMembers(trx, groupId);
  });
}

export function deleteGroup(
  db: Kysely<Database>,
  groupId: string,
  options: DeliveryOptions<boolean>,
): Promise<Idempotent<boolean>> {
  return idempotent(db, options, async (trx) => {
    await trx.deleteFrom('audience_group_members').where('group_id', '=', groupId).execute();
    const result = await trx.deleteFrom('audience_groups').where('id', '=', groupId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  });
}

export async function groupMembers(db: Kysely<Database>, groupId: string): Promise<string[] | null> {
  const group = await db
    .selectFrom('audience_groups')
    .select('id')
    .where('id', '=', groupId)
    .executeTakeFirst();
  return group ? members(db, groupId) : null;
}

/**
 * The users an audience addresses now, sorted and unique; null for `everyone`. Unknown groups throw
 * GROUP_NOT_FOUND when `strict`, and count as empty otherwise (a reminder whose group was deleted).
 */
export async function resolveAudience(db: Db, audience: Audience, strict: boolean): Promise<string[] | null> {
  if ('everyone' in audience) return null;
  if ('users' in audience) return [...new Set(audience.users)].sort();
  const groupIds = [...new Set(audience.groups)];
  if (strict) {
    const found = await db.selectFrom('audience_groups').select('id').where('id', 'in', groupIds).execute();
    const known = new Set(found.map((row) => row.id));
    const missing = groupIds.filter((id) => !known.has(id));
    if (missing.length > 0) {
      throw new StorageError('GROUP_NOT_FOUND', `No audience group has the id(s): ${missing.join(', ')}.`);
    }
  }
  const rows = await db
    .selectFrom('audience_group_members')
    .select('user_id')
    .distinct()
    .where('group_id', 'in', groupIds)
    .orderBy('user_id')
    .execute();
  return rows.map((row) => row.user_id);
}
