/**
 * Which database failures are transient: the database is unreachable, restarting, out of connections or
 * resolved a lock conflict by aborting us. A request that fails this way may succeed unchanged a moment
 * later, so clients are told UNAVAILABLE (retryable) rather than INTERNAL (a fault). This is the one place
 * that knows the drivers' error shapes (node-postgres, pg-pool, Node's sockets, better-sqlite3).
 */

/** Node socket errors of a connection that could not be made or was cut. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs: 08 connection exceptions; 57P01–57P03 the server shutting down, crashed or starting;
 * 53 insufficient resources (e.g. too many connections); 40001 and 40P01 a transaction aborted by a
 * serialization failure or a deadlock. And SQLite's busy database.
 */
const TRANSIENT_SQL_CODES = /^(08...|57P0[123]|53...|40001|40P01|SQLITE_BUSY.*|SQLITE_LOCKED.*)$/;

/** node-postgres and pg-pool say "the connection is gone" in messages without a code. */
const CONNECTION_MESSAGES =
  /Connection terminated|not queryable|timeout exceeded when trying to connect|Connection ended unexpectedly/;

export function isTransientStorageError(error: unknown): boolean {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const { code, message, errors } = e as { code?: unknown; message?: unknown; errors?: unknown };
    if (typeof code === 'string' && (SOCKET_CODES.has(code) || TRANSIENT_SQL_CODES.test(code))) return true;
    if (typeof message === 'string' && CONNECTION_MESSAGES.test(message)) return true;
    // Node reports a refused connection to a host with several addresses as an AggregateError.
    if (Array.isArray(errors) && errors.some(isTransientStorageError)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
