import type { Logger } from 'pino';
import webpush from 'web-push';
import type { Config } from '../config.js';

export interface VapidDetails {
  subject: string;
  publicKey: string;
  privateKey: string;
}

/**
 * The server's VAPID identity: the configured pair, or outside production (config.ts refuses production
 * without one) a pair generated for this process, announced loudly: browsers subscribed with it stop
 * receiving pushes when the process restarts with another.
 */
export function vapidDetails(settings: Config['push'], log: Logger): VapidDetails {
  if (settings.vapid) return { subject: settings.subject, ...settings.vapid };
  const generated = webpush.generateVAPIDKeys();
  log.warn(
    { publicKey: generated.publicKey },
    '!!! Web Push: VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY are not set: using a key pair generated for this process only. Subscriptions made now stop working at the next start. Set both (npx web-push generate-vapid-keys) to keep them.',
  );
  return { subject: settings.subject, ...generated };
}
