import type { Cleanup } from '@mpi/test-kit';
import { createSocketService, type SocketService, type SocketServiceOptions } from '../src/index.js';

/** Five retries from 20 ms, no jitter: the spec's shape, fast. */
export const FAST_RETRIES = { delay: 20, backoff: 1.5, maxDelay: 10_000, jitter: 0, attempts: 5 };

/** Services with FAST_RETRIES and a 2 s connect timeout, destroyed by `cleanup`. */
export function serviceFactory(cleanup: Cleanup) {
  return (options: SocketServiceOptions): SocketService =>
    cleanup.add(createSocketService({ timeoutMs: 2000, reconnection: FAST_RETRIES, ...options }), (s) =>
      s.destroy(),
    );
}
