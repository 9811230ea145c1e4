import { createHash } from 'node:crypto';
import type { Agent } from 'node:https';
import type { PushMessage } from '@mpi/protocol';
import type { Logger } from 'pino';
import webpush from 'web-push';
import type { PushStorage, StoredPushSubscription } from '../storage/push/push-storage.js';
import type { VapidDetails } from './vapid.js';

/** A push waits this long in the push service for an offline browser, then is dropped: news goes stale. */
const TTL_SECONDS = 24 * 60 * 60;
/** A push service that does not answer within this long is given up on (the push is lost, not retried). */
const TIMEOUT_MS = 10_000;

export interface PushSenderDeps {
  storage: PushStorage;
  log: Logger;
  vapid: VapidDetails;
  /** The HTTPS agent of the requests to push services (tests trust a local one's certificate with it). */
  agent?: Agent | undefined;
}

/**
 * Sends pushes with `web-push` (the payload encrypted for the subscription's keys, aes128gcm, signed with
 * the server's VAPID key) and forgets subscriptions the push service says are gone (404, 410). Sends run
 * in the background; `close()` waits for those under way.
 */
export class PushSender {
  readonly #pending = new Set<Promise<void>>();

  constructor(private readonly deps: PushSenderDeps) {}

  /** `replaces`: pushes with the same key (a chat, an item) replace each other while undelivered. */
  send(subscriptions: readonly StoredPushSubscription[], message: PushMessage, replaces: string): void {
    if (subscriptions.length === 0) return;
    const payload = JSON.stringify(message);
    // The Topic header: at most 32 base64url characters.
    const topic = createHash('sha256').update(replaces).digest('base64url').slice(0, 32);
    for (const subscription of subscriptions) {
      const sending = this.#sendOne(subscription, payload, topic).finally(() =>
        this.#pending.delete(sending),
      );
      this.#pending.add(sending);
    }
  }

  async #sendOne(subscription: StoredPushSubscription, payload: string, topic: string): Promise<void> {
    const { log, vapid, agent, storage } = this.deps;
    try {
      await webpush.sendNotification({ endpoint: subscription.endpoint, keys: subscription.keys }, payload, {
        vapidDetails: vapid,
        TTL: TTL_SECONDS,
        urgency: 'high',
        // A newer push of the same chat or item replaces one the push service still holds.
        topic,
        timeout: TIMEOUT_MS,
        ...(agent ? { agent } : {}),
      });
    } catch (error) {
      const status = error instanceof webpush.WebPushError ? error.statusCode : undefined;
      if (status === 404 || status === 410) {
        await storage.expire(subscription.endpoint).catch((err: unknown) => {
          log.warn({ err, userId: subscription.userId }, 'could not forget an expired push subscription');
        });
        log.info(
          { userId: subscription.userId, deviceId: subscription.deviceId, status },
          'push subscription expired: forgotten',
        );
        return;
      }
      log.warn(
        { userId: subscription.userId, deviceId: subscription.deviceId, status, err: error },
        'push not delivered',
      );
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }
}
