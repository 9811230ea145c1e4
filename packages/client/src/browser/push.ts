import type { AckOf, RegisterPushInput } from '@mpi/protocol';
import type { SocketService } from '../socket-service.js';

// Web Push for a browser device, over the structural parts of the Push API it uses (the SDK builds
// without the DOM library). Call `enablePush` after a user action: the browser asks for the permission.

/** The part of a `PushSubscription` used here. */
export interface PushSubscriptionLike {
  readonly endpoint: string;
  readonly options?: { readonly applicationServerKey: ArrayBuffer | null };
  toJSON(): unknown;
  unsubscribe(): Promise<boolean>;
}

/** The part of a `PushManager` (`registration.pushManager`) used here. */
export interface PushManagerLike {
  getSubscription(): Promise<PushSubscriptionLike | null>;
  subscribe(options: {
    userVisibleOnly: boolean;
    applicationServerKey: string;
  }): Promise<PushSubscriptionLike>;
}

function base64url(buffer: ArrayBuffer): string {
  let binary = '';
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Subscribes this browser to the server's pushes and registers the subscription for this device
 * (`get_push_config`, `PushManager.subscribe`, `register_push_subscription`). A subscription made with
 * another server key (a development server that generated a new one) is replaced. Resolves with the
 * server's ack (`PUSH_DISABLED` when push is off); rejects with the browser's error when it refuses
 * (permission denied, no push service reachable).
 */
export async function enablePush(
  service: SocketService,
  pushManager: PushManagerLike,
): Promise<AckOf<'register_push_subscription'>> {
  const config = await service.request('get_push_config', {});
  if (!config.ok) return config;
  // Spelled out rather than errorBody(): that would pull the whole error catalogue into browser bundles.
  if (config.publicKey === null) {
    return {
      ok: false,
      error: { code: 'PUSH_DISABLED', message: 'This server does not send Web Push notifications.' },
    };
  }
  const existing = await pushManager.getSubscription();
  const key = existing?.options?.applicationServerKey;
  if (existing && key && base64url(key) !== config.publicKey) await existing.unsubscribe();
  const subscription = await pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: config.publicKey,
  });
  return service.request('register_push_subscription', {
    subscription: subscription.toJSON() as RegisterPushInput['subscription'],
  });
}

/** Stops pushes to this device: forgets the subscription on the server and in the browser. */
export async function disablePush(
  service: SocketService,
  pushManager: PushManagerLike,
): Promise<AckOf<'unregister_push_subscription'>> {
  const subscription = await pushManager.getSubscription();
  if (!subscription) return { ok: true };
  const ack = await service.request('unregister_push_subscription', { endpoint: subscription.endpoint });
  if (ack.ok) await subscription.unsubscribe();
  return ack;
}
