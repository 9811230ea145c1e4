import type { MessageData } from '@mpi/protocol';
import type { Kysely } from 'kysely';
import { PreparedQuery } from '../db/prepared-query.js';
import type { Database } from '../db/schema.js';
import { assertLimit, assertSeq } from '../db/storage-error.js';
import type { WriteBatcher } from '../db/write-batcher.js';
import { runProgram } from '../db/write-program.js';
import type { CatchUpCursor, DeviceCatchUp, VersionCursor } from './chat-storage.js';
import { lockKeys } from './lock-keys.js';
import { withDetails } from './message-details.js';

/*
 * The start of a device's chat catch-up in as few statements as possible (it runs for every connection):
 * one read of the user's chats with the device's cursors, which tells whether the device is known, where
 * each chat's catch-up starts, which chats retention cut short and whether anything is pending at all.
 * A new device then gets its cursors at every chat's last seq and is recorded, in one write submitted to
 * the group commit (two statements, one when the user has no chat). Then the pages of what the device
 * missed, ordered by (chat, seq).
 */

interface ChatRow {
  chatId: string;
  joinedSeq: number;
  receivedSeq: number | null;
  lastSeq: number;
  prunedSeq: number;
  receivedVersion: number;
  lastVersion: number;
}

/** The statements of a device's catch-up start, compiled once per storage (see {@link PreparedQuery}). */
export class DeviceCatchUpQueries {
  /** Whether the device is known, and per chat of the user (in chat id order) its cursors. */
  readonly state;
  readonly createCursors;
  readonly register;

  constructor(db: Kysely<Database>) {
    this.state = new PreparedQuery((p: { userId: string; deviceId: string }) =>
      db
        .selectFrom(
          db
            .selectNoFrom((eb) =>
              eb
                .exists(
                  eb
                    .selectFrom('devices')
                    .select('device_id')
                    .where('user_id', '=', p.userId)
                    .where('device_id', '=', p.deviceId),
                )
                .as('known'),
            )
            .as('k'),
        )
        .leftJoin('chat_members as cm', (join) => join.on('cm.user_id', '=', p.userId))
        .leftJoin('chats as c', 'c.id', 'cm.chat_id')
        .leftJoin('device_receipts as d', (join) =>
          join
            .onRef('d.chat_id', '=', 'cm.chat_id')
            .on('d.user_id', '=', p.userId)
            .on('d.device_id', '=', p.deviceId),
        )
        .select([
          'k.known',
          'cm.chat_id as chatId',
          'cm.joined_seq as joinedSeq',
          'd.received_seq as receivedSeq',
          'c.last_seq as lastSeq',
          'c.pruned_seq as prunedSeq',
          'd.received_version as receivedVersion',
          'c.last_version as lastVersion',
        ])
        .orderBy('cm.chat_id'),
    );
    // A cursor at the last seq of every chat of the user, unless the device is known meanwhile or
    // confirmed receipts before it was ever set up (then it keeps its cursors and is not new). Delivery
    // marks stay: the device received nothing.
    this.createCursors = new PreparedQuery((p: { userId: string; deviceId: string; now: string }) =>
      db
        .insertInto('device_receipts')
        .columns(['user_id', 'device_id', 'chat_id', 'received_seq', 'received_version', 'updated_at'])
        .expression((eb) =>
          eb
            .selectFrom('chat_members as cm')
            .innerJoin('chats as c', 'c.id', 'cm.chat_id')
            .select((s) => [
              s.val(p.userId).as('user_id'),
              s.val(p.deviceId).as('device_id'),
              'c.id as chat_id',
              'c.last_seq as received_seq',
              'c.last_version as received_version',
              s.val(p.now).as('updated_at'),
            ])
            .where('cm.user_id', '=', p.userId)
            .where((w) =>
              w.not(
                w.exists(
                  w
                    .selectFrom('device_receipts as r')
                    .select('r.chat_id')
                    .where('r.user_id', '=', p.userId)
                    .where('r.device_id', '=', p.deviceId),
                ),
              ),
            )
            .where((w) =>
              w.not(
                w.exists(
                  w
                    .selectFrom('devices as v')
                    .select('v.device_id')
                    .where('v.user_id', '=', p.userId)
                    .where('v.device_id', '=', p.deviceId),
                ),
              ),
            ),
        )
        // A receipt of the device landing meanwhile (PostgreSQL) wins: it is what the device really has.
        .onConflict((oc) => oc.columns(['user_id', 'device_id', 'chat_id']).doNothing())
        .returning(['chat_id', 'received_seq', 'received_version']),
    );
    this.register = new PreparedQuery((p: { userId: string; deviceId: string; now: string }) =>
      db
        .insertInto('devices')
        .values({ user_id: p.userId, device_id: p.deviceId, created_at: p.now })
        .onConflict((oc) => oc.columns(['user_id', 'device_id']).doNothing()),
    );
  }
}

