// Everything Web Push persists: `Storage#push`, each device's subscription. See docs/protocol.md, "Web Push".

/** A device's subscription, as the push library needs it to encrypt and send. */
export interface StoredPushSubscription {
  userId: string;
  deviceId: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface PushStorage {
  /**
   * Keeps the subscription as the device's only one. An endpoint registered before by another user or
   * device (a browser profile signed in as someone else since) now belongs to this one.
   */
  save(subscription: StoredPushSubscription, now: Date): Promise<void>;
  /** Forgets an endpoint of this user (a device turning push off); false if there was none. */
  remove(userId: string, endpoint: string): Promise<boolean>;
  /** Forgets an endpoint whatever its owner: the push service said it no longer exists (404, 410). */
  expire(endpoint: string): Promise<void>;
  /** The subscriptions of these users. */
  forUsers(userIds: readonly string[]): Promise<StoredPushSubscription[]>;
  /** Every subscription, for broadcasts (`everyone`). */
  all(): Promise<StoredPushSubscription[]>;
}
