/**
 * The test kit shared by every package's tests. Generic helpers only: it imports no package of ours, so
 * that any package's tests can use it (the server's own test helpers sit in packages/server/test/support).
 */
export { Cleanup, disposeAfter } from './cleanup.js';
export {
  createTestDatabase,
  DIALECT_LABELS,
  type Dialect,
  type DialectSuite,
  describePostgres,
  forEachDialect,
  type PostgresSuite,
  postgresAvailable,
  type SqliteSuite,
  type TestDatabase,
} from './dialects.js';
export { nginxAvailable, TestNginx } from './nginx.js';
export { freePort } from './ports.js';
export { POSTGRES_ADMIN_URL } from './postgres.js';
export { type Readiness, readiness, untilReady } from './readiness.js';
export {
  PROCESS_JWT_SECRET,
  ServerProcess,
  type StartedServerProcess,
  startServerProcess,
} from './server-process.js';
export { type TempDir, tempDir } from './temp-dir.js';
export { sleep, waitFor } from './timing.js';
