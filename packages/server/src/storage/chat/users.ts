import type { UserProfile, UserSettings } from '@mpi/protocol';
import type { Kysely } from 'kysely';
import { PreparedQuery } from '../db/prepared-query.js';
import type { Database } from '../db/schema.js';
import type { WriteProgram } from '../db/write-program.js';
import type { SavedProfile } from './chat-storage.js';
import { toProfile, toSettings } from './rows.js';

// Users: profiles created on first sight and updated field by field, presence settings and last seen.

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
  readonly profileOf;
  readonly setHidden;
  readonly lastSeen;

  constructor(private readonly db: Kysely<Database>) {
    this.profileOf = new PreparedQuery((p: { id: string }) =>
      db.selectFrom('users').select(['name', 'avatar_url']).where('id', '=', p.id),
    );
    this.setHidden = new PreparedQuery((p: { id: string; hidden: number; now: string }) =>
      db
        .insertInto('users')
        .values({ id: p.id, hide_presence: p.hidden, created_at: p.now, updated_at: p.now })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            hide_presence: eb.ref('excluded.hide_presence'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .returning('hide_presence'),
    );
    this.lastSeen = new PreparedQuery((p: { id: string; at: string }) =>
      db.updateTable('users').set({ last_seen_at: p.at }).where('id', '=', p.id),
    );
  }

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
export function* upsertUser(queries: UserQueries, user: UserProfile): WriteProgram<SavedProfile> {
  const before = yield* queries.profileOf.first$({ id: user.id });
  const upsert = queries.upsert(user.name !== undefined, user.avatarUrl !== undefined);
  const row = yield* upsert.first$({
    id: user.id,
    name: user.name ?? null,
    avatarUrl: user.avatarUrl ?? null,
    now: new Date().toISOString(),
  });
  if (!row) throw new Error(`the upsert of user ${user.id} returned nothing`);
  const changed = before !== undefined && (before.name !== row.name || before.avatar_url !== row.avatar_url);
  return { user: toProfile(row), settings: toSettings(row), changed };
}

export function* setPresenceHidden(
  queries: UserQueries,
  userId: string,
  hidden: boolean,
): WriteProgram<UserSettings> {
  const row = yield* queries.setHidden.first$({
    id: userId,
    hidden: hidden ? 1 : 0,
    now: new Date().toISOString(),
  });
  if (!row) throw new Error(`the presence setting of user ${userId} returned nothing`);
  return toSettings(row);
}

export function* recordLastSeen(queries: UserQueries, userId: string, at: string): WriteProgram<void> {
  yield* queries.lastSeen.run$({ id: userId, at });
}
