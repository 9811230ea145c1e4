import type { CatchUp, Feature, ServerContext } from '../server-context.js';
import { type ClusterLink, startResync } from './resync.js';
import { setupUser } from './setup-user.js';

/**
 * Users: `setup_user`, which stores the profile and starts the other features' catch-ups, and the resync
 * that runs them again for connected devices when the link between nodes returns after an outage.
 */
export function registerUsers(ctx: ServerContext, catchUps: readonly CatchUp[], link: ClusterLink): Feature {
  ctx.handlers.on('setup_user', setupUser(ctx, catchUps));
  return startResync(ctx, catchUps, link);
}
