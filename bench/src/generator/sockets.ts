import type {
  AckedClientEvent,
  AckOf,
  ClientEventPayload,
  ClientToServerEvents,
  ErrorBody,
  ServerEventName,
  ServerToClientEvents,
  SocketErrorPayload,
} from '@mpi/protocol';
import { io, type Socket } from 'socket.io-client';
import type { ClientSpec, ErrorCounts, GeneratorClient } from './protocol.js';
import { RawSocket } from './raw-socket.js';

/**
 * A load generator's socket, typed by the contract's event maps (a renamed event breaks the bench's
 * build): what the workloads use of a socket.io-client socket, which {@link RawSocket} also provides.
 */
export type BenchSocket = Pick<RawSocket, 'connected' | 'on' | 'off' | 'emit' | 'timeout' | 'disconnect'>;

/** The success fields of an acknowledgement. */
type AckResult<E extends AckedClientEvent> = Extract<AckOf<E>, { ok: true }>;

class BenchError extends Error {
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

/**
 * A socket of the load generator: websocket only, no automatic reconnection. `raw` writes the wire
 * protocol by hand (cheap per frame); `socket.io` is a real socket.io-client socket with one manager each.
 */
export function openSocket(spec: ClientSpec, timeoutMs: number, client: GeneratorClient): BenchSocket {
  const auth = { token: spec.token, deviceId: spec.deviceId };
  const query = { client: 'mpi-bench', version: '1' };
  if (client === 'raw') return new RawSocket(spec.url, { auth, query, timeoutMs });
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(spec.url, {
    transports: ['websocket'],
    auth,
    query,
    reconnection: false,
    forceNew: true,
    multiplex: false,
    timeout: timeoutMs,
  });
  // The same calls with socket.io-client's wider (overloaded) signatures.
  return socket as unknown as BenchSocket;
}

/** Resolves on `connect`; rejects with the server's connect_error code, or on timeout. */
export function whenConnected(socket: BenchSocket, timeoutMs: number): Promise<void> {
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
    const onError = (err: Error & { data?: Partial<ErrorBody> }) =>
      done(new BenchError(err.data?.code ?? `connect_error: ${err.message}`));
    const timer = setTimeout(() => done(new BenchError('connect timeout')), timeoutMs);
    socket.on('connect', onConnect);
    socket.on('connect_error', onError);
  });
}

/** Emits with an acknowledgement; resolves with the ack body when `ok`, rejects with its error code. */
export function request<E extends AckedClientEvent>(
  socket: BenchSocket,
  event: E,
  payload: ClientEventPayload<E>,
  timeoutMs: number,
): Promise<AckResult<E>> {
  // socket.io's typings cannot follow a generic event name through timeout(); the signature is the type.
  const emitter = socket.timeout(timeoutMs) as unknown as {
    emit(
      event: E,
      payload: ClientEventPayload<E>,
      ack: (err: Error | null, response: AckOf<E>) => void,
    ): void;
  };
  return new Promise((resolve, reject) => {
    emitter.emit(event, payload, (err, response) => {
      if (err) reject(new BenchError(`${event}: ack timeout`));
      else if (response?.ok) resolve(response as AckResult<E>);
      else reject(new BenchError(response?.error?.code ?? `${event}: bad ack`));
    });
  });
}

/** `setup_user` as every bench client sends it: no profile. */
export function setupUser(
  socket: BenchSocket,
  userId: string,
  timeoutMs: number,
): Promise<AckResult<'setup_user'>> {
  return request(socket, 'setup_user', { userId, userInfo: {} }, timeoutMs);
}

const SERVER_ERROR_EVENTS = [
  'socket_error',
  'socket_validation_error',
  'socket_rate_limit_exceeded',
] as const satisfies readonly ServerEventName[];

/** Counts the server's error events on a socket (they should never come during a benchmark). */
export function countServerErrors(socket: BenchSocket, errors: ErrorCounts, onError?: () => void): void {
  for (const event of SERVER_ERROR_EVENTS) {
    socket.on(event, (body: SocketErrorPayload) => {
      count(errors, `${event}:${body?.code ?? '?'}${body?.event ? `(${body.event})` : ''}`);
      onError?.();
    });
  }
}
