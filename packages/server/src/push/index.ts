import type { Feature, ServerContext } from '../server-context.js';
import { getPushConfig, registerPushSubscription, unregisterPushSubscription } from './push-handlers.js';

/**
 * Web Push: the events that register a device's subscription. What is pushed, and to whom, is the
 * PushNotifier (`ctx.push`) that chat and notifications call after their commits. See docs/protocol.md.
 */
export function registerPush(ctx: ServerContext, publicKey: string | null): Feature {
  const { handlers } = ctx;
  handlers.on('get_push_config', getPushConfig(ctx, publicKey));
  handlers.on('register_push_subscription', registerPushSubscription(ctx));
  handlers.on('unregister_push_subscription', unregisterPushSubscription(ctx));
  return { close: () => ctx.push.close() };
}
