/**
 * Experiment, not production code: preloaded into the server (`--server-node-args=--import=<this file>`)
 * or into tools/storage-ops.ts, it gives better-sqlite3 a prepared-statement cache, which Kysely's SQLite
 * driver lacks (it calls `db.prepare(sql)` for every query, so SQLite parses and plans each statement
 * again). It measures what that change would be worth without touching packages/server.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');
const prepare = Database.prototype.prepare;
const MAX = 1_000;

Database.prototype.prepare = function cachedPrepare(sql) {
  if (!this.__mpiStatementCache) this.__mpiStatementCache = new Map();
  const cache = this.__mpiStatementCache;
  let statement = cache.get(sql);
  if (!statement) {
    statement = prepare.call(this, sql);
    if (cache.size < MAX) cache.set(sql, statement);
  }
  return statement;
};
