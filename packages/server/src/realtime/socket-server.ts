import type { Server as HttpServer } from 'node:http';
import { CLIENT_EVENT_NAMES, LIMITS } from '@mpi/protocol';
import { Server } from 'socket.io';
import type { TokenVerifier } from '../auth/tokens.js';
import { registerGroupHandlers } from '../chat/group-handlers.js';
import { registerMessageHandlers } from '../chat/message-handlers.js';
import { registerPresenceHandlers } from '../chat/presence.js';
import { registerTypingHandlers, TypingTracker } from '../chat/typing.js';
import { registerChannelHandlers } from '../notifications/channel-handlers.js';
import { registerUserHandlers } from '../users/user-handlers.js';
import { defineHandler } from './define-handler.js';
import { authenticateHandshake } from './handshake.js';
import type { RealtimeContext, RealtimeServer, RealtimeSocket } from './types.js';
import { rooms } from './types.js';

const knownEvents = new Set<string>(CLIENT_EVENT_NAMES);

export function createSocketServer(httpServer: HttpServer): RealtimeServer {
  return new Server(httpServer, {
    transports: ['websocket'],
    maxHttpBufferSize: LIMITS.maxFrameBytes,
    // Catch-up after a reconnect comes from the database (see docs/architecture.md), not from
    // Socket.IO's in-memory connection state recovery, which forgets everything when a node dies.
    connectionStateRecovery: undefined,
    serveClient: false,
  });
}

/**
 * Wires authentication, per-connection handlers and connection logs into the Socket.IO server. Returns a
 * function that releases what the handlers hold (typing timers).
 */
export function attachRealtime(ctx: RealtimeContext, verifier: TokenVerifier): () => void {
  const { io, log, metrics } = ctx;
  const typing = new TypingTracker(ctx);
  io.use(authenticateHandshake(ctx, verifier));

  io.on('connection', (socket: RealtimeSocket) => {
    const { userId, deviceId, client, version } = socket.data;
    metrics.connections.inc();
    log.info({ userId, deviceId, client, version, socketId: socket.id }, 'connection opened');
    void socket.join(rooms.user(userId));

    socket.onAny((event: string) => {
      if (knownEvents.has(event)) return;
      metrics.events.inc({ event: 'unknown', outcome: 'unknown_event' });
      socket.emit('socket_error', {
        code: 'UNKNOWN_EVENT',
        message: `The server does not handle "${event.slice(0, 64)}".`,
      });
    });
    registerUserHandlers(ctx, socket);
    registerMessageHandlers(ctx, socket);
    registerGroupHandlers(ctx, socket);
    registerPresenceHandlers(ctx, socket);
    registerTypingHandlers(ctx, socket, typing);
    registerChannelHandlers(ctx, socket);
    defineHandler(ctx, socket, 'ping', () => ({ serverTime: Date.now() }));

    socket.on('disconnect', (reason) => {
      metrics.connections.dec();
      const durationMs = Date.now() - socket.data.connectedAt;
      log.info(
        { userId, deviceId, client, version, socketId: socket.id, reason, durationMs },
        'connection closed',
      );
    });
  });
  return () => typing.close();
}
