// The contract without its runtime schemas: what browsers and the SDK import. Nothing here imports zod at
// run time (types derived from the schemas are erased); the schemas are `@mpi/protocol/schemas`.
export * from './channels.js';
export * from './errors.js';
export * from './events.js';
export * from './limits.js';
export type * from './message-action-schemas.js';
export * from './models.js';
export * from './notification-api.js';
export * from './notifications.js';
export * from './privacy.js';
export * from './push.js';
export type * from './schemas.js';
