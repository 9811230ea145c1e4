export { type CreateServerOptions, createServer, type MpiServer } from './app.js';
export { signToken } from './auth/tokens.js';
export { type Config, ConfigError, loadConfig, testConfig } from './config.js';
export type { ContentContext, ContentFilter, ContentVerdict } from './content-filter.js';
export { openStorage } from './storage/open-storage.js';
export type { Storage } from './storage/storage.js';
