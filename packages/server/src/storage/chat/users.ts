import type { UserProfile } from '@mpi/protocol';
import type { Kysely } from 'kysely';
import { PreparedQuery } from '../db/prepared-query.js';
import type { Database } from '../db/schema.js';
import type { WriteProgram } from '../db/write-program.js';
import { toProfile } from './rows.js';

// Users: profiles created on first sight and updated field by field.

type UpsertParams = {
  id: string;
  name: string | null;
  avatarUrl: string | null;
  now: string;
};

/**
 * The upsert, compiled once per storage and shape (see {@link PreparedQuery}): a field left undefined
 * keeps its stored value, so which fields the update sets changes the SQL.
 */
export class UserQueries {
  private readonly upserts = new Map<string, ReturnType<typeof buildUpsert>>();

  constructor(private readonly db: Kysely<Database>) {}

  upsert(setName: boolean, setAvatar: boolean) {
    const shape = `${setName}:${setAvatar}`;
    let upsert = this.upserts.get(shape);
    if (!upsert) {
      upsert = buildUpsert(this.db, setName, setAvatar);
      this.upserts.set(shape, upsert);
    }
    return upsert;
  }
}

function buildUpsert(db: Kysely<Database>, setName: boolean, setAvatar: boolean) {
  return new PreparedQuery((p: UpsertParams) =>
    db
      .insertInto('users')
      .values({ id: p.id, name: p.name, avatar_url: p.avatarUrl, created_at: p.now, updated_at: p.now })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          updated_at: eb.ref('excluded.updated_at'),
          ...(setName && { name: eb.ref('excluded.name') }),
          ...(setAvatar && { avatar_url: eb.ref('excluded.avatar_url') }),
        })),
      )
      .returningAll(),
  );
}

/** Stores the profile (created on first sight), as a program of the group commit. */
export function* upsertUser(queries: UserQueries, user: UserProfile): WriteProgram<UserProfile> {
  const upsert = queries.upsert(user.name !== undefined, user.avatarUrl !== undefined);
  const row = yield* upsert.first$({
    id: user.id,
    name: user.name ?? null,
    avatarUrl: user.avatarUrl ?? null,
    now: new Date().toISOString(),
  });
  if (!row) throw new Error(`the upsert of user ${user.id} returned nothing`);
  return toProfile(row);
}
