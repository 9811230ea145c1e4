import { z } from 'zod';
import { NOTIFICATION_LIMITS } from './limits.js';
import { calendarEventSchema, matchSchema, trainingSchema } from './notification-schemas.js';
import { idSchema, seqSchema, userIdSchema } from './schemas.js';

// The schemas of the notification inbox events and of the ingestion API; their types and the plain
// constants are in notification-api.ts (which browsers import without zod).

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

// ---- HTTP: the ingestion API ----

/** Who receives a notification: listed users, the members of named groups, or every user. */
export const audienceSchema = z.union([
  z.strictObject({ users: z.array(userIdSchema).min(1).max(NOTIFICATION_LIMITS.audienceMaxUsers) }),
  z.strictObject({ groups: z.array(idSchema).min(1).max(NOTIFICATION_LIMITS.audienceMaxGroups) }),
  z.strictObject({ everyone: z.literal(true) }),
]);
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
export const INGEST_NOTIFICATION_TYPES = ingestNotificationSchema.options.map(
  (option) => option.shape.type.value,
) as z.infer<typeof ingestNotificationSchema>['type'][];

/** The body of `POST /api/v1/webhooks/:source`, delivered as `webhook:notification { type, title, message }`. */
export const webhookNotificationSchema = z.strictObject({
  type: z.string().trim().min(1).max(64),
  title: z.string().trim().min(1).max(200),
  message: noticeMessage,
  audience: audienceSchema,
});
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
