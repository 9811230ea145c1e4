import type {
  AckedClientEvent,
  AckOf,
  ClientEventName,
  ClientEventPayload,
  ClientToServerEvents,
  ErrorCode,
  ServerToClientEvents,
} from '@mpi/protocol';
import type { ManagerOptions, Socket, SocketOptions } from 'socket.io-client';
import type { ReconnectionPolicy } from './config.js';
import type { ConnectionState } from './connection-state.js';
import type { DeviceIdStore } from './device-id.js';
import type { EndToEndPlugin } from './e2e/plugin.js';
import type { PendingUploadStore, Uploader } from './files/types.js';
import type { OutboxStore } from './outbox/types.js';
import type { TokenProvider } from './token-provider.js';

/** The Socket.IO client socket, typed with the wire contract. */
export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export type { TokenProvider } from './token-provider.js';

export interface SocketServiceOptions {
  /** Server URL; default `WEBSOCKET_CONFIG.URL`. */
  url?: string;
  /**
   * Several server URLs (nodes, or balancers in front of them) to try in turn: a failed attempt or a lost
   * connection moves on to the next one, round the list, with the usual retry delays. When given and not
   * empty, it replaces `url`.
   */
  urls?: readonly string[];
  /** Required before `connect()`; without one the service goes to ERROR with `AUTH_MISSING`. */
  token?: TokenProvider;
  /**
   * Stable id of this device (browser profile, app install); sent in the handshake `auth`. Default: an id
   * the SDK creates once and keeps in `deviceIdStore`.
   */
  deviceId?: string;
  /**
   * Where the SDK keeps the id it creates when `deviceId` is not given. Default: the outbox store's own
   * (`FileOutboxStore` keeps it in a file beside its own), else `localStorage` (key `mpi_device_id`),
   * else memory (a new device per service).
   */
  deviceIdStore?: DeviceIdStore;
  /** Merged over `WEBSOCKET_CONFIG.QUERY` and sent in the handshake query string. */
  query?: Record<string, string>;
  /** Merged over `WEBSOCKET_CONFIG.RECONNECTION`. */
  reconnection?: Partial<ReconnectionPolicy>;
  /** A connection attempt that has not completed the handshake after this many ms fails; default 20000. */
  timeoutMs?: number;
  /** A request whose acknowledgement takes longer fails with UNAVAILABLE; default 10000. */
  ackTimeoutMs?: number;
  /** Default `WEBSOCKET_CONFIG.ENABLED`; when false `connect()` does nothing. */
  enabled?: boolean;
  /**
   * Once the retries are used up (ERROR), one connection attempt every this many ms, spread by the
   * reconnection jitter: the spec's 30 s health check, built in. 0 turns it off. Not after a refused token.
   */
  healthCheckIntervalMs?: number;
  /**
   * Retry at once on the browser's `online` event and when the page becomes visible (while RECONNECTING
   * or in ERROR). Default true; nothing to watch in Node.
   */
  watchNetwork?: boolean;
  /** Log every incoming event; default: `localStorage.websocket_debug === 'true'`, checked per event. */
  debug?: boolean;
  /** Source of randomness for the jitter (tests pass a fixed one); default Math.random. */
  random?: () => number;
  /**
   * Extra socket.io-client options. `autoConnect`, `reconnection`, `forceNew`, `auth` and `timeout` are
   * always set by the service.
   */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
  /**
   * Where the outbox keeps unsent messages; default `MemoryOutboxStore` (survives reconnects, not a
   * reload). Browsers: `IndexedDbOutboxStore`; Node: `FileOutboxStore` from `@mpi/client/node`.
   */
  outboxStore?: OutboxStore;
  /**
   * End-to-end encrypted chats: `endToEndEncryption()` from `@mpi/client/e2e` (its own entry, so bundles
   * without it carry no encryption code). Without it, messages of encrypted chats arrive `undecryptable`
   * (`encryption-not-enabled`), sending to one and `getSafetyCode` fail with ENCRYPTION_REQUIRED. Fixed at
   * construction.
   */
  endToEnd?: EndToEndPlugin;
  /** Sent messages the chat store holds per chat; the oldest are dropped beyond it. Default 500. */
  maxMessagesPerChat?: number;
  /** Receipts (`messages_received`) are batched per chat in ticks of this length. Default 50 ms. */
  receiptBatchMs?: number;
  /** A gap in a chat's seqs that lasts this long is fetched with get_history. Default 2000 ms. */
  gapFillAfterMs?: number;
  /**
   * Uploads `sendFile`'s files: `tusUploader` from `@mpi/client/files` (resumable, with progress). Not
   * bundled by default, so that apps without files stay small.
   */
  uploader?: Uploader;
  /** Keeps files being sent across a reload (`IndexedDbUploadStore` from `@mpi/client/files`); default none. */
  uploadStore?: PendingUploadStore;
}

/** Codes of connection failures detected by the client itself (the server's codes are `ErrorCode`). */
export type ClientErrorCode =
  /** The transport could not be opened (server down, DNS, refused, TLS…). */
  | 'CONNECT_FAILED'
  /** The handshake did not complete within `timeoutMs`. */
  | 'CONNECT_TIMEOUT'
  /** An established connection dropped; `message` holds socket.io's disconnect reason. */
  | 'CONNECTION_LOST'
  /** The token provider threw or rejected. */
  | 'TOKEN_PROVIDER_FAILED';

export interface ConnectionError {
  code: ErrorCode | ClientErrorCode;
  message: string;
}

/** The spec's `getConnectionStatus()`; also the `useSyncExternalStore` snapshot (immutable). */
export interface ConnectionStatus {
  readonly isConnected: boolean;
  readonly state: ConnectionState;
  /** Socket.IO id of the current connection, null when not connected. */
  readonly socketId: string | null;
  /** Round trip of the last successful `ping()`, in ms. */
  readonly latencyMs: number | null;
  /**
   * Retry in progress or scheduled: 1…attempts while RECONNECTING; in ERROR (and during a health check's
   * attempt) the last one; else 0.
   */
  readonly reconnectAttempt: number;
  /** Epoch ms when the scheduled retry (or, in ERROR, the next health check) starts; null when none is. */
  readonly nextRetryAt: number | null;
  /** The delay chosen for the scheduled retry, in ms; null when none is scheduled. */
  readonly nextRetryDelayMs: number | null;
  /** Why the last attempt failed or the connection dropped; cleared on connect, connect() and disconnect(). */
  readonly lastError: ConnectionError | null;
}

export interface ConnectionStateChange {
  state: ConnectionState;
  previous: ConnectionState;
  /** An error code or socket.io disconnect reason, when there is one. */
  reason?: string;
}

/** Events the service emits itself, beside the server's. */
export interface LocalEvents {
  socket_connected: (payload: { socketId: string }) => void;
  socket_disconnected: (payload: { reason: string }) => void;
  connection_state_changed: (payload: ConnectionStateChange) => void;
}

/** Everything `on`/`off` accept: the server's events and the local ones. */
export type SocketServiceEvents = ServerToClientEvents & LocalEvents;
export type SocketServiceEventName = keyof SocketServiceEvents & string;

// The SDK's public names for the contract's derived types.

/** Client events that take an acknowledgement. */
export type AckEventName = AckedClientEvent;

/** The payload of a client event. */
export type EventPayload<E extends ClientEventName> = ClientEventPayload<E>;

/** The acknowledgement of a client event: `{ ok: true, ...fields } | { ok: false, error }`. */
export type AckResponse<E extends AckEventName> = AckOf<E>;
