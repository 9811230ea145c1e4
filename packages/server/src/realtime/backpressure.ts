import type { Metrics } from '../metrics.js';
import type { InFlight } from './in-flight.js';
import type { RealtimeSocket } from './types.js';

/** The `ws` connection under a Socket.IO socket: `pause()` stops reading its TCP stream. */
interface PausableTransport {
  pause(): void;
  resume(): void;
}

function wsOf(socket: RealtimeSocket): PausableTransport | undefined {
  const ws = (socket.conn.transport as unknown as { socket?: Partial<PausableTransport> }).socket;
  return typeof ws?.pause === 'function' && typeof ws.resume === 'function'
    ? (ws as PausableTransport)
    : undefined;
}

export interface BackpressureLimits {
  /** Events of one connection being handled at once before the server stops reading it. */
  perConnection: number;
  /** Events of all connections being handled at once before the server stops reading the busy ones. */
  total: number;
}

/**
 * Bounds the work in flight. Every inbound event starts its handler at once; under a burst a server used
 * to hold 100,000 pending handlers, its timers starved and heartbeats failed (docs/performance.md). Now a
 * connection with too many events in flight, or any connection delivering an event while the server as a
 * whole has too many, stops being read until the work drains to half the limit: the client's frames wait
 * in TCP buffers and the client's own send buffer, and TCP slows the sender, instead of the server's
 * memory and event loop paying for them. A paused connection does not read heartbeats either: if the
 * work stays stuck for longer than the ping timeout (a database that stopped answering), its clients are
 * dropped and reconnect, and their outboxes resend what was not acknowledged.
 */
export class Backpressure {
  private readonly perSocket = new WeakMap<RealtimeSocket, number>();
  private readonly paused = new Set<RealtimeSocket>();

  /** `total` counts the server's work in flight: the same count shutdown waits on. */
  constructor(
    private readonly total: InFlight,
    private readonly metrics: Metrics,
    private readonly limits: BackpressureLimits,
  ) {}

  /** After `total.enter()` for an event of `socket`. */
  begin(socket: RealtimeSocket): void {
    const count = (this.perSocket.get(socket) ?? 0) + 1;
    this.perSocket.set(socket, count);
    if (
      (count >= this.limits.perConnection || this.total.size >= this.limits.total) &&
      !this.paused.has(socket)
    ) {
      const ws = wsOf(socket);
      if (!ws) return;
      ws.pause();
      this.paused.add(socket);
      this.metrics.connectionsPaused.inc();
      this.metrics.pausedConnections.set(this.paused.size);
    }
  }

  /** After `total.leave()` for an event of `socket`. */
  end(socket: RealtimeSocket): void {
    this.perSocket.set(socket, (this.perSocket.get(socket) ?? 1) - 1);
    if (this.paused.size === 0 || this.total.size > this.limits.total / 2) return;
    for (const waiting of this.paused) {
      if ((this.perSocket.get(waiting) ?? 0) <= this.limits.perConnection / 2) this.resume(waiting);
    }
  }

  /** A closed connection is no longer waited for. */
  forget(socket: RealtimeSocket): void {
    if (this.paused.delete(socket)) this.metrics.pausedConnections.set(this.paused.size);
  }

  private resume(socket: RealtimeSocket): void {
    this.paused.delete(socket);
    this.metrics.pausedConnections.set(this.paused.size);
    wsOf(socket)?.resume();
  }
}
