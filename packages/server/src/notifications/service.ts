import {
  type IngestNotificationInput,
  type IngestResult,
  type MentionPayload,
  NOTIFICATION_EVENT_CHANNELS,
  type NotificationEventName,
  type NotificationMeta,
  type WebhookNotificationInput,
} from '@mpi/protocol';
import type { Logger } from 'pino';
import { formatIsoDuration } from '../durations.js';
import type { PushNotifier } from '../push/push-notifier.js';
import { rooms } from '../realtime/rooms.js';
import type { RealtimeServer } from '../realtime/types.js';
import type {
  CreatedNotification,
  DeliveryRecord,
  NewNotification,
  PendingReminder,
  ReminderChange,
  ReminderKind,
} from '../storage/notifications/notification-storage.js';
import type { Storage } from '../storage/storage.js';
import type { StoredAnswer } from './signed-api.js';

/** A reminder fired within this time after its due time says its lead time (`PT1H`); later, the time left. */
const ON_TIME_GRACE_MS = 60_000;

/** The property that carries the item in the spec's payloads of each kind. */
const ITEM_KEY = { calendar: 'event', match: 'match', training: 'training' } as const;

type ItemType = Exclude<IngestNotificationInput['type'], 'system:maintenance' | 'system:update'>;

/** What each item notification does: the spec's action, and what happens to the item's reminders. */
const ITEM_TYPES: Record<ItemType, { kind: ReminderKind; action: string; reminders: 'schedule' | 'cancel' }> =
  {
    'calendar:event-created': { kind: 'calendar', action: 'created', reminders: 'schedule' },
    'calendar:event-updated': { kind: 'calendar', action: 'updated', reminders: 'schedule' },
    'calendar:event-cancelled': { kind: 'calendar', action: 'cancelled', reminders: 'cancel' },
    'match:scheduled': { kind: 'match', action: 'scheduled', reminders: 'schedule' },
    'match:updated': { kind: 'match', action: 'updated', reminders: 'schedule' },
    'match:cancelled': { kind: 'match', action: 'cancelled', reminders: 'cancel' },
    'training:scheduled': { kind: 'training', action: 'scheduled', reminders: 'schedule' },
  };

export interface ServiceDeps {
  io: RealtimeServer;
  storage: Storage;
  log: Logger;
  now: () => number;
  reminderLeadTimesMs: readonly number[];
  push: PushNotifier;
}

/** Turns ingested items, webhooks and due reminders into stored notifications and live events. */
export class NotificationService {
  constructor(private readonly deps: ServiceDeps) {}

  /** The stored notification and reminder change of a `POST /api/v1/notifications` body. */
  plan(input: IngestNotificationInput): { notification: NewNotification; reminders?: ReminderChange } {
    const base = {
      event: input.type,
      channel: NOTIFICATION_EVENT_CHANNELS[input.type],
      audience: input.audience,
    };
    if (input.type === 'system:maintenance' || input.type === 'system:update') {
      const { message } = input.payload;
      return { notification: { ...base, source: 'api', payload: (id) => ({ message, id }) } };
    }
    const rule = ITEM_TYPES[input.type];
    const item = input.payload;
    const payload = { [ITEM_KEY[rule.kind]]: item, action: rule.action };
    const reminders: ReminderChange = {
      kind: rule.kind,
      itemId: item.id,
      schedule:
        rule.reminders === 'cancel'
          ? null
          : {
              item,
              startsAt: new Date(item.startsAt),
              leadTimesMs: this.deps.reminderLeadTimesMs,
              audience: input.audience,
            },
    };
    return { notification: { ...base, source: 'api', payload: () => payload }, reminders };
  }

  async ingest(input: IngestNotificationInput, delivery: DeliveryRecord): Promise<StoredAnswer> {
    const { notification, reminders } = this.plan(input);
    return this.store(notification, delivery, reminders);
  }

  webhook(source: string, input: WebhookNotificationInput, delivery: DeliveryRecord): Promise<StoredAnswer> {
    const { type, title, message, audience } = input;
    return this.store(
      {
        event: 'webhook:notification',
        channel: NOTIFICATION_EVENT_CHANNELS['webhook:notification'],
        payload: () => ({ type, title, message }),
        audience,
        source: `webhook:${source}`,
      },
      delivery,
    );
  }

