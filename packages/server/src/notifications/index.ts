import { startRetentionSweeper } from '../retention-sweeper.js';
import type { Feature, ServerContext } from '../server-context.js';
import { notificationCatchUp } from './catch-up.js';
import { getPreferences, joinChannels, subscribe, unsubscribe } from './channel-handlers.js';
import { confirmNotifications, listNotifications, markNotificationsRead } from './inbox-handlers.js';
import { registerIngestRoutes } from './ingest-routes.js';
import { type ReminderLoop, startReminderLoop } from './reminder-loop.js';
import { NotificationService } from './service.js';

export interface NotificationsFeature extends Feature {
  readonly service: NotificationService;
  readonly reminders: ReminderLoop;
}

/**
 * Notifications: every handler, connection hook, catch-up, route and loop of channels, the inbox, the
 * signed ingestion API and reminders. See docs/notifications.md.
 */
export function registerNotifications(ctx: ServerContext): NotificationsFeature {
  const { notifications: settings } = ctx.config;
  const service = new NotificationService({
    io: ctx.io,
    storage: ctx.storage,
    log: ctx.log,
    now: ctx.now,
    reminderLeadTimesMs: settings.reminderLeadTimesMs,
    push: ctx.push,
  });
  const { handlers } = ctx;
  handlers.on('subscribe', subscribe(ctx));
  handlers.on('unsubscribe', unsubscribe(ctx));
  handlers.on('get_preferences', getPreferences(ctx));
  handlers.on('list_notifications', listNotifications(ctx));
  handlers.on('mark_notifications_read', markNotificationsRead(ctx));
  handlers.on('notifications_received', confirmNotifications(ctx));

  registerIngestRoutes(ctx.http, {
    service,
    storage: ctx.storage.notifications,
    signingSecrets: settings.signingSecrets,
    now: ctx.now,
  });
  if (settings.signingSecrets.length === 0) {
    ctx.log.info('notification ingestion API disabled: NOTIFY_SIGNING_SECRETS is not set');
  }
  const reminders = startReminderLoop({
    service,
    storage: ctx.storage,
    log: ctx.log,
    now: ctx.now,
    pollMs: settings.reminderPollMs,
  });
  const stopRetention = startRetentionSweeper({
    what: 'notifications',
    retentionDays: settings.retentionDays,
    prune: (olderThan) => ctx.storage.notifications.pruneNotifications(olderThan),
    log: ctx.log,
  });
  return {
    service,
    reminders,
    connect: (socket) => joinChannels(ctx, socket),
    catchUp: notificationCatchUp(ctx),
    close() {
      stopRetention();
      return reminders.stop();
    },
  };
}
