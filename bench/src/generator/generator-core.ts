import { sleep } from '../util/stats.js';
import {
  type ClientSpec,
  type Counters,
  type ErrorCounts,
  emptyCounters,
  type GeneratorClient,
} from './protocol.js';
import { type BenchSocket, count, countServerErrors, openSocket } from './sockets.js';

/**
 * What every workload of a load-generator process shares: its running counters, the errors its sockets
 * saw, and the sockets themselves, so that an unexpected disconnect counts as an error and teardown closes
 * them all. One instance per process; the harness drives the workloads phase by phase over IPC (see
 * main.ts), so that all generators start each phase together.
 *
 * Every wait of the workloads is bounded by a timeout; nothing retries forever.
 */
export class GeneratorCore {
  readonly counters: Counters = emptyCounters();
  readonly errors: ErrorCounts = {};
  private sockets = new Set<BenchSocket>();
  private closing = false;

  constructor(private readonly client: GeneratorClient) {}

  readonly error = (code: string) => {
    count(this.errors, code);
    this.counters.errors++;
  };

  /** Opens a socket for `spec` and watches it until it closes. */
  open(spec: ClientSpec, timeoutMs: number): BenchSocket {
    const socket = openSocket(spec, timeoutMs, this.client);
    this.sockets.add(socket);
    countServerErrors(socket, this.errors, () => this.counters.errors++);
    socket.on('disconnect', (reason: string) => {
      this.sockets.delete(socket);
      if (!this.closing && reason !== 'io client disconnect') this.error(`disconnect: ${reason}`);
    });
    return socket;
  }

  async closeAll(): Promise<{ closed: number }> {
    this.closing = true;
    const sockets = [...this.sockets];
    for (const socket of sockets) socket.disconnect();
    this.sockets.clear();
    // Let the close frames go out before the process may be stopped.
    await sleep(Math.min(2_000, 50 + sockets.length / 10));
    this.closing = false;
    return { closed: sockets.length };
  }
}
