import {
  type Audience,
  type ExportedDevice,
  type ExportedReminder,
  type MessageData,
  NOTIFICATION_CHANNELS,
  type NotificationItem,
} from '@mpi/protocol';
import type { ExpressionBuilder, Kysely } from 'kysely';
import { toMessage } from '../chat/rows.js';
import type { Database, Db } from '../db/schema.js';
import { assertLimit } from '../db/storage-error.js';
import { inbox, lastSeq, toItem } from '../notifications/inbox.js';
import type { ExportHead, MessageCursor } from './privacy-storage.js';

// The reads of a user's export. Nothing here writes: exporting a user the server never saw creates no
// inbox state or device.

/** Reminders read per query while looking for the user's. */
const REMINDER_PAGE = 500;

export async function exportHead(db: Kysely<Database>, userId: string): Promise<ExportHead> {
  const [profile, memberships, members, notificationUser, optOuts, groups] = await Promise.all([
    db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst(),
    db
      .selectFrom('chat_members as cm')
      .innerJoin('chats as c', 'c.id', 'cm.chat_id')
      .select([
        'c.id',
        'c.type',
        'c.name',
        'c.created_at',
        'c.created_by',
        'c.last_seq',
        'c.pruned_seq',
        'cm.role',
        'cm.joined_at',
        'cm.joined_seq',
        'cm.read_seq',
        'cm.delivered_seq',
        'cm.muted',
      ])
      .where('cm.user_id', '=', userId)
      .orderBy('c.id')
      .execute(),
    db
      .selectFrom('chat_members as mine')
      .innerJoin('chat_members as other', 'other.chat_id', 'mine.chat_id')
      .select(['other.chat_id', 'other.user_id'])
      .where('mine.user_id', '=', userId)
      .orderBy('other.chat_id')
      .orderBy('other.joined_at')
      .orderBy('other.user_id')
      .execute(),
    db.selectFrom('notification_users').selectAll().where('user_id', '=', userId).executeTakeFirst(),
    db
      .selectFrom('notification_opt_outs')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('from_seq')
      .orderBy('channel')
      .execute(),
    db
      .selectFrom('audience_group_members')
      .select('group_id')
      .where('user_id', '=', userId)
      .orderBy('group_id')
      .execute(),
  ]);
  const membersOf = new Map<string, string[]>();
  for (const row of members) {
    const list = membersOf.get(row.chat_id) ?? [];
    list.push(row.user_id);
    membersOf.set(row.chat_id, list);
  }
  const audienceGroups = groups.map((row) => row.group_id);
  const closed = new Set(optOuts.filter((row) => row.until_seq === null).map((row) => row.channel));
  return {
    userId,
    profile: profile
      ? {
          name: profile.name,
          avatarUrl: profile.avatar_url,
          createdAt: profile.created_at,
          updatedAt: profile.updated_at,
          lastSeenAt: profile.last_seen_at,
          hidePresence: Number(profile.hide_presence) === 1,
        }
      : null,
    devices: await exportDevices(db, userId),
    chats: memberships.map((row) => ({
      id: row.id,
      type: row.type,
      name: row.name,
      members: membersOf.get(row.id) ?? [],
      createdAt: row.created_at,
      createdBy: row.created_by,
      lastSeq: Number(row.last_seq),
      prunedSeq: Number(row.pruned_seq),
      role: row.role,
      joinedAt: row.joined_at,
      joinedSeq: Number(row.joined_seq),
      readSeq: Number(row.read_seq),
      deliveredSeq: Number(row.delivered_seq),
      muted: Number(row.muted) === 1,
    })),
    preferences: {
      channels: NOTIFICATION_CHANNELS.filter((channel) => !closed.has(channel)),
      optOuts: optOuts.map((row) => ({
        channel: row.channel,
        fromSeq: Number(row.from_seq),
        untilSeq: row.until_seq === null ? null : Number(row.until_seq),
        createdAt: row.created_at,
      })),
    },
    audienceGroups,
    reminders: await remindersFor(db, userId, new Set(audienceGroups)),
    files: (
      await db
        .selectFrom('files')
        .select(['id', 'chat_id', 'name', 'type', 'size', 'status', 'sha256', 'message_id', 'created_at'])
        .where('owner_id', '=', userId)
        .orderBy('created_at')
        .orderBy('id')
        .execute()
    ).map((row) => ({
      id: row.id,
      chatId: row.chat_id,
      name: row.name,
      type: row.type,
      size: Number(row.size),
      status: row.status,
      sha256: row.sha256,
      messageId: row.message_id,
      createdAt: row.created_at,
    })),
    notifications: {
      since: notificationUser?.created_at ?? null,
      readUpToSeq: Number(notificationUser?.read_up_to_seq ?? 0),
    },
  };
}

