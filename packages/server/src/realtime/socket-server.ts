import type { Server as HttpServer } from 'node:http';
import { LIMITS } from '@mpi/protocol';
import { Server } from 'socket.io';
import type { TokenVerifier } from '../auth/tokens.js';
import { registerGroupHandlers } from '../chat/group-handlers.js';
import { registerMessageHandlers } from '../chat/message-handlers.js';
import { registerPresenceHandlers } from '../chat/presence.js';
import { registerTypingHandlers, TypingTracker } from '../chat/typing.js';
import { registerChannelHandlers } from '../notifications/channel-handlers.js';
import { registerUserHandlers } from '../users/user-handlers.js';
import { CoalescingWebSocketServer } from './coalescing-ws-server.js';
import { HandlerRegistry } from './define-handler.js';
import { authenticateHandshake } from './handshake.js';
import type { RealtimeContext, RealtimeServer, RealtimeSocket } from './types.js';
import { rooms } from './types.js';

export function createSocketServer(httpServer: HttpServer): RealtimeServer {
  return new Server(httpServer, {
    transports: ['websocket'],
    maxHttpBufferSize: LIMITS.maxFrameBytes,
    // Catch-up after a reconnect comes from the database (see docs/architecture.md), not from
    // Socket.IO's in-memory connection state recovery, which forgets everything when a node dies.
    connectionStateRecovery: undefined,
    serveClient: false,
    wsEngine: CoalescingWebSocketServer,
  });
}

/**
 * Wires authentication, the event handlers (defined once, dispatched per connection) and connection logs
 * into the Socket.IO server. Returns a function that releases what the handlers hold (typing timers).
 */
export function attachRealtime(ctx: RealtimeContext, verifier: TokenVerifier): () => void {
  const { io, log, metrics } = ctx;
  const typing = new TypingTracker(ctx);
  const handlers = new HandlerRegistry(ctx);
  registerUserHandlers(ctx, handlers);
  registerMessageHandlers(ctx, handlers, typing);
  registerGroupHandlers(ctx, handlers);
  registerPresenceHandlers(ctx, handlers);
  registerTypingHandlers(ctx, handlers, typing);
  registerChannelHandlers(ctx, handlers);
  handlers.on('ping', () => ({ serverTime: Date.now() }));
  handlers.onDisconnect((socket, reason) => {
    metrics.connections.dec();
    const { userId, deviceId, client, version, connectedAt } = socket.data;
    const durationMs = Date.now() - connectedAt;
    log.info(
      { userId, deviceId, client, version, socketId: socket.id, reason, durationMs },
      'connection closed',
    );
  });

  io.use(authenticateHandshake(ctx, verifier));
  io.on('connection', (socket: RealtimeSocket) => {
    const { userId, deviceId, client, version } = socket.data;
    metrics.connections.inc();
    log.info({ userId, deviceId, client, version, socketId: socket.id }, 'connection opened');
    void socket.join(rooms.user(userId));
    handlers.attach(socket);
  });
  return () => typing.close();
}
