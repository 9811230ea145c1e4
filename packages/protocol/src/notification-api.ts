import type { z } from 'zod';
import type { NotificationChannel } from './channels.js';
import type {
  audienceSchema,
  getPreferencesSchema,
  ingestNotificationSchema,
  listNotificationsSchema,
  markNotificationsReadSchema,
  notificationsReceivedSchema,
  webhookNotificationSchema,
} from './notification-api-schemas.js';
import type { NotificationItem } from './notifications.js';

// The notification inbox over Socket.IO (client events and their server events) and the ingestion API
// the platform's backend calls over HTTP (`POST /api/v1/notifications`, webhooks, audience groups).
// See docs/notifications.md. The schemas are in notification-api-schemas.ts (`@mpi/protocol/schemas`).

// ---- Socket.IO: the inbox and preferences ----

export type GetPreferencesInput = z.input<typeof getPreferencesSchema>;
export type ListNotificationsInput = z.input<typeof listNotificationsSchema>;
export type MarkNotificationsReadInput = z.input<typeof markNotificationsReadSchema>;
export type NotificationsReceivedInput = z.input<typeof notificationsReceivedSchema>;

export interface NotificationPage {
  /** Newest first. */
  notifications: NotificationItem[];
  hasMore: boolean;
  unreadCount: number;
}

export interface NotificationChannelsPayload {
  /** The channels the user is subscribed to now, on every device. */
  channels: NotificationChannel[];
}

export interface NotificationsReadPayload {
  /** The items marked read, or absent when `all` is true. */
  ids?: string[];
  all?: boolean;
  unreadCount: number;
}

export interface NotificationsCatchUpCompletePayload {
  /** How many items the catch-up sent in `queued_notifications` batches. */
  notifications: number;
  /** The device's cursor when the catch-up began: it got every item above it. */
  fromSeq: number;
  unreadCount: number;
  channels: NotificationChannel[];
}

// ---- HTTP: the ingestion API ----

export type Audience = z.infer<typeof audienceSchema>;
export type IngestNotificationInput = z.infer<typeof ingestNotificationSchema>;
export type IngestNotificationType = IngestNotificationInput['type'];
export type WebhookNotificationInput = z.infer<typeof webhookNotificationSchema>;

/** The answer of `POST /api/v1/notifications` and of a webhook (201, and the same again on a replay). */
export interface IngestResult {
  id: string;
  seq: number;
  type: string;
  channel: NotificationChannel;
  createdAt: string;
  /** Users addressed (listed, or group members at send time); null for `everyone`. */
  recipientCount: number | null;
  /** Reminders scheduled and cancelled by this notification. */
  reminders: { scheduled: number; cancelled: number };
}

export interface GroupMembersResult {
  groupId: string;
  members: string[];
}

/** Request headers of the signed ingestion API. */
export const SIGNATURE_HEADERS = {
  timestamp: 'x-mpi-timestamp',
  signature: 'x-mpi-signature',
  deliveryId: 'x-mpi-delivery-id',
} as const;
