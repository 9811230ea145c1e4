// `@mpi/protocol/schemas`: the zod schemas of every payload, for the server (and anyone validating).
export * from './event-schemas.js';
export * from './message-action-schemas.js';
export * from './notification-api-schemas.js';
export * from './notification-schemas.js';
export * from './privacy-schemas.js';
export * from './push-schemas.js';
export * from './schemas.js';