/** Every device of the user: set up, or known from chat receipts or a notification cursor. */
async function exportDevices(db: Db, userId: string): Promise<ExportedDevice[]> {
  const [devices, receipts, cursors] = await Promise.all([
    db.selectFrom('devices').selectAll().where('user_id', '=', userId).execute(),
    db
      .selectFrom('device_receipts')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('device_id')
      .orderBy('chat_id')
      .execute(),
    db.selectFrom('notification_device_cursors').selectAll().where('user_id', '=', userId).execute(),
  ]);
  const byId = new Map<string, ExportedDevice>();
  const device = (deviceId: string) => {
    let entry = byId.get(deviceId);
    if (!entry) {
      entry = { deviceId, createdAt: null, chatCursors: [], notificationCursor: null };
      byId.set(deviceId, entry);
    }
    return entry;
  };
  for (const row of devices) device(row.device_id).createdAt = row.created_at;
  for (const row of receipts) {
    device(row.device_id).chatCursors.push({
      chatId: row.chat_id,
      receivedSeq: Number(row.received_seq),
      updatedAt: row.updated_at,
    });
  }
  for (const row of cursors) {
    device(row.device_id).notificationCursor = { seq: Number(row.seq), updatedAt: row.updated_at };
  }
  return [...byId.values()].sort((a, b) => a.deviceId.localeCompare(b.deviceId));
}

/** True when the audience names the user, or one of `groups`. */
function audienceNames(audience: Audience, userId: string, groups: ReadonlySet<string>): boolean {
  if ('users' in audience) return audience.users.includes(userId);
  if ('groups' in audience) return audience.groups.some((group) => groups.has(group));
  return false;
}

/** Pending reminders addressed to the user or one of their groups, read page by page. */
async function remindersFor(
  db: Db,
  userId: string,
  groups: ReadonlySet<string>,
): Promise<ExportedReminder[]> {
  const found: ExportedReminder[] = [];
  let afterId = '';
  for (;;) {
    const page = await db
      .selectFrom('notification_reminders')
      .selectAll()
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(REMINDER_PAGE)
      .execute();
    for (const row of page) {
      if (!audienceNames(JSON.parse(row.audience) as Audience, userId, groups)) continue;
      found.push({
        id: row.id,
        kind: row.kind,
        itemId: row.item_id,
        dueAt: row.due_at,
        startsAt: row.starts_at,
        item: JSON.parse(row.item),
      });
    }
    const last = page.at(-1);
    if (!last || page.length < REMINDER_PAGE) return found;
    afterId = last.id;
  }
}

type MessagesEb = ExpressionBuilder<Database & { m: Database['messages'] }, 'm'>;

/** Messages strictly after the cursor in (chat, seq) order. */
function afterCursor(after: MessageCursor | null) {
  return (eb: MessagesEb) =>
    after === null
      ? eb.lit(true)
      : eb.or([
          eb('m.chat_id', '>', after.chatId),
          eb.and([eb('m.chat_id', '=', after.chatId), eb('m.seq', '>', after.seq)]),
        ]);
}

export async function exportMessages(
  db: Kysely<Database>,
  userId: string,
  after: MessageCursor | null,
  limit: number,
): Promise<MessageData[]> {
  assertLimit(limit, 'limit');
  const rows = await db
    .selectFrom('messages as m')
    .innerJoin('chat_members as cm', (join) =>
      join.onRef('cm.chat_id', '=', 'm.chat_id').on('cm.user_id', '=', userId),
    )
    .selectAll('m')
    .where(afterCursor(after))
    .orderBy('m.chat_id')
    .orderBy('m.seq')
    .limit(limit)
    .execute();
  return rows.map(toMessage);
}

export async function exportSentElsewhere(
  db: Kysely<Database>,
  userId: string,
  after: MessageCursor | null,
  limit: number,
): Promise<MessageData[]> {
  assertLimit(limit, 'limit');
  const rows = await db
    .selectFrom('messages as m')
    .selectAll('m')
    .where('m.sender_id', '=', userId)
    .where(afterCursor(after))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('chat_members as cm')
            .select('cm.user_id')
            .whereRef('cm.chat_id', '=', 'm.chat_id')
            .where('cm.user_id', '=', userId),
        ),
      ),
    )
    .orderBy('m.chat_id')
    .orderBy('m.seq')
    .limit(limit)
    .execute();
  return rows.map(toMessage);
}

export async function exportNotifications(
  db: Kysely<Database>,
  userId: string,
  afterSeq: number,
  limit: number,
): Promise<Array<NotificationItem & { readAt: string | null }>> {
  assertLimit(limit, 'limit');
  const row = await db
    .selectFrom('notification_users')
    .selectAll()
    .where('user_id', '=', userId)
    .executeTakeFirst();
  // A user the inbox never saw has no broadcasts in it, only what was addressed to them.
  const user = {
    userId,
    broadcastFromSeq: row ? Number(row.broadcast_from_seq) : await lastSeq(db),
    readUpToSeq: row ? Number(row.read_up_to_seq) : 0,
  };
  const rows = await inbox(db, user)
    .select((eb) =>
      eb
        .selectFrom('notification_reads as rd')
        .select('rd.read_at')
        .whereRef('rd.seq', '=', 'notifications.seq')
        .where('rd.user_id', '=', userId)
        .as('read_at'),
    )
    .where('notifications.seq', '>', afterSeq)
    .orderBy('notifications.seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...toItem(r, user), readAt: r.read_at ?? null }));
}
