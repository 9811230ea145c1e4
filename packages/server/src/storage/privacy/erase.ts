import { createHash } from 'node:crypto';
import { type Audience, ERASED_USER_ID } from '@mpi/protocol';
import { sql, type Transaction } from 'kysely';
import { promoteIfNoAdmin } from '../chat/groups.js';
import type { Database, Db } from '../db/schema.js';
import type { ErasedChat, Erasure } from './privacy-storage.js';

// The erasure of a user, in one transaction: what docs/security.md ("Your data: export and erasure") lists,
// table by table. Everything is keyed by the user id, so a second run finds nothing and changes nothing.

/** The erasure record keeps a hash of the id, not the id. */
export const userHash = (userId: string) => createHash('sha256').update(userId, 'utf8').digest('hex');

/** Reminders read per query while looking for the user's. */
const REMINDER_PAGE = 500;

type Counts = Record<string, number>;

function add(counts: Counts, table: string, rows: number | bigint | string | undefined): void {
  const n = Number(rows ?? 0);
  if (n > 0) counts[table] = (counts[table] ?? 0) + n;
}

async function erasedAt(db: Db, userId: string): Promise<string | null> {
  const row = await db
    .selectFrom('erased_users')
    .select('erased_at')
    .where('user_hash', '=', userHash(userId))
    .executeTakeFirst();
  return row?.erased_at ?? null;
}

/** The erasure, inside the caller's transaction (which records the request's delivery id with it). */
export async function eraseUser(
  trx: Transaction<Database>,
  dialect: 'sqlite' | 'postgres',
  userId: string,
  now: Date,
): Promise<Erasure> {
  const removed: Counts = {};
  const anonymised: Counts = {};
  const chats = await eraseChats(trx, dialect, userId, removed, anonymised);
  await eraseNotifications(trx, userId, removed, anonymised);

  const hash = userHash(userId);
  const before = await erasedAt(trx, userId);
  const changed = Object.keys(removed).length + Object.keys(anonymised).length > 0;
  if (before !== null && !changed) {
    return { erasedAt: before, alreadyErased: true, removed, anonymised, chats };
  }
  const at = now.toISOString();
  await trx
    .insertInto('erased_users')
    .values({ user_hash: hash, erased_at: at })
    .onConflict((oc) => oc.column('user_hash').doUpdateSet({ erased_at: at }))
    .execute();
  return { erasedAt: at, alreadyErased: false, removed, anonymised, chats };
}

/**
 * Memberships, receipts, devices and the profile go; chats the user was the last member of go with all
 * their messages; the user's messages in chats others are still in become tombstones (seqs stay gapless).
 */
