import { z } from 'zod';

// Payloads of the spec's notification events. The platform's backend sends them to the ingestion API;
// the server validates them with these schemas and forwards them to clients unchanged.

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
