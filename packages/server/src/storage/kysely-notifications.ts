import type { NotificationChannel, NotificationItem } from '@mpi/protocol';
import type { Kysely } from 'kysely';
import * as audience from './audience-store.js';
import * as consent from './consent-store.js';
import { idempotent, pruneDeliveries } from './delivery-store.js';
import type {
  CreatedNotification,
  DeliveryOptions,
  Idempotent,
  InboxQuery,
  NewNotification,
  NotificationStorage,
  PendingReminder,
  ReminderChange,
  ReminderKind,
} from './notification-storage.js';
import * as inbox from './notification-store.js';
import * as reminders from './reminder-store.js';
import type { IdFactory } from './rows.js';
import type { Database } from './schema.js';
import type { WriteBatcher } from './write-batcher.js';

/** {@link NotificationStorage} over the same Kysely connection as the rest of the storage. */
export class KyselyNotificationStorage implements NotificationStorage {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
    private readonly nextId: IdFactory,
    /** Group commit shared with the rest of the storage (a connection's first writes join it). */
    private readonly writes: WriteBatcher,
  ) {}

  create(
    input: NewNotification,
    options: DeliveryOptions<CreatedNotification> & { reminders?: ReminderChange | undefined },
  ): Promise<Idempotent<CreatedNotification>> {
    return idempotent(this.db, options, async (trx) => {
      const created = await inbox.insertNotification(trx, this.nextId, input, options.now, true);
      const change = options.reminders;
      const counts = change
        ? await reminders.applyReminderChange(trx, this.nextId, change, options.now)
        : { scheduled: 0, cancelled: 0 };
      return { ...created, reminders: counts };
    });
  }

  setGroupMembers(groupId: string, members: string[], options: DeliveryOptions<string[]>) {
    return audience.setGroupMembers(this.db, groupId, members, options);
  }

  patchGroupMembers(
    groupId: string,
    change: { add: string[]; remove: string[] },
    options: DeliveryOptions<string[]>,
  ) {
    return audience.patchGroupMembers(this.db, groupId, change, options);
  }

  deleteGroup(groupId: string, options: DeliveryOptions<boolean>) {
    return audience.deleteGroup(this.db, groupId, options);
  }

  groupMembers(groupId: string): Promise<string[] | null> {
    return audience.groupMembers(this.db, groupId);
  }

  subscribedChannels(userId: string): Promise<NotificationChannel[]> {
    return consent.subscribedChannels(this.db, userId);
  }

  setSubscribed(
    userId: string,
    channels: readonly NotificationChannel[],
    subscribed: boolean,
    now: Date,
  ): Promise<NotificationChannel[]> {
    return consent.setSubscribed(this.db, userId, channels, subscribed, now);
  }

  openDevice(userId: string, deviceId: string, now: Date) {
    return inbox.openDevice(this.db, userId, deviceId, now);
  }

  openDeviceCatchUp(userId: string, deviceId: string, now: Date) {
    return inbox.openDeviceCatchUp(this.db, (write) => this.writes.submit(write), userId, deviceId, now);
  }

  catchUpSummary(userId: string) {
    return inbox.catchUpSummary(this.db, userId);
  }

  pendingForDevice(userId: string, afterSeq: number, limit: number): Promise<NotificationItem[]> {
    return inbox.pendingForDevice(this.db, userId, afterSeq, limit);
  }

  confirmReceived(userId: string, deviceId: string, upToSeq: number, now: Date): Promise<number> {
    return inbox.confirmReceived(this.db, userId, deviceId, upToSeq, now);
  }

  listInbox(userId: string, query: InboxQuery) {
    return inbox.listInbox(this.db, userId, query);
  }

  unreadCount(userId: string): Promise<number> {
    return inbox.unreadCount(this.db, userId);
  }

  markRead(userId: string, target: { ids: readonly string[] } | { all: true }, now: Date) {
    return inbox.markRead(this.db, userId, target, now);
  }

  fireDueReminders(now: Date, limit: number, build: (reminder: PendingReminder) => NewNotification | null) {
    return reminders.fireDueReminders(this.db, this.dialect, this.nextId, now, limit, build);
  }

  pendingReminders(filter?: { kind: ReminderKind; itemId: string }): Promise<PendingReminder[]> {
    return reminders.pendingReminders(this.db, filter);
  }

  pruneDeliveries(olderThan: Date): Promise<number> {
    return pruneDeliveries(this.db, olderThan);
  }
}
