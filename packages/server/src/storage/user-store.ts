import type { UserProfile } from '@mpi/protocol';
import type { Kysely } from 'kysely';
import { toProfile } from './rows.js';
import type { Database } from './schema.js';

/** Users: profiles created on first sight and updated field by field. */

export async function upsertUser(db: Kysely<Database>, user: UserProfile): Promise<UserProfile> {
  const now = new Date().toISOString();
  // A field left undefined keeps its stored value; the row is created on first sight.
  const row = await db
    .insertInto('users')
    .values({
      id: user.id,
      name: user.name ?? null,
      avatar_url: user.avatarUrl ?? null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        updated_at: eb.ref('excluded.updated_at'),
        ...(user.name !== undefined && { name: eb.ref('excluded.name') }),
        ...(user.avatarUrl !== undefined && { avatar_url: eb.ref('excluded.avatar_url') }),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return toProfile(row);
}

export async function getUser(db: Kysely<Database>, userId: string): Promise<UserProfile | null> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  return row ? toProfile(row) : null;
}
