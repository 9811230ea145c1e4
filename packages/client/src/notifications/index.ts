export { DEFAULT_NOTIFICATION_LIMIT, NotificationStore } from './notification-store.js';
export type {
  NotificationSnapshot,
  NotificationSource,
  NotificationSourceEvents,
  NotificationStoreOptions,
} from './types.js';