async function readState(
  db: Kysely<Database>,
  queries: DeviceCatchUpQueries,
  userId: string,
  deviceId: string,
): Promise<{ known: boolean; chats: ChatRow[] }> {
  const rows = await queries.state.rows(db, { userId, deviceId });
  const chats: ChatRow[] = [];
  for (const row of rows) {
    if (row.chatId === null) continue;
    chats.push({
      chatId: row.chatId,
      joinedSeq: Number(row.joinedSeq),
      receivedSeq: row.receivedSeq === null ? null : Number(row.receivedSeq),
      lastSeq: Number(row.lastSeq ?? 0),
      prunedSeq: Number(row.prunedSeq ?? 0),
      receivedVersion: Number(row.receivedVersion ?? 0),
      lastVersion: Number(row.lastVersion ?? 0),
    });
  }
  return { known: Boolean(Number(rows[0]?.known ?? 0)), chats };
}

const cursorOf = (chat: ChatRow) => Math.max(chat.receivedSeq ?? 0, chat.joinedSeq);

/** What a known device catches up: gaps left by retention, cursors, and the first chat with news. */
function knownDevice(chats: ChatRow[]): DeviceCatchUp {
  let pendingAfter: CatchUpCursor | null = null;
  let updatesAfter: VersionCursor | null = null;
  const cursors: CatchUpCursor[] = [];
  const versions: VersionCursor[] = [];
  const prunedGaps = [];
  for (const chat of chats) {
    const seq = cursorOf(chat);
    cursors.push({ chatId: chat.chatId, seq });
    versions.push({ chatId: chat.chatId, version: chat.lastVersion });
    if (updatesAfter === null && chat.lastVersion > chat.receivedVersion) {
      updatesAfter = { chatId: chat.chatId, version: chat.receivedVersion };
    }
    // Retention deleted messages this device never received.
    if ((chat.receivedSeq ?? 0) < chat.prunedSeq && chat.joinedSeq < chat.prunedSeq)
      prunedGaps.push({ chatId: chat.chatId, prunedSeq: chat.prunedSeq });
    // As pendingForDevice: messages above max(cursor, joined_seq); none can exist above the last seq.
    if (pendingAfter === null && chat.lastSeq > seq) pendingAfter = { chatId: chat.chatId, seq };
  }
  return { newDevice: false, cursors, versions, prunedGaps, pendingAfter, updatesAfter };
}

export async function openDeviceCatchUp(
  db: Kysely<Database>,
  queries: DeviceCatchUpQueries,
  writes: WriteBatcher,
  userId: string,
  deviceId: string,
): Promise<DeviceCatchUp> {
  const state = await readState(db, queries, userId, deviceId);
  if (state.known) return knownDevice(state.chats);

  const params = { userId, deviceId, now: new Date().toISOString() };
  const hasChats = state.chats.length > 0;
  const created = await writes.submit(
    function* () {
      const rows = hasChats ? yield* queries.createCursors.rows$(params) : [];
      // Recorded with its cursors: whoever sees the device known also sees them. A device set up while its
      // user has no chat is known from now on (its later chats catch up from the join).
      yield* queries.register.run$(params);
      return rows;
    },
    lockKeys.newDevice(userId, deviceId),
  );

  const nothingPending = { prunedGaps: [], pendingAfter: null, updatesAfter: null };
  if (state.chats.length === 0) return { newDevice: true, cursors: [], versions: [], ...nothingPending };
  // Nothing created: cursors existed (or another connection of the device made them): not new.
  if (created.length === 0) return knownDevice((await readState(db, queries, userId, deviceId)).chats);
  const createdRows = new Map(created.map((row) => [row.chat_id, row]));
  const cursors: CatchUpCursor[] = [];
  const versions: VersionCursor[] = [];
  for (const chat of state.chats) {
    const row = createdRows.get(chat.chatId);
    if (row === undefined) break;
    cursors.push({ chatId: chat.chatId, seq: Math.max(Number(row.received_seq), chat.joinedSeq) });
    versions.push({ chatId: chat.chatId, version: Number(row.received_version) });
  }
  if (cursors.length !== createdRows.size || cursors.length !== state.chats.length) {
    // The chats changed between the read and the insert, or a receipt won a conflict: read them again.
    const again = knownDevice((await readState(db, queries, userId, deviceId)).chats);
    return { newDevice: true, cursors: again.cursors, versions: again.versions, ...nothingPending };
  }
  return { newDevice: true, cursors, versions, ...nothingPending };
}

