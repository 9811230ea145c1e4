/**
 * Experiment, not production code: preloaded into the server (`--server-node-args=--import=<this file>`),
 * it applies the pragmas in MPI_EXPERIMENT_PRAGMAS (`;`-separated, e.g. `synchronous = FULL` or
 * `journal_mode = DELETE;cache_size = -65536`) right after the server's own (packages/server/src/storage/
 * open-storage.ts sets WAL, synchronous = NORMAL, foreign_keys, busy_timeout last), so the benchmark can
 * measure each setting on and off without a server option.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');
const pragma = Database.prototype.pragma;
const extra = (process.env.MPI_EXPERIMENT_PRAGMAS ?? '')
  .split(';')
  .map((p) => p.trim())
  .filter(Boolean);

Database.prototype.pragma = function pragmaThenExperiment(source, options) {
  const result = pragma.call(this, source, options);
  if (/^busy_timeout/i.test(source)) {
    for (const p of extra)
      process.stderr.write(`experiment pragma ${p} -> ${JSON.stringify(pragma.call(this, p))}\n`);
  }
  return result;
};
