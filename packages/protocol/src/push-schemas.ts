import { z } from 'zod';
import { LIMITS } from './limits.js';

// The schemas of the Web Push events; their types are in push.ts (which browsers import without zod).

/** The base64url keys of a browser's push subscription (RFC 8291: a P-256 point and a 16-byte secret). */
const base64url = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url');

/** `PushSubscription.toJSON()` as browsers give it. */
export const pushSubscriptionSchema = z.object({
  endpoint: z.url({ protocol: /^https$/ }).max(LIMITS.pushEndpointMaxLength),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({ p256dh: base64url(80, 100), auth: base64url(16, 32) }),
});

export const registerPushSchema = z.strictObject({ subscription: pushSubscriptionSchema });

export const unregisterPushSchema = z.strictObject({
  endpoint: z.url({ protocol: /^https$/ }).max(LIMITS.pushEndpointMaxLength),
});

export const getPushConfigSchema = z.strictObject({});