/** The messages of the user's chats, each with the user's membership (`cm`) and the device's cursors (`d`). */
function deviceMessages(db: Kysely<Database>, userId: string, deviceId: string) {
  return db
    .selectFrom('messages as m')
    .innerJoin('chat_members as cm', (join) =>
      join.onRef('cm.chat_id', '=', 'm.chat_id').on('cm.user_id', '=', userId),
    )
    .leftJoin('device_receipts as d', (join) =>
      join.onRef('d.chat_id', '=', 'm.chat_id').on('d.user_id', '=', userId).on('d.device_id', '=', deviceId),
    )
    .selectAll('m');
}

export async function pendingForDevice(
  db: Kysely<Database>,
  userId: string,
  deviceId: string,
  after: CatchUpCursor | null,
  limit: number,
): Promise<MessageData[]> {
  assertLimit(limit, 'The catch-up limit');
  if (after) assertSeq(after.seq, 'after.seq');
  // Served by chat_members(user_id, chat_id) walked in chat order, then messages(chat_id, seq) per chat.
  const rows = await deviceMessages(db, userId, deviceId)
    .where((eb) => eb('m.seq', '>', eb.fn.coalesce('d.received_seq', eb.lit(0))))
    .whereRef('m.seq', '>', 'cm.joined_seq')
    .$if(after !== null, (qb) =>
      qb.where((eb) =>
        eb.or([
          eb('m.chat_id', '>', after?.chatId ?? ''),
          eb.and([eb('m.chat_id', '=', after?.chatId ?? ''), eb('m.seq', '>', after?.seq ?? 0)]),
        ]),
      ),
    )
    .orderBy('m.chat_id')
    .orderBy('m.seq')
    .limit(limit)
    .execute();
  return runProgram(withDetails(db, rows), db);
}

/**
 * One page of messages the device holds (at or below its cursor, or from before the user joined) that
 * changed after its change cursor, over all the user's chats, in their current state, ordered by
 * (chatId, version), strictly after `after`. A message above the cursor is not here: `pendingForDevice`
 * sends it, already in its current state. Each changed message comes once, however often it changed.
 */
export async function updatesForDevice(
  db: Kysely<Database>,
  userId: string,
  deviceId: string,
  after: VersionCursor | null,
  limit: number,
): Promise<MessageData[]> {
  assertLimit(limit, 'The catch-up limit');
  if (after) assertSeq(after.version, 'after.version');
  const rows = await deviceMessages(db, userId, deviceId)
    .where((eb) => eb('m.version', '>', eb.fn.coalesce('d.received_version', eb.lit(0))))
    .where((eb) =>
      eb.or([
        eb('m.seq', '<=', eb.fn.coalesce('d.received_seq', eb.lit(0))),
        eb('m.seq', '<=', eb.ref('cm.joined_seq')),
      ]),
    )
    .$if(after !== null, (qb) =>
      qb.where((eb) =>
        eb.or([
          eb('m.chat_id', '>', after?.chatId ?? ''),
          eb.and([eb('m.chat_id', '=', after?.chatId ?? ''), eb('m.version', '>', after?.version ?? 0)]),
        ]),
      ),
    )
    .orderBy('m.chat_id')
    .orderBy('m.version')
    .limit(limit)
    .execute();
  return runProgram(withDetails(db, rows), db);
}