  /**
   * A `chat:mention` for the mentioned members, stored once per message: its delivery id is the
   * message's, so a retried send replays instead of storing a second one.
   */
  async mention(payload: MentionPayload, recipients: readonly string[]): Promise<void> {
    const outcome = await this.deps.storage.notifications.create(
      {
        event: 'chat:mention',
        channel: NOTIFICATION_EVENT_CHANNELS['chat:mention'],
        payload: () => payload,
        audience: { users: [...recipients] },
        source: 'mention',
      },
      {
        now: new Date(this.deps.now()),
        delivery: { deliveryId: `mention:${payload.messageId}`, fingerprint: 'chat:mention' },
        respond: (created) => ({ status: 201, body: ingestResult(created) }),
      },
    );
    if (!outcome.replayed) this.emit(outcome.value);
  }

  /** The notification a due reminder becomes, or null once its item has started (it is skipped). */
  buildReminder(reminder: PendingReminder): NewNotification | null {
    const now = this.deps.now();
    const startsAt = Date.parse(reminder.startsAt);
    if (!(now < startsAt)) return null;
    const late = now - Date.parse(reminder.dueAt) > ON_TIME_GRACE_MS;
    const timeUntil = formatIsoDuration(late ? startsAt - now : reminder.leadMs);
    const event = `${reminder.kind}:reminder` as const;
    return {
      event,
      channel: NOTIFICATION_EVENT_CHANNELS[event],
      payload: () => ({ [ITEM_KEY[reminder.kind]]: reminder.item, timeUntil }),
      audience: reminder.audience,
      source: 'reminder',
    };
  }

  /** Fires every due reminder (in batches); returns how many notifications were sent. */
  async fireDueReminders(batchSize = 100): Promise<number> {
    let fired = 0;
    for (;;) {
      const { claimed, created } = await this.deps.storage.notifications.fireDueReminders(
        new Date(this.deps.now()),
        batchSize,
        (reminder) => this.buildReminder(reminder),
      );
      for (const notification of created) this.emit(notification);
      fired += created.length;
      if (claimed < batchSize) return fired;
    }
  }

  /**
   * Sends a stored notification to its connected recipients (the spec's payload, then its meta) and as a
   * Web Push to their devices that are not connected.
   */
  emit(created: CreatedNotification): void {
    this.deps.push.notification(created);
    const { notification: n, liveRecipients } = created;
    const meta: NotificationMeta = { id: n.id, seq: n.seq, channel: n.channel, createdAt: n.createdAt };
    const { io } = this.deps;
    let target: ReturnType<RealtimeServer['to']>;
    if (liveRecipients === null) target = io.to(rooms.channel(n.channel));
    else if (liveRecipients.length > 0) target = io.to(liveRecipients.map(rooms.user));
    else return;
    (target.emit as (event: NotificationEventName, payload: object, meta: NotificationMeta) => boolean)(
      n.event,
      n.payload,
      meta,
    );
  }

  private async store(
    notification: NewNotification,
    delivery: DeliveryRecord,
    reminders?: ReminderChange,
  ): Promise<StoredAnswer> {
    const outcome = await this.deps.storage.notifications.create(notification, {
      now: new Date(this.deps.now()),
      delivery,
      reminders,
      respond: (created) => ({ status: 201, body: ingestResult(created) }),
    });
    if (outcome.replayed) return outcome;
    this.emit(outcome.value);
    this.deps.log.info(
      {
        notificationId: outcome.value.notification.id,
        event: notification.event,
        source: notification.source,
        deliveryId: delivery.deliveryId,
        recipients: outcome.value.recipientCount ?? 'everyone',
      },
      'notification stored',
    );
    return outcome;
  }
}

function ingestResult(created: CreatedNotification): IngestResult {
  const n = created.notification;
  return {
    id: n.id,
    seq: n.seq,
    type: n.event,
    channel: n.channel,
    createdAt: n.createdAt,
    recipientCount: created.recipientCount,
    reminders: created.reminders,
  };
}
