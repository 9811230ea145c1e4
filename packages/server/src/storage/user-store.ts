import type { UserProfile } from '@mpi/protocol';
import type { Kysely } from 'kysely';
import { PreparedQuery } from './prepared-query.js';
import { toProfile } from './rows.js';
import type { Database } from './schema.js';

/** Users: profiles created on first sight and updated field by field. */

type UpsertParams = {
  id: string;
  name: string | null;
  avatarUrl: string | null;
  now: string;
};

/**
 * The upsert, compiled once per database and shape (see {@link PreparedQuery}): a field left undefined
 * keeps its stored value, so which fields the update sets changes the SQL.
 */
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

type Upsert = ReturnType<typeof buildUpsert>;
const compiled = new WeakMap<Kysely<Database>, Map<string, Upsert>>();

/** Stores the profile (created on first sight); `db` compiles the statement, `run` (a transaction) runs it. */
export async function upsertUser(
  db: Kysely<Database>,
  user: UserProfile,
  run: Kysely<Database> = db,
): Promise<UserProfile> {
  const setName = user.name !== undefined;
  const setAvatar = user.avatarUrl !== undefined;
  let shapes = compiled.get(db);
  if (!shapes) {
    shapes = new Map();
    compiled.set(db, shapes);
  }
  const shape = `${setName}:${setAvatar}`;
  let upsert = shapes.get(shape);
  if (!upsert) {
    upsert = buildUpsert(db, setName, setAvatar);
    shapes.set(shape, upsert);
  }
  const row = await upsert.first(run, {
    id: user.id,
    name: user.name ?? null,
    avatarUrl: user.avatarUrl ?? null,
    now: new Date().toISOString(),
  });
  if (!row) throw new Error(`the upsert of user ${user.id} returned nothing`);
  return toProfile(row);
}

export async function getUser(db: Kysely<Database>, userId: string): Promise<UserProfile | null> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  return row ? toProfile(row) : null;
}
