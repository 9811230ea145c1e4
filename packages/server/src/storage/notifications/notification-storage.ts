import type { Audience, NotificationChannel, NotificationEventName, NotificationItem } from '@mpi/protocol';

// Everything the notification feature persists: `Storage#notifications`. See docs/notifications.md.

export type ReminderKind = 'calendar' | 'match' | 'training';

/** A notification to store. */
export interface NewNotification {
  event: NotificationEventName;
  channel: NotificationChannel;
  /** The exact wire payload, built once the id is known (`system:*` payloads carry it). */
  payload(id: string): object;
  audience: Audience;
  /** `api`, `webhook:<source>` or `reminder`. */
  source: string;
}

/** What a new notification does to the reminders of its item (`calendar`, `match`, `training`). */
export interface ReminderChange {
  kind: ReminderKind;
  itemId: string;
  /** null cancels the item's pending reminders; otherwise they are replaced by these. */
  schedule: null | {
    /** The CalendarEvent / Match / Training, as the reminder will carry it. */
    item: object;
    startsAt: Date;
    leadTimesMs: readonly number[];
    audience: Audience;
  };
}

export interface StoredNotification {
  seq: number;
  id: string;
  event: NotificationEventName;
  channel: NotificationChannel;
  payload: object;
  audience: 'everyone' | 'users' | 'groups';
  createdAt: string;
}

export interface CreatedNotification {
  notification: StoredNotification;
  /** Users to send it to now (addressed and not opted out of its channel); null for `everyone`. */
  liveRecipients: string[] | null;
  /** Users addressed; null for `everyone`. */
  recipientCount: number | null;
  reminders: { scheduled: number; cancelled: number };
}

/** A signed request's delivery id and a hash of the request, for idempotency. */
export interface DeliveryRecord {
  deliveryId: string;
  fingerprint: string;
}

/** The HTTP answer stored with a delivery id and returned again on a replay. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

export type Idempotent<T> =
  | { replayed: true; response: StoredResponse }
  | { replayed: false; value: T; response: StoredResponse };

/** How a mutating request records its delivery id, in the same transaction as its effect. */
export interface DeliveryOptions<T> {
  now: Date;
  delivery?: DeliveryRecord | undefined;
  respond(value: T): StoredResponse;
}

export interface PendingReminder {
  id: string;
  kind: ReminderKind;
  itemId: string;
  leadMs: number;
  dueAt: string;
  startsAt: string;
  item: object;
  audience: Audience;
}

export interface InboxQuery {
  beforeSeq?: number | undefined;
  limit: number;
  unreadOnly: boolean;
}

export interface NotificationStorage {
  /**
   * Stores a notification once (recipient rows only for a targeted audience) and applies its reminder
   * change, in one transaction with its delivery id. A replayed delivery id returns the stored answer
   * and changes nothing; the same id with another fingerprint throws DELIVERY_ID_REUSED. An audience
   * naming an unknown group throws GROUP_NOT_FOUND.
   */
  create(
    input: NewNotification,
    options: DeliveryOptions<CreatedNotification> & { reminders?: ReminderChange | undefined },
  ): Promise<Idempotent<CreatedNotification>>;

  /** Replaces a group's members (creating the group). */
  setGroupMembers(
    groupId: string,
    members: string[],
    options: DeliveryOptions<string[]>,
  ): Promise<Idempotent<string[]>>;
  /** Adds and removes members (creating the group). */
  patchGroupMembers(
    groupId: string,
    change: { add: string[]; remove: string[] },
    options: DeliveryOptions<string[]>,
  ): Promise<Idempotent<string[]>>;
  /** Deletes a group; the value is false when it did not exist. */
  deleteGroup(groupId: string, options: DeliveryOptions<boolean>): Promise<Idempotent<boolean>>;
  /** Sorted members, or null when the group does not exist. */
  groupMembers(groupId: string): Promise<string[] | null>;

  /** The channels the user is subscribed to now (all by default). */
  subscribedChannels(userId: string): Promise<NotificationChannel[]>;
  /** Opts the user in or out of channels (`system` is the caller's business); returns the channels now. */
  setSubscribed(
    userId: string,
    channels: readonly NotificationChannel[],
    subscribed: boolean,
    now: Date,
  ): Promise<NotificationChannel[]>;

  /**
   * Registers the user and device on first sight, in one read when both are known, and returns the
   * device's cursor. A new device's cursor starts at the last seq (it gets nothing older through catch-up;
   * the inbox lists it). `pending` is false when nothing above the cursor can be the device's (always for
   * a new device), so the catch-up need not look.
   */
  openDeviceCatchUp(
    userId: string,
    deviceId: string,
    now: Date,
  ): Promise<{ newDevice: boolean; cursor: number; pending: boolean }>;
  /** `unreadCount` and `subscribedChannels` in one read (a catch-up's last step). */
  catchUpSummary(userId: string): Promise<{ unreadCount: number; channels: NotificationChannel[] }>;
  /** The user's items with seq > afterSeq, oldest first. */
  pendingForDevice(userId: string, afterSeq: number, limit: number): Promise<NotificationItem[]>;
  /** Cumulative receipt of a device; never moves back; clamps to the last seq. */
  confirmReceived(userId: string, deviceId: string, upToSeq: number, now: Date): Promise<number>;
  /** A page of the inbox, newest first. */
  listInbox(userId: string, query: InboxQuery): Promise<{ items: NotificationItem[]; hasMore: boolean }>;
  unreadCount(userId: string): Promise<number>;
  /** Marks items (ignoring ids not in the user's inbox) or everything read. */
  markRead(
    userId: string,
    target: { ids: readonly string[] } | { all: true },
    now: Date,
  ): Promise<{ ids: string[]; unreadCount: number }>;

  /**
   * Claims up to `limit` due reminders (due_at <= now) and deletes them, in one transaction. Claims are
   * exclusive across nodes (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer). Of several
   * claimed reminders of one item only the nearest to its start is built; `build` returns the
   * notification, or null to skip it. The notifications are stored in the same transaction.
   */
  fireDueReminders(
    now: Date,
    limit: number,
    build: (reminder: PendingReminder) => NewNotification | null,
  ): Promise<{ claimed: number; created: CreatedNotification[] }>;

  /** Deletes notifications (read or unread) created before `olderThan`, with their recipients and reads. */
  pruneNotifications(olderThan: Date): Promise<{ deleted: number }>;

  /** Forgets delivery ids older than this; returns how many. */
  pruneDeliveries(olderThan: Date): Promise<number>;
}
