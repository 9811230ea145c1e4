import { io, type Socket } from 'socket.io-client';
import type { ClientSpec, ErrorCounts } from './protocol.js';

/** Socket helpers of the load generator: websocket only, no automatic reconnection, one manager each. */

export class BenchError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

export function codeOf(error: unknown): string {
  if (error instanceof BenchError) return error.code;
  if (error instanceof Error) return error.message.slice(0, 60);
  return String(error).slice(0, 60);
}

export function count(errors: ErrorCounts, code: string, n = 1): void {
  errors[code] = (errors[code] ?? 0) + n;
}

export function mergeErrors(target: ErrorCounts, source: ErrorCounts): ErrorCounts {
  for (const [code, n] of Object.entries(source)) count(target, code, n);
  return target;
}

export function openSocket(spec: ClientSpec, timeoutMs: number): Socket {
  return io(spec.url, {
    transports: ['websocket'],
    auth: { token: spec.token, deviceId: spec.deviceId },
    query: { client: 'mpi-bench', version: '1' },
    reconnection: false,
    forceNew: true,
    multiplex: false,
    timeout: timeoutMs,
  });
}

/** Resolves on `connect`; rejects with the server's connect_error code, or on timeout. */
export function whenConnected(socket: Socket, timeoutMs: number): Promise<void> {
  if (socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (error?: BenchError) => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('connect_error', onError);
      if (error) reject(error);
      else resolve();
    };
    const onConnect = () => done();
    const onError = (err: Error & { data?: { code?: string } }) =>
      done(new BenchError(err.data?.code ?? `connect_error: ${err.message}`));
    const timer = setTimeout(() => done(new BenchError('connect timeout')), timeoutMs);
    socket.on('connect', onConnect);
    socket.on('connect_error', onError);
  });
}

interface AckBody {
  ok?: boolean;
  error?: { code?: string };
}

/** Emits with an acknowledgement; resolves with the ack body when `ok`, rejects with its error code. */
export function request<T>(socket: Socket, event: string, payload: unknown, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    socket.timeout(timeoutMs).emit(event, payload, (err: Error | null, response: AckBody) => {
      if (err) reject(new BenchError(`${event}: ack timeout`));
      else if (response?.ok) resolve(response as T);
      else reject(new BenchError(response?.error?.code ?? `${event}: bad ack`));
    });
  });
}

/** Counts the server's error events on a socket (they should never come during a benchmark). */
export function countServerErrors(socket: Socket, errors: ErrorCounts, onError?: () => void): void {
  for (const event of ['socket_error', 'socket_validation_error', 'socket_rate_limit_exceeded']) {
    socket.on(event, (body: { code?: string; event?: string }) => {
      count(errors, `${event}:${body?.code ?? '?'}${body?.event ? `(${body.event})` : ''}`);
      onError?.();
    });
  }
}
