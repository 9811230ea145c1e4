import { AppError } from '../errors.js';
import type { EventHandler } from '../realtime/handler-registry.js';
import type { ServerContext } from '../server-context.js';

// A device's Web Push subscription: registered after the user turned notifications on, removed when
// they turn them off. The public key is null while push is off.

/** The endpoint's host is a push service of the configured list (or below one): the server POSTs there. */
function allowedEndpoint(endpoint: string, hosts: readonly string[]): boolean {
  const host = new URL(endpoint).hostname.toLowerCase();
  return hosts.some((allowed) => host === allowed || host.endsWith(`.${allowed}`));
}

export const getPushConfig =
  (ctx: ServerContext, publicKey: string | null): EventHandler<'get_push_config'> =>
  () => ({ publicKey: ctx.config.push.enabled ? publicKey : null });

export const registerPushSubscription =
  (ctx: ServerContext): EventHandler<'register_push_subscription'> =>
  async ({ payload, userId, deviceId }) => {
    if (!ctx.config.push.enabled) throw new AppError('PUSH_DISABLED');
    const { endpoint, keys } = payload.subscription;
    // The server sends requests to this address: only to push services, never to anything a client names.
    if (!allowedEndpoint(endpoint, ctx.config.push.endpointHosts))
      throw new AppError('PUSH_ENDPOINT_NOT_ALLOWED');
    await ctx.storage.push.save({ userId, deviceId, endpoint, keys }, new Date(ctx.now()));
    return {};
  };

export const unregisterPushSubscription =
  (ctx: ServerContext): EventHandler<'unregister_push_subscription'> =>
  async ({ payload, userId }) => {
    await ctx.storage.push.remove(userId, payload.endpoint);
    return {};
  };
