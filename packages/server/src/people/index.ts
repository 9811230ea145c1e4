import type { Feature, ServerContext } from '../server-context.js';
import { leasedOnline, presenceHooks } from './connections.js';
import { getProfiles, setPresenceHidden, updateProfile } from './profile-handlers.js';

/**
 * People: profiles (names, avatars) as others see them and their live updates, and presence (online,
 * last seen) across nodes with the setting that hides it. See docs/protocol.md, "People".
 */
export function registerPeople(ctx: ServerContext): Feature {
  ctx.handlers.on('update_profile', updateProfile(ctx));
  ctx.handlers.on('get_profiles', getProfiles(ctx));
  ctx.handlers.on('set_presence_hidden', setPresenceHidden(ctx));
  ctx.lease.share(leasedOnline(ctx));
  return presenceHooks(ctx);
}
