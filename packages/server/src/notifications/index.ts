import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { registerNotificationRoutes } from '../http/notification-routes.js';
import type { RealtimeServer } from '../realtime/types.js';
import type { Storage } from '../storage/storage.js';
import { type ReminderLoop, startReminderLoop } from './reminder-loop.js';
import { NotificationService } from './service.js';

export interface NotificationsDeps {
  app: FastifyInstance;
  io: RealtimeServer;
  storage: Storage;
  config: Config;
  log: Logger;
  /** The clock of notifications, reminders and signature timestamps (epoch ms). */
  now: () => number;
}

export interface Notifications {
  readonly service: NotificationService;
  readonly reminders: ReminderLoop;
  /** Stops the reminder loop (before storage closes). */
  close(): Promise<void>;
}

/**
 * Wires the notification feature into a server: the signed ingestion API on the Fastify app and the
 * reminder loop. The Socket.IO handlers are registered per connection by the realtime layer
 * (`registerChannelHandlers`, `startNotificationCatchUp`).
 */
export function attachNotifications(deps: NotificationsDeps): Notifications {
  const { notifications: settings } = deps.config;
  const service = new NotificationService({
    io: deps.io,
    storage: deps.storage,
    log: deps.log,
    now: deps.now,
    reminderLeadTimesMs: settings.reminderLeadTimesMs,
  });
  registerNotificationRoutes(deps.app, {
    service,
    storage: deps.storage,
    signingSecrets: settings.signingSecrets,
    now: deps.now,
  });
  if (settings.signingSecrets.length === 0) {
    deps.log.info('notification ingestion API disabled: NOTIFY_SIGNING_SECRETS is not set');
  }
  const reminders = startReminderLoop({
    service,
    storage: deps.storage,
    log: deps.log,
    now: deps.now,
    pollMs: settings.reminderPollMs,
  });
  return { service, reminders, close: () => reminders.stop() };
}
