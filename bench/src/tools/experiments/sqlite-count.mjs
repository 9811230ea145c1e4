/**
 * Experiment: preloaded into the server (`--server-node-args=--import=<this file>`), counts the SQL
 * statements it runs on SQLite (every Kysely query, BEGIN and COMMIT included, goes through
 * better-sqlite3's prepare) and writes the total to /tmp/mpi-sql-count-<pid>.json when it exits.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');
const prepare = Database.prototype.prepare;
let statements = 0;
Database.prototype.prepare = function countedPrepare(sql) {
  statements++;
  return prepare.call(this, sql);
};
process.on('exit', () => {
  writeFileSync(`/tmp/mpi-sql-count-${process.pid}.json`, JSON.stringify({ statements }));
});
