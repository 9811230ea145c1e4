/**
 * Experiment, not production code: preloaded into the server (`--server-node-args=--import=<this file>`)
 * or into tools/storage-ops.ts, it swaps the connection mutex of Kysely's SQLite driver for a FIFO queue.
 *
 * Kysely 0.28's `ConnectionMutex.lock()` is `while (this.#promise) await this.#promise`: every release
 * wakes every waiter, and all but one go back to sleep. With W waiters each query costs O(W) wake-ups, so
 * a burst of requests (the paced W2 workload queues tens of thousands) makes each query slower the more
 * are waiting. A FIFO hand-over wakes exactly one.
 */
import { register } from 'node:module';

register('./kysely-fifo-mutex-hooks.mjs', import.meta.url);
