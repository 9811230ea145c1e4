import type { z } from 'zod';
import type { ChatType, MessageData } from './models.js';
import type { NotificationItem } from './notifications.js';
import type { getPushConfigSchema, registerPushSchema, unregisterPushSchema } from './push-schemas.js';

// Web Push (OS notifications while no tab of the device is connected): the events that register a
// device's subscription, and what the service worker receives. See docs/protocol.md, "Web Push".

export type GetPushConfigInput = z.input<typeof getPushConfigSchema>;
export type RegisterPushInput = z.input<typeof registerPushSchema>;
export type UnregisterPushInput = z.input<typeof unregisterPushSchema>;

export interface PushConfig {
  /** The server's VAPID public key (base64url), the `applicationServerKey` to subscribe with; null: push is off. */
  publicKey: string | null;
}

/**
 * The JSON payload of a push, as the service worker decrypts it: the message or the inbox item, which it
 * describes as the app does and shows; a click opens the chat or the notification centre.
 */
export type PushMessage =
  | {
      kind: 'message';
      /** Its text cut to `LIMITS.pushTextMaxLength` (a push payload holds about 4 kB). */
      message: MessageData;
      chat: { type: ChatType; name: string | null };
    }
  | { kind: 'notification'; item: NotificationItem };
