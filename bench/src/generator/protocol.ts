// Types only: the contract's runtime (zod) would add to the generators' measured memory.
import type { NOTIFICATION_EVENT_CHANNELS, NotificationChannel, NotificationEventName } from '@mpi/protocol';
import type { HistogramData } from '../util/histogram.js';

// The messages between the harness and its load-generator processes (Node IPC, advanced serialisation).

/** How a load generator speaks Socket.IO: its own frames over `ws` (cheap), or socket.io-client. */
export type GeneratorClient = 'raw' | 'socket.io';

export const GENERATOR_CLIENT_ENV = 'MPI_BENCH_GENERATOR_CLIENT';

export interface ClientSpec {
  userId: string;
  deviceId: string;
  token: string;
  /** Base URL of the node this client connects to (several nodes: clients are spread over them). */
  url: string;
}

export interface PairSpec {
  index: number;
  a: ClientSpec;
  b: ClientSpec;
}

export type ErrorCounts = Record<string, number>;

export interface ConnectParams {
  clients: ClientSpec[];
  /** Handshakes (connect + setup_user) in flight at once. */
  concurrency: number;
  timeoutMs: number;
  /** Also subscribe each client to these notification channels (fan-out). */
  subscribe?: NotificationChannel[];
  /** With `subscribe`: how many notifications the fan-out will send, to size the receipt bitmaps. */
  expectNotifications?: number;
}

export interface ConnectResult {
  attempted: number;
  connected: number;
  failed: number;
  errors: ErrorCounts;
  firstStartAt: number;
  lastDoneAt: number;
  /** connect → setup_user ack (→ subscribe ack), per client. */
  latency: HistogramData;
}

export interface ChatPrepareParams {
  pairs: PairSpec[];
  concurrency: number;
  timeoutMs: number;
}

export interface ChatPrepareResult {
  pairs: number;
  ready: number;
  errors: ErrorCounts;
}

export interface ChatRunParams {
  /** `paced`: open loop at `rate`; `saturate`: closed loop, `window` unacknowledged sends per client. */
  mode: 'paced' | 'saturate';
  /** Messages per second offered by this generator (paced). */
  rate: number;
  window: number;
  /** Messages each side of each pair sends; 0 = until `durationMs`. */
  messagesPerSide: number;
  /** Stop sending after this long; 0 = until `messagesPerSide`. */
  durationMs: number;
  textBytes: number;
  /** Wall-clock ms (performance.timeOrigin based) at which every generator starts sending. */
  startAt: number;
  /** After the last send, how long to wait for receipts and deliveries. */
  drainTimeoutMs: number;
  /** The whole run (sending and draining) ends by this long after the call, complete or not. */
  maxRunMs: number;
  /** Distinguishes the client message ids of successive runs on the same connections. */
  tag: string;
  /** Wait for `message_delivered` of every message (false against the bare relay, which sends none). */
  expectDelivered: boolean;
}

export interface ChatRunResult {
  sent: number;
  acked: number;
  received: number;
  delivered: number;
  /** Acknowledged (stored) but never received by the other side. */
  missingReceived: number;
  /** Acknowledged but no message_delivered came back. */
  missingDelivered: number;
  duplicates: number;
  deliveredDuplicates: number;
  /** Messages received that this generator never sent (should be 0). */
  unknown: number;
  errors: ErrorCounts;
  firstSendAt: number;
  lastSendAt: number;
  lastRecvAt: number;
  lastDeliveredAt: number;
  timedOut: boolean;
  /** send → send_message ack, send → receive_message, send → message_delivered (ms). */
  ackLatency: HistogramData;
  recvLatency: HistogramData;
  deliveredLatency: HistogramData;
}

export interface StormSendParams {
  messagesPerClient: number;
  window: number;
  textBytes: number;
  timeoutMs: number;
  tag: string;
}

export interface StormSendResult {
  sent: number;
  acked: number;
  errors: ErrorCounts;
}

export interface StormReconnectParams {
  startAt: number;
  timeoutMs: number;
  /** Reconnects in flight at once; 0 = all at once. */
  concurrency: number;
}

export interface StormReconnectResult {
  clients: number;
  connected: number;
  caughtUp: number;
  /** Messages sent while the client was away that it did not get back. */
  missing: number;
  duplicates: number;
  /** Messages that arrived in queued_messages batches / live. */
  queued: number;
  live: number;
  errors: ErrorCounts;
  startAt: number;
  lastDoneAt: number;
  /** Per client: reconnect start → connected, set up, catch_up_complete and every missed message held. */
  done: HistogramData;
}

export interface FanoutCollectParams {
  notifications: number;
  timeoutMs: number;
}

export interface FanoutCollectResult {
  subscribers: number;
  deliveries: number;
  missing: number;
  duplicates: number;
  unknown: number;
  errors: ErrorCounts;
  firstAt: number;
  lastAt: number;
  /** POST start (carried in the payload) → arrival, per delivery. */
  latency: HistogramData;
}

export interface GeneratorMethods {
  connect(params: ConnectParams): ConnectResult;
  chatPrepare(params: ChatPrepareParams): ChatPrepareResult;
  chatRun(params: ChatRunParams): ChatRunResult;
  stormWarmup(params: { timeoutMs: number; tag: string }): StormSendResult;
  stormDisconnect(params: Record<string, never>): { disconnected: number };
  stormSend(params: StormSendParams): StormSendResult;
  stormReconnect(params: StormReconnectParams): StormReconnectResult;
  fanoutCollect(params: FanoutCollectParams): FanoutCollectResult;
  closeAll(params: Record<string, never>): { closed: number };
}

export type MethodName = keyof GeneratorMethods;

export interface CallMessage {
  kind: 'call';
  id: number;
  method: MethodName;
  params: unknown;
}

export type GeneratorMessage =
  | { kind: 'ready'; pid: number }
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: string }
  | { kind: 'progress'; counters: Counters };

/** Running totals a generator reports every 250 ms while it works. */
export interface Counters {
  connected: number;
  failed: number;
  sent: number;
  acked: number;
  received: number;
  delivered: number;
  caughtUp: number;
  notifications: number;
  errors: number;
}

export function emptyCounters(): Counters {
  return {
    connected: 0,
    failed: 0,
    sent: 0,
    acked: 0,
    received: 0,
    delivered: 0,
    caughtUp: 0,
    notifications: 0,
    errors: 0,
  };
}

/** The notification event the fan-out workload sends, and its channel, which every subscriber joins. */
export const FANOUT_EVENT = 'system:update' satisfies NotificationEventName;
export const FANOUT_CHANNEL = 'system' satisfies (typeof NOTIFICATION_EVENT_CHANNELS)[typeof FANOUT_EVENT];

/**
 * A fan-out notification's `message` starts with `t=<epoch ms>;n=<index>;`: receivers measure latency
 * without clock exchange and count each notification whatever id the server gave it.
 */
export function parseFanoutMessage(message: string): { sentAt: number; index: number } | undefined {
  const match = /^t=([0-9.]+);n=(\d+);/.exec(message);
  return match ? { sentAt: Number(match[1]), index: Number(match[2]) } : undefined;
}
