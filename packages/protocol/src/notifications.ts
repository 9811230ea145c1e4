import { z } from 'zod';

/**
 * Payloads of the spec's notification events. The platform's backend sends them to the ingestion API;
 * the server validates them with these schemas and forwards them to clients unchanged.
 */

const scheduledItemFields = {
  id: z.string().min(1).max(128),
  title: z.string().min(1).max(200),
  /** ISO 8601 start time. */
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.iso.datetime({ offset: true }).optional(),
  location: z.string().max(200).optional(),
  teamId: z.string().max(128).optional(),
  description: z.string().max(2000).optional(),
};

export const calendarEventSchema = z.strictObject({ ...scheduledItemFields });
export const matchSchema = z.strictObject({
  ...scheduledItemFields,
  homeTeam: z.string().max(200).optional(),
  awayTeam: z.string().max(200).optional(),
  competition: z.string().max(200).optional(),
});
export const trainingSchema = z.strictObject({
  ...scheduledItemFields,
  coach: z.string().max(200).optional(),
});

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
export interface WebhookNotificationPayload {
  type: string;
  title: string;
  message: string;
}

export interface NotificationEvents {
  'calendar:event-created': (payload: CalendarEventPayload<'created'>) => void;
  'calendar:event-updated': (payload: CalendarEventPayload<'updated'>) => void;
  'calendar:event-cancelled': (payload: CalendarEventPayload<'cancelled'>) => void;
  'calendar:reminder': (payload: CalendarReminderPayload) => void;
  'match:scheduled': (payload: MatchPayload<'scheduled'>) => void;
  'match:updated': (payload: MatchPayload<'updated'>) => void;
  'match:cancelled': (payload: MatchPayload<'cancelled'>) => void;
  'match:reminder': (payload: MatchReminderPayload) => void;
  'training:scheduled': (payload: TrainingPayload<'scheduled'>) => void;
  'training:reminder': (payload: TrainingReminderPayload) => void;
  'system:maintenance': (payload: SystemNoticePayload) => void;
  'system:update': (payload: SystemNoticePayload) => void;
  'webhook:notification': (payload: WebhookNotificationPayload) => void;
}

export type NotificationEventName = keyof NotificationEvents;

/** Every notification event name, at run time (for listeners that forward all of them). */
export const NOTIFICATION_EVENT_NAMES = [
  'calendar:event-created',
  'calendar:event-updated',
  'calendar:event-cancelled',
  'calendar:reminder',
  'match:scheduled',
  'match:updated',
  'match:cancelled',
  'match:reminder',
  'training:scheduled',
  'training:reminder',
  'system:maintenance',
  'system:update',
  'webhook:notification',
] as const satisfies readonly NotificationEventName[];

// A name missing from the list above fails here.
type MissingNotificationEvent = Exclude<NotificationEventName, (typeof NOTIFICATION_EVENT_NAMES)[number]>;
export const NOTIFICATION_EVENT_NAMES_COMPLETE: MissingNotificationEvent extends never ? true : false = true;
