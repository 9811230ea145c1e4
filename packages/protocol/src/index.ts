export * from './errors.js';
export * from './events.js';
export * from './limits.js';
export * from './models.js';
export * from './notification-api.js';
export * from './notifications.js';
export * from './schemas.js';
