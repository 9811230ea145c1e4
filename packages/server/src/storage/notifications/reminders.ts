import type { Audience } from '@mpi/protocol';
import type { Kysely, Transaction } from 'kysely';
import type { IdFactory } from '../db/ids.js';
import type { Database, NotificationRemindersTable } from '../db/schema.js';
import { insertNotification } from './inbox.js';
import type {
  CreatedNotification,
  NewNotification,
  PendingReminder,
  ReminderChange,
} from './notification-storage.js';

// Reminders of scheduled items: one row per (item, lead time), replaced when the item changes, deleted
// when it is cancelled, and claimed-and-deleted in the transaction that stores the reminder notification,
// so each fires at most once; the claim is by due time, so a reminder due while no server ran fires at
// the next start.

export function toReminder(row: NotificationRemindersTable): PendingReminder {
  return {
    id: row.id,
    kind: row.kind,
    itemId: row.item_id,
    leadMs: Number(row.lead_ms),
    dueAt: row.due_at,
    startsAt: row.starts_at,
    item: JSON.parse(row.item),
    audience: JSON.parse(row.audience) as Audience,
  };
}

/** Deletes the item's pending reminders and, unless cancelled, schedules those still in the future. */
export async function applyReminderChange(
  trx: Transaction<Database>,
  nextId: IdFactory,
  change: ReminderChange,
  now: Date,
): Promise<{ scheduled: number; cancelled: number }> {
  const deleted = await trx
    .deleteFrom('notification_reminders')
    .where('kind', '=', change.kind)
    .where('item_id', '=', change.itemId)
    .executeTakeFirst();
  const cancelled = Number(deleted.numDeletedRows);
  const { schedule } = change;
  if (!schedule) return { scheduled: 0, cancelled };
  const start = schedule.startsAt.getTime();
  const rows = [...new Set(schedule.leadTimesMs)]
    .filter((lead) => start - lead > now.getTime())
    .map((lead) => ({
      id: nextId(now.getTime()),
      kind: change.kind,
      item_id: change.itemId,
      lead_ms: lead,
      due_at: new Date(start - lead).toISOString(),
      starts_at: schedule.startsAt.toISOString(),
      item: JSON.stringify(schedule.item),
      audience: JSON.stringify(schedule.audience),
      created_at: now.toISOString(),
    }));
  if (rows.length > 0) await trx.insertInto('notification_reminders').values(rows).execute();
  return { scheduled: rows.length, cancelled };
}

export async function fireDueReminders(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
  nextId: IdFactory,
  now: Date,
  limit: number,
  build: (reminder: PendingReminder) => NewNotification | null,
): Promise<{ claimed: number; created: CreatedNotification[] }> {
  return db.transaction().execute(async (trx) => {
    // One statement claims and deletes: on PostgreSQL rows another node is claiming are skipped, not
    // waited for; SQLite runs one write transaction at a time.
    const claimed = await trx
      .deleteFrom('notification_reminders')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('notification_reminders')
          .select('id')
          .where('due_at', '<=', now.toISOString())
          .orderBy('due_at')
          .limit(limit)
          .$if(dialect === 'postgres', (qb) => qb.forUpdate().skipLocked()),
      )
      .returningAll()
      .execute();
    // Of an item's claimed reminders, only the one nearest its start fires.
    const nearest = new Map<string, NotificationRemindersTable>();
    for (const row of claimed) {
      const key = `${row.kind}\u0000${row.item_id}`;
      const seen = nearest.get(key);
      if (!seen || row.due_at > seen.due_at) nearest.set(key, row);
    }
    const created: CreatedNotification[] = [];
    for (const row of [...nearest.values()].sort((a, b) => a.due_at.localeCompare(b.due_at))) {
      const input = build(toReminder(row));
      if (!input) continue;
      const stored = await insertNotification(trx, nextId, input, now, false);
      created.push({ ...stored, reminders: { scheduled: 0, cancelled: 0 } });
    }
    return { claimed: claimed.length, created };
  });
}