async function eraseChats(
  trx: Transaction<Database>,
  dialect: 'sqlite' | 'postgres',
  userId: string,
  removed: Counts,
  anonymised: Counts,
): Promise<ErasedChat[]> {
  const mine = (eb: Db) => eb.selectFrom('chat_members').select('chat_id').where('user_id', '=', userId);
  if (dialect === 'postgres') {
    // The user's chat rows in id order, as appends lock them: an erasure queues behind a batch, never
    // deadlocks with one. (SQLite runs one write transaction at a time.)
    await trx
      .selectFrom('chats')
      .select('id')
      .where('id', 'in', mine(trx))
      .orderBy('id')
      .forUpdate()
      .execute();
  }
  const memberships = await trx
    .selectFrom('chat_members as cm')
    .innerJoin('chats as c', 'c.id', 'cm.chat_id')
    .select(['c.id', 'c.type', 'cm.role'])
    .select((eb) =>
      eb
        .selectFrom('chat_members as o')
        .select((o) => o.fn.countAll().as('n'))
        .whereRef('o.chat_id', '=', 'c.id')
        .where('o.user_id', '<>', userId)
        .as('others'),
    )
    .where('cm.user_id', '=', userId)
    .orderBy('c.id')
    .execute();
  const alone = memberships.filter((m) => Number(m.others ?? 0) === 0).map((m) => m.id);
  const shared = memberships.filter((m) => Number(m.others ?? 0) > 0);

  if (alone.length > 0) {
    const inAlone = trx.selectFrom('messages').where('chat_id', 'in', alone);
    add(removed, 'messages', (await inAlone.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst())?.n);
    add(removed, 'chat_members', alone.length);
    // Members, messages and receipts of the chat go with it (foreign keys cascade).
    add(
      removed,
      'chats',
      (await trx.deleteFrom('chats').where('id', 'in', alone).executeTakeFirst()).numDeletedRows,
    );
  }
  const left = await trx.deleteFrom('chat_members').where('user_id', '=', userId).executeTakeFirst();
  add(removed, 'chat_members', left.numDeletedRows);
  for (const group of shared) {
    if (group.type === 'group' && group.role === 'admin') await promoteIfNoAdmin(trx, group.id);
  }
  add(
    removed,
    'device_receipts',
    (await trx.deleteFrom('device_receipts').where('user_id', '=', userId).executeTakeFirst()).numDeletedRows,
  );
  add(
    removed,
    'devices',
    (await trx.deleteFrom('devices').where('user_id', '=', userId).executeTakeFirst()).numDeletedRows,
  );
  add(
    removed,
    'device_keys',
    (await trx.deleteFrom('device_keys').where('user_id', '=', userId).executeTakeFirst()).numDeletedRows,
  );
  add(
    removed,
    'calls',
    (
      await trx
        .deleteFrom('calls')
        .where((eb) => eb.or([eb('caller_id', '=', userId), eb('callee_id', '=', userId)]))
        .executeTakeFirst()
    ).numDeletedRows,
  );
  add(
    removed,
    'push_subscriptions',
    (await trx.deleteFrom('push_subscriptions').where('user_id', '=', userId).executeTakeFirst())
      .numDeletedRows,
  );
  add(
    removed,
    'message_reactions',
    (await trx.deleteFrom('message_reactions').where('user_id', '=', userId).executeTakeFirst())
      .numDeletedRows,
  );
  add(
    removed,
    'users',
    (await trx.deleteFrom('users').where('id', '=', userId).executeTakeFirst()).numDeletedRows,
  );

  const tombstones = await trx
    .updateTable('messages')
    .set((eb) => ({
      sender_id: ERASED_USER_ID,
      text: '',
      mentions: null,
      envelope: null,
      attachments: null,
      edited_at: null,
      client_message_id: eb.ref('id'),
    }))
    .where('sender_id', '=', userId)
    .executeTakeFirst();
  add(anonymised, 'messages', tombstones.numUpdatedRows);
  // Others' replies to the user's messages keep their quote's place, not the user's id.
  const quotes = await trx
    .updateTable('messages')
    .set({ reply_to_sender: ERASED_USER_ID })
    .where('reply_to_sender', '=', userId)
    .executeTakeFirst();
  add(anonymised, 'messages.reply_to_sender', quotes.numUpdatedRows);
  await eraseMentionsOf(trx, userId, anonymised);

  // DMs lose the pair key (a new DM with the same id would be a new chat); chats lose their creator.
  const changedChats = new Set<string>();
  const dms = shared.filter((m) => m.type === 'dm').map((m) => m.id);
  if (dms.length > 0) {
    const unkeyed = await trx
      .updateTable('chats')
      .set({ dm_key: null })
      .where('id', 'in', dms)
      .returning('id')
      .execute();
    for (const row of unkeyed) changedChats.add(row.id);
  }
  const uncredited = await trx
    .updateTable('chats')
    .set({ created_by: ERASED_USER_ID })
    .where('created_by', '=', userId)
    .returning('id')
    .execute();
  for (const row of uncredited) changedChats.add(row.id);
  add(anonymised, 'chats', changedChats.size);

  return [
    ...alone.map((chatId) => ({
      chatId,
      type: memberships.find((m) => m.id === chatId)?.type ?? 'group',
      deleted: true,
    })),
    ...shared.map((m) => ({ chatId: m.id, type: m.type, deleted: false })),
  ];
}

/**
 * The inbox, its read marks, device cursors, consent, audience-group memberships, and the user in pending
 * reminders go; a targeted notification the user was the only recipient of goes too. Broadcasts stay:
 * they are nobody's in particular.
 */
