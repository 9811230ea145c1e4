import type { CatchUp, Feature, ServerContext } from '../server-context.js';
import { setupUser } from './setup-user.js';

/** Users: `setup_user`, which stores the profile and starts the other features' catch-ups. */
export function registerUsers(ctx: ServerContext, catchUps: readonly CatchUp[]): Feature {
  ctx.handlers.on('setup_user', setupUser(ctx, catchUps));
  return {};
}
