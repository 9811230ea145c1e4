import { idSchema } from '@mpi/protocol/schemas';
import type { Logger } from 'pino';
import type { ExtendedError } from 'socket.io';
import type { AuditLog } from '../audit-log.js';
import type { TokenVerifier } from '../auth/tokens.js';
import { AppError, publicErrorBody } from '../errors.js';
import type { OriginPolicy } from '../http/origin-policy.js';
import type { Metrics } from '../metrics.js';
import type { ConnectionCaps } from './connection-caps.js';
import type { RealtimeSocket } from './types.js';

export interface HandshakeDeps {
  verifier: TokenVerifier;
  log: Logger;
  metrics: Metrics;
  /** True once shutdown began: new handshakes are refused with UNAVAILABLE. */
  isShuttingDown(): boolean;
  caps: ConnectionCaps;
  origins: OriginPolicy;
  audit: AuditLog;
  /** Take the client's address from X-Forwarded-For (the entry the proxy in front of this server added). */
  trustProxy: boolean;
}

function clientAddress(handshake: RealtimeSocket['handshake'], trustProxy: boolean): string {
  if (trustProxy) {
    const header = handshake.headers['x-forwarded-for'];
    const forwarded = (Array.isArray(header) ? header.join(',') : header)?.split(',').at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  return handshake.address;
}

/**
 * The device of every connection of a user whose handshake names none. One per user, so a client that only
 * passes `auth.token` still has cursors that outlive its connection, and catches up what it missed (the
 * trade-offs are in docs/protocol.md, "Connecting").
 */
const TOKEN_ONLY_DEVICE_ID = 'default';

/** Longest `client` or `version` query value recorded; the rest is cut. */
const QUERY_VALUE_MAX = 64;

function queryValue(value: unknown): string {
  const text = Array.isArray(value) ? value[0] : value;
  return typeof text === 'string' && text.length > 0 ? text.slice(0, QUERY_VALUE_MAX) : 'unknown';
}

/**
 * The handshake middleware: verifies `auth.token`, records who connects from which client, and refuses
 * bad tokens with `connect_error.data = { code, message }` (AUTH_MISSING, AUTH_INVALID or AUTH_EXPIRED).
 */
export function authenticateHandshake(ctx: HandshakeDeps) {
  return async (socket: RealtimeSocket, next: (err?: ExtendedError) => void) => {
    const { auth, query } = socket.handshake;
    const client = queryValue(query.client);
    const version = queryValue(query.version);
    const address = clientAddress(socket.handshake, ctx.trustProxy);
    try {
      if (ctx.isShuttingDown()) throw new AppError('UNAVAILABLE');
      const { origin, host } = socket.handshake.headers;
      if (!ctx.origins.allows(origin, host)) throw new AppError('ORIGIN_NOT_ALLOWED');
      const { userId, expiresAt } = await ctx.verifier.verify(auth?.token);
      const deviceId = idSchema.safeParse(auth?.deviceId);
      const release = ctx.caps.acquire(userId, address);
      socket.conn.once('close', release);
      socket.once('disconnect', release);
      socket.data = {
        userId,
        deviceId: deviceId.success ? deviceId.data : TOKEN_ONLY_DEVICE_ID,
        client,
        version,
        connectedAt: Date.now(),
        address,
        setUp: false,
      };
      if (expiresAt !== undefined) expireAt(socket, expiresAt);
      ctx.metrics.connectionsTotal.inc({ result: 'accepted' });
      next();
    } catch (error) {
      const body = publicErrorBody(error);
      ctx.metrics.connectionsTotal.inc({ result: body.code });
      if (!ctx.audit.refused(body.code, { address, event: 'handshake' })) {
        ctx.log.info({ code: body.code, client, version, address }, 'handshake refused');
      }
      next(Object.assign(new Error(body.message), { data: body }));
    }
  };
}

/** setTimeout's largest delay; a token valid for longer is checked again at the next connection. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Closes a connection when its token expires, after telling the client why: the SDK then reconnects with a
 * fresh token from its provider. The transport is closed (not the socket) so that any Socket.IO client
 * reconnects by itself.
 */
function expireAt(socket: RealtimeSocket, expiresAtSeconds: number): void {
  const delay = expiresAtSeconds * 1000 - Date.now();
  if (delay > MAX_TIMER_MS) return;
  const timer = setTimeout(
    () => {
      socket.emit('socket_error', { code: 'AUTH_EXPIRED', message: 'The token has expired: reconnecting.' });
      socket.conn.close();
    },
    Math.max(delay, 0),
  );
  timer.unref();
  socket.once('disconnect', () => clearTimeout(timer));
}