async function eraseNotifications(
  trx: Transaction<Database>,
  userId: string,
  removed: Counts,
  anonymised: Counts,
): Promise<void> {
  // Read marks first: those of the notifications deleted below would otherwise go uncounted.
  add(
    removed,
    'notification_reads',
    (await trx.deleteFrom('notification_reads').where('user_id', '=', userId).executeTakeFirst())
      .numDeletedRows,
  );
  const onlyMine = await trx
    .deleteFrom('notifications')
    .where('audience', '<>', 'everyone')
    .where(({ exists, not, selectFrom, and }) =>
      and([
        exists(
          selectFrom('notification_recipients as r')
            .select('r.seq')
            .whereRef('r.seq', '=', 'notifications.seq')
            .where('r.user_id', '=', userId),
        ),
        not(
          exists(
            selectFrom('notification_recipients as r')
              .select('r.seq')
              .whereRef('r.seq', '=', 'notifications.seq')
              .where('r.user_id', '<>', userId),
          ),
        ),
      ]),
    )
    .executeTakeFirst();
  add(removed, 'notifications', onlyMine.numDeletedRows);
  // Each of those had one recipient row, the user's, deleted with it.
  add(removed, 'notification_recipients', onlyMine.numDeletedRows);
  for (const table of [
    'notification_recipients',
    'notification_users',
    'notification_device_cursors',
    'notification_opt_outs',
    'audience_group_members',
  ] as const) {
    const result = await trx.deleteFrom(table).where('user_id', '=', userId).executeTakeFirst();
    add(removed, table, result.numDeletedRows);
  }
  await eraseFromReminders(trx, userId, removed, anonymised);
  await eraseMentionNotificationsBy(trx, userId, removed);
}

/**
 * Others' messages that @mentioned the user lose the user's id from `mentions` (their text is theirs and
 * stays). Only mentioning messages have the column set; the LIKE narrows them to candidates (an id's
 * `_` is a LIKE wildcard, which only adds candidates), the JSON decides.
 */
async function eraseMentionsOf(
  trx: Transaction<Database>,
  userId: string,
  anonymised: Counts,
): Promise<void> {
  const candidates = await trx
    .selectFrom('messages')
    .select(['id', 'mentions'])
    .where('mentions', 'like', `%${JSON.stringify(userId)}%`)
    .execute();
  for (const row of candidates) {
    const mentions = JSON.parse(row.mentions ?? '[]') as string[];
    if (!mentions.includes(userId)) continue;
    const rest = mentions.filter((id) => id !== userId);
    await trx
      .updateTable('messages')
      .set({ mentions: rest.length > 0 ? JSON.stringify(rest) : null })
      .where('id', '=', row.id)
      .execute();
    add(anonymised, 'messages.mentions', 1);
  }
}

/**
 * The `chat:mention` notifications the user raised quote their message and name: they go, in every
 * recipient's inbox, with the message they quote (now a tombstone).
 */
async function eraseMentionNotificationsBy(
  trx: Transaction<Database>,
  userId: string,
  removed: Counts,
): Promise<void> {
  const mentions = await trx
    .selectFrom('notifications')
    .select(['seq', 'payload'])
    .where('event', '=', 'chat:mention')
    .execute();
  const seqs = mentions
    .filter((row) => (JSON.parse(row.payload) as { senderId?: string }).senderId === userId)
    .map((row) => row.seq);
  if (seqs.length === 0) return;
  const deleted = await trx.deleteFrom('notifications').where('seq', 'in', seqs).executeTakeFirst();
  add(removed, 'notifications', deleted.numDeletedRows);
}

/** Takes the user out of the audience of pending reminders; a reminder for nobody else goes. */
async function eraseFromReminders(
  trx: Transaction<Database>,
  userId: string,
  removed: Counts,
  anonymised: Counts,
): Promise<void> {
  // The id as JSON writes it, found with LIKE as a first filter (`_` matches any character: parsed below).
  const pattern = `%${JSON.stringify(userId)}%`;
  let afterId = '';
  for (;;) {
    const page = await trx
      .selectFrom('notification_reminders')
      .select(['id', 'audience'])
      .where('id', '>', afterId)
      .where(sql<boolean>`audience like ${pattern}`)
      .orderBy('id')
      .limit(REMINDER_PAGE)
      .execute();
    for (const row of page) {
      const audience = JSON.parse(row.audience) as Audience;
      if (!('users' in audience) || !audience.users.includes(userId)) continue;
      const users = audience.users.filter((id) => id !== userId);
      if (users.length === 0) {
        await trx.deleteFrom('notification_reminders').where('id', '=', row.id).execute();
        add(removed, 'notification_reminders', 1);
      } else {
        await trx
          .updateTable('notification_reminders')
          .set({ audience: JSON.stringify({ users }) })
          .where('id', '=', row.id)
          .execute();
        add(anonymised, 'notification_reminders', 1);
      }
    }
    const last = page.at(-1);
    if (!last || page.length < REMINDER_PAGE) return;
    afterId = last.id;
  }
}
