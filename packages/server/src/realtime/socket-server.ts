import type { Server as HttpServer } from 'node:http';
import { LIMITS } from '@mpi/protocol';
import { Server } from 'socket.io';
import { CoalescingWebSocketServer } from './coalescing-ws-server.js';
import type { HandlerRegistry } from './handler-registry.js';
import { authenticateHandshake, type HandshakeDeps } from './handshake.js';
import { rooms } from './rooms.js';
import type { RealtimeServer, RealtimeSocket } from './types.js';

export function createSocketServer(
  httpServer: HttpServer,
  ping: { intervalMs: number; timeoutMs: number },
): RealtimeServer {
  return new Server(httpServer, {
    transports: ['websocket'],
    pingInterval: ping.intervalMs,
    pingTimeout: ping.timeoutMs,
    maxHttpBufferSize: LIMITS.maxFrameBytes,
    // Catch-up after a reconnect comes from the database (see docs/architecture.md), not from
    // Socket.IO's in-memory connection state recovery, which forgets everything when a node dies.
    connectionStateRecovery: undefined,
    serveClient: false,
    wsEngine: CoalescingWebSocketServer,
  });
}

/**
 * Puts the features' handlers (defined once, dispatched per connection) behind authentication: every
 * accepted connection joins its user's room, is counted and logged, and gets the registry's pipelines.
 */
export function attachRealtime(io: RealtimeServer, handlers: HandlerRegistry, deps: HandshakeDeps): void {
  const { log, metrics } = deps;
  handlers.on('ping', () => ({ serverTime: Date.now() }));
  handlers.addHooks({
    disconnect(socket, reason) {
      metrics.connections.dec();
      const { userId, deviceId, client, version, connectedAt } = socket.data;
      const durationMs = Date.now() - connectedAt;
      log.info(
        { userId, deviceId, client, version, socketId: socket.id, reason, durationMs },
        'connection closed',
      );
    },
  });
  io.use(authenticateHandshake(deps));
  io.on('connection', (socket: RealtimeSocket) => {
    const { userId, deviceId, client, version } = socket.data;
    metrics.connections.inc();
    log.info({ userId, deviceId, client, version, socketId: socket.id }, 'connection opened');
    void socket.join(rooms.user(userId));
    handlers.attach(socket);
  });
}
