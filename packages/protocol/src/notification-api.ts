import { z } from 'zod';
import { calendarEventSchema, matchSchema, type NotificationItem, trainingSchema } from './notifications.js';
import { idSchema, type NotificationChannel, seqSchema, userIdSchema } from './schemas.js';

// The notification inbox over Socket.IO (client events and their server events) and the ingestion API
// the platform's backend calls over HTTP (`POST /api/v1/notifications`, webhooks, audience groups).
// See docs/notifications.md.

export const NOTIFICATION_LIMITS = {
  /** Largest signed HTTP body of the ingestion API, in bytes; bigger bodies get 413 PAYLOAD_TOO_LARGE. */
  ingestBodyMaxBytes: 64 * 1024,
  /** Most user ids in one `{ users: [...] }` audience. */
  audienceMaxUsers: 1000,
  /** Most group ids in one `{ groups: [...] }` audience. */
  audienceMaxGroups: 50,
  /** Most members a named audience group holds. */
  groupMaxMembers: 10_000,
  /** Most user ids one group membership request adds, removes or sets. */
  groupMembersPerRequest: 1000,
  /** Largest page of `list_notifications`. */
  inboxPageMaxSize: 100,
  /** Most ids in one `mark_notifications_read`. */
  markReadMaxIds: 100,
  /** Most items in one `queued_notifications` batch. */
  queuedBatchSize: 100,
  /** Longest system notice or webhook message, in UTF-16 code units. */
  messageMaxLength: 2000,
} as const;

const uniqueIds = (ids: readonly string[]) => new Set(ids).size === ids.length;

// ---- Socket.IO: the inbox and preferences ----

export const getPreferencesSchema = z.strictObject({});

export const listNotificationsSchema = z.strictObject({
  /** Only items with a seq below this (the lowest seq held); omit for the newest page. */
  beforeSeq: seqSchema.optional(),
  limit: z.number().int().min(1).max(NOTIFICATION_LIMITS.inboxPageMaxSize).default(20),
  unreadOnly: z.boolean().default(false),
});

/** `{ ids: [...] }` marks those items read; `{ all: true }` marks every item of the inbox read. */
export const markNotificationsReadSchema = z
  .strictObject({
    ids: z
      .array(idSchema)
      .min(1)
      .max(NOTIFICATION_LIMITS.markReadMaxIds)
      .refine(uniqueIds, 'ids must be unique')
      .optional(),
    all: z.literal(true).optional(),
  })
  .refine((value) => (value.ids === undefined) !== (value.all === undefined), {
    message: 'pass either ids or all: true',
  });

/** Cumulative, per device: "this device holds every notification meant for it up to seq N". */
export const notificationsReceivedSchema = z.strictObject({ upToSeq: seqSchema });

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

/** Who receives a notification: listed users, the members of named groups, or every user. */
export const audienceSchema = z.union([
  z.strictObject({ users: z.array(userIdSchema).min(1).max(NOTIFICATION_LIMITS.audienceMaxUsers) }),
  z.strictObject({ groups: z.array(idSchema).min(1).max(NOTIFICATION_LIMITS.audienceMaxGroups) }),
  z.strictObject({ everyone: z.literal(true) }),
]);
export type Audience = z.infer<typeof audienceSchema>;

const noticeMessage = z.string().trim().min(1).max(NOTIFICATION_LIMITS.messageMaxLength);
export const systemNoticeInputSchema = z.strictObject({ message: noticeMessage });

const ingest = <T extends string, P extends z.ZodType>(type: T, payload: P) =>
  z.strictObject({ type: z.literal(type), payload, audience: audienceSchema });

/** The body of `POST /api/v1/notifications`: one of the spec's event names with its item. */
export const ingestNotificationSchema = z.discriminatedUnion('type', [
  ingest('calendar:event-created', calendarEventSchema),
  ingest('calendar:event-updated', calendarEventSchema),
  ingest('calendar:event-cancelled', calendarEventSchema),
  ingest('match:scheduled', matchSchema),
  ingest('match:updated', matchSchema),
  ingest('match:cancelled', matchSchema),
  ingest('training:scheduled', trainingSchema),
  ingest('system:maintenance', systemNoticeInputSchema),
  ingest('system:update', systemNoticeInputSchema),
]);
export type IngestNotificationInput = z.infer<typeof ingestNotificationSchema>;
export type IngestNotificationType = IngestNotificationInput['type'];

export const INGEST_NOTIFICATION_TYPES = ingestNotificationSchema.options.map(
  (option) => option.shape.type.value,
) as IngestNotificationType[];

/** The body of `POST /api/v1/webhooks/:source`, delivered as `webhook:notification { type, title, message }`. */
export const webhookNotificationSchema = z.strictObject({
  type: z.string().trim().min(1).max(64),
  title: z.string().trim().min(1).max(200),
  message: noticeMessage,
  audience: audienceSchema,
});
export type WebhookNotificationInput = z.infer<typeof webhookNotificationSchema>;

const memberList = z
  .array(userIdSchema)
  .max(NOTIFICATION_LIMITS.groupMembersPerRequest)
  .refine(uniqueIds, 'user ids must be unique');

/** `PUT /api/v1/groups/:groupId/members`: the complete member list (creates the group). */
export const setGroupMembersSchema = z.strictObject({ members: memberList });

/** `PATCH /api/v1/groups/:groupId/members`: members to add and to remove (creates the group). */
export const patchGroupMembersSchema = z
  .strictObject({ add: memberList.optional(), remove: memberList.optional() })
  .refine((value) => (value.add?.length ?? 0) + (value.remove?.length ?? 0) > 0, {
    message: 'add or remove at least one user',
  });

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
