/** The notification channels a user can subscribe to; `system` cannot be unsubscribed. */
export const NOTIFICATION_CHANNELS = ['calendar', 'matches', 'training', 'system'] as const;

export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];
