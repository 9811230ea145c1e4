import type { NotificationChannel, NotificationItem } from '@mpi/protocol';
import type { Kysely } from 'kysely';
import type { IdFactory } from '../db/ids.js';
import type { Database } from '../db/schema.js';
import type { WriteBatcher } from '../db/write-batcher.js';
import * as audience from './audience.js';
import * as consent from './consent.js';
import * as catchUp from './device-catch-up.js';
import * as inbox from './inbox.js';
import { idempotent, pruneDeliveries } from './ingest-deliveries.js';
import type {
  CreatedNotification,
  DeliveryOptions,
  Idempotent,
  InboxQuery,
  NewNotification,
  NotificationStorage,
  PendingReminder,
  ReminderChange,
} from './notification-storage.js';
import * as reminders from './reminders.js';
import { pruneNotifications } from './retention.js';

/** {@link NotificationStorage} over the same Kysely connection as the rest of the storage. */
export class KyselyNotificationStorage implements NotificationStorage {
  private readonly consentQueries: consent.ConsentQueries;
  private readonly catchUpQueries: catchUp.NotificationCatchUpQueries;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
    private readonly nextId: IdFactory,
    /** Group commit shared with the chat storage (a connection's first writes join it). */
    private readonly writes: WriteBatcher,
  ) {
    this.consentQueries = new consent.ConsentQueries(db);
    this.catchUpQueries = new catchUp.NotificationCatchUpQueries(db);
  }

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
    return consent.subscribedChannels(this.db, this.consentQueries, userId);
  }

  setSubscribed(
    userId: string,
    channels: readonly NotificationChannel[],
    subscribed: boolean,
    now: Date,
  ): Promise<NotificationChannel[]> {
    return consent.setSubscribed(this.db, this.consentQueries, userId, channels, subscribed, now);
  }

  openDeviceCatchUp(userId: string, deviceId: string, now: Date) {
    return catchUp.openDeviceCatchUp(this.db, this.catchUpQueries, this.writes, userId, deviceId, now);
  }

  catchUpSummary(userId: string) {
    return catchUp.catchUpSummary(this.db, this.catchUpQueries, userId);
  }

  pendingForDevice(userId: string, afterSeq: number, limit: number): Promise<NotificationItem[]> {
    return catchUp.pendingForDevice(this.db, userId, afterSeq, limit);
  }

  confirmReceived(userId: string, deviceId: string, upToSeq: number, now: Date): Promise<number> {
    return catchUp.confirmReceived(this.db, userId, deviceId, upToSeq, now);
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

  pruneNotifications(olderThan: Date): Promise<{ deleted: number }> {
    return pruneNotifications(this.db, olderThan);
  }

  pruneDeliveries(olderThan: Date): Promise<number> {
    return pruneDeliveries(this.db, olderThan);
  }
}
