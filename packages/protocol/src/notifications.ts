import type { z } from 'zod';
import type { NotificationChannel } from './channels.js';
import type { calendarEventSchema, matchSchema, trainingSchema } from './notification-schemas.js';

// Payloads of the spec's notification events (their schemas: notification-schemas.ts, for the server).

export type CalendarEvent = z.infer<typeof calendarEventSchema>;
export type Match = z.infer<typeof matchSchema>;
export type Training = z.infer<typeof trainingSchema>;

export interface CalendarEventPayload<A extends 'created' | 'updated' | 'cancelled'> {
  event: CalendarEvent;
  action: A;
}
export interface MatchPayload<A extends 'scheduled' | 'updated' | 'cancelled'> {
  match: Match;
  action: A;
}
export interface TrainingPayload<A extends 'scheduled'> {
  training: Training;
  action: A;
}
/** `timeUntil` is an ISO 8601 duration until the start, e.g. `PT1H` or `P1D`. */
export interface CalendarReminderPayload {
  event: CalendarEvent;
  timeUntil: string;
}
export interface MatchReminderPayload {
  match: Match;
  timeUntil: string;
}
export interface TrainingReminderPayload {
  training: Training;
  timeUntil: string;
}
export interface SystemNoticePayload {
  message: string;
  id: string;
}
/** Someone @mentioned you in a chat (raised even when you muted the chat). */
export interface MentionPayload {
  chatId: string;
  messageId: string;
  seq: number;
  senderId: string;
  /** The sender's display name when the message was sent, if they set one. */
  senderName?: string;
  /** The group's name; null for a DM. */
  chatName: string | null;
  /** The message text, at most 200 characters of it. */
  text: string;
}
export interface WebhookNotificationPayload {
  type: string;
  title: string;
  message: string;
}

/**
 * Sent as the second argument of every notification event, after the spec's payload (which stays exactly
 * as the guide writes it): a handler written as `(payload) => …` simply ignores it. It identifies the
 * stored inbox item, for `mark_notifications_read` and `notifications_received`.
 */
export interface NotificationMeta {
  /** The inbox item's id (a ULID); for `system:*` it equals the payload's `id`. */
  id: string;
  /** Position in the server's notification sequence: increasing, shared by all users, with gaps per user. */
  seq: number;
  channel: NotificationChannel;
  /** ISO 8601, UTC. */
  createdAt: string;
}

export interface NotificationEvents {
  'calendar:event-created': (payload: CalendarEventPayload<'created'>, meta: NotificationMeta) => void;
  'calendar:event-updated': (payload: CalendarEventPayload<'updated'>, meta: NotificationMeta) => void;
  'calendar:event-cancelled': (payload: CalendarEventPayload<'cancelled'>, meta: NotificationMeta) => void;
  'calendar:reminder': (payload: CalendarReminderPayload, meta: NotificationMeta) => void;
  'match:scheduled': (payload: MatchPayload<'scheduled'>, meta: NotificationMeta) => void;
  'match:updated': (payload: MatchPayload<'updated'>, meta: NotificationMeta) => void;
  'match:cancelled': (payload: MatchPayload<'cancelled'>, meta: NotificationMeta) => void;
  'match:reminder': (payload: MatchReminderPayload, meta: NotificationMeta) => void;
  'training:scheduled': (payload: TrainingPayload<'scheduled'>, meta: NotificationMeta) => void;
  'training:reminder': (payload: TrainingReminderPayload, meta: NotificationMeta) => void;
  'system:maintenance': (payload: SystemNoticePayload, meta: NotificationMeta) => void;
  'system:update': (payload: SystemNoticePayload, meta: NotificationMeta) => void;
  'webhook:notification': (payload: WebhookNotificationPayload, meta: NotificationMeta) => void;
  'chat:mention': (payload: MentionPayload, meta: NotificationMeta) => void;
}

export type NotificationEventName = keyof NotificationEvents;

/** The spec's payload of a notification event. */
export type NotificationPayloadOf<E extends NotificationEventName> = Parameters<NotificationEvents[E]>[0];

/** The channel each notification event belongs to; `system` cannot be unsubscribed. */
export const NOTIFICATION_EVENT_CHANNELS = {
  'calendar:event-created': 'calendar',
  'calendar:event-updated': 'calendar',
  'calendar:event-cancelled': 'calendar',
  'calendar:reminder': 'calendar',
  'match:scheduled': 'matches',
  'match:updated': 'matches',
  'match:cancelled': 'matches',
  'match:reminder': 'matches',
  'training:scheduled': 'training',
  'training:reminder': 'training',
  'system:maintenance': 'system',
  'system:update': 'system',
  'webhook:notification': 'system',
  // A mention is addressed to one person by another: like a system notice, it cannot be opted out of.
  'chat:mention': 'system',
} as const satisfies Record<NotificationEventName, NotificationChannel>;

export const NOTIFICATION_EVENT_NAMES = Object.keys(NOTIFICATION_EVENT_CHANNELS) as NotificationEventName[];

/** Channels a user cannot opt out of. */
export const MANDATORY_CHANNELS: readonly NotificationChannel[] = ['system'];

/** One stored notification of a user's inbox: the spec's event name and payload plus its meta. */
export type NotificationItem = {
  [E in NotificationEventName]: NotificationMeta & {
    event: E;
    payload: NotificationPayloadOf<E>;
    /** The user marked it read (on any device). */
    read: boolean;
  };
}[NotificationEventName];
