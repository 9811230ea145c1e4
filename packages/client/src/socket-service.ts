import type { GetHistoryInput, NotificationChannel, UserInfo } from '@mpi/protocol';
import { Connection } from './connection.js';
import type { ConnectionState } from './connection-state.js';
import { isDebugEnabled, logIncomingEvent } from './debug.js';
import { Emitter } from './emitter.js';
import { isAck, SocketRequestError, unavailable } from './errors.js';
import { createClientMessageId } from './ids.js';
import { type ResolvedOptions, resolveOptions } from './options.js';
import type {
  AckEventName,
  AckResponse,
  ClientSocket,
  ConnectionStatus,
  EventPayload,
  LocalEvents,
  SocketServiceEventName,
  SocketServiceEvents,
  SocketServiceOptions,
} from './types.js';

const LOCAL_EVENT_NAMES: ReadonlySet<string> = new Set<keyof LocalEvents>([
  'socket_connected',
  'socket_disconnected',
  'connection_state_changed',
]);

function now(): number {
  return typeof performance === 'object' && typeof performance.now === 'function'
    ? performance.now()
    : Date.now();
}

/**
 * The spec's SocketService: one Socket.IO connection with the spec's method names, typed with the wire
 * contract of @mpi/protocol. Framework-free; React binds with
 * `useSyncExternalStore(service.subscribeState, service.getSnapshot)`.
 *
 * Requests resolve with the server's Ack, `{ ok: true, ...fields } | { ok: false, error: { code, message } }`,
 * and never reject: not connected, no ack within `ackTimeoutMs`, or connection lost before the ack all
 * resolve with `UNAVAILABLE`.
 */
export class SocketService {
  #rawOptions: SocketServiceOptions;
  #options: ResolvedOptions;
  readonly #emitter = new Emitter<SocketServiceEvents>();
  readonly #connection: Connection;

  constructor(options: SocketServiceOptions = {}) {
    this.#rawOptions = { ...options };
    this.#options = resolveOptions(this.#rawOptions);
    this.#connection = new Connection(() => this.#options, {
      onServerEvent: (event, args) => this.#dispatchServerEvent(event, args),
      onConnected: (socketId) => this.#emitter.emit('socket_connected', { socketId }),
      onDisconnected: (reason) => this.#emitter.emit('socket_disconnected', { reason }),
      onStateChange: (change) => this.#emitter.emit('connection_state_changed', change),
    });
  }

  /**
   * Changes options. The token provider, deviceId, reconnection policy and timeouts apply from the next
   * connection attempt; url, query and socketOptions from the next connect() out of DISCONNECTED/ERROR.
   */
  configure(options: SocketServiceOptions): void {
    const reconnection = { ...this.#rawOptions.reconnection, ...options.reconnection };
    this.#rawOptions = { ...this.#rawOptions, ...options, reconnection };
    this.#options = resolveOptions(this.#rawOptions);
  }

  // ---- Connection management (spec) ----

  /** Starts connecting from DISCONNECTED or ERROR (retry count reset); a no-op otherwise. */
  connect(): void {
    this.#connection.connect();
  }

  /** Closes the connection and cancels any retry; the state becomes DISCONNECTED. */
  disconnect(): void {
    this.#connection.disconnect();
  }

  isReady(): boolean {
    return this.#connection.status.isConnected && this.#connection.socket?.connected === true;
  }

  /** disconnect(), and remove every event handler and state listener. The instance can connect() again. */
  destroy(): void {
    this.#connection.destroy();
    this.#emitter.clear();
  }

  getState(): ConnectionState {
    return this.#connection.status.state;
  }

  /** The spec's health check: `{ isConnected, state, socketId, latencyMs, reconnectAttempt, … }`. */
  getConnectionStatus(): ConnectionStatus {
    return this.#connection.status;
  }

  /** For `useSyncExternalStore`: a new object only when something changed. Bound: pass it as is. */
  readonly getSnapshot = (): ConnectionStatus => this.#connection.status;

  /** For `useSyncExternalStore`: `listener` runs after every status change. Bound: pass it as is. */
  readonly subscribeState = (listener: () => void): (() => void) => this.#connection.subscribe(listener);

  /** The underlying socket of the current connect cycle, for diagnostics. Handlers belong on `on()`. */
  get socket(): ClientSocket | null {
    return this.#connection.socket;
  }

  // ---- Events (spec) ----

  /** Handlers live on the service and survive reconnects. Returns a function that removes the handler. */
  on<E extends SocketServiceEventName>(event: E, handler: SocketServiceEvents[E]): () => void {
    this.#emitter.on(event, handler);
    return () => this.#emitter.off(event, handler);
  }

  /** Without `handler`, removes every handler of `event`. */
  off<E extends SocketServiceEventName>(event: E, handler?: SocketServiceEvents[E]): void {
    this.#emitter.off(event, handler);
  }

  /** Handlers registered with `on`, for one event or in all. */
  listenerCount(event?: SocketServiceEventName): number {
    return this.#emitter.listenerCount(event);
  }

  // ---- User and chats (spec) ----

  setupUser(userId: string, userInfo: UserInfo = {}): Promise<AckResponse<'setup_user'>> {
    return this.request('setup_user', { userId, userInfo });
  }

  joinChat(chatId: string): Promise<AckResponse<'join_chat'>> {
    return this.request('join_chat', { chatId });
  }

  leaveChat(chatId: string): Promise<AckResponse<'leave_chat'>> {
    return this.request('leave_chat', { chatId });
  }

  /**
   * Sends `message` as the text of a new message. Pass your own `clientMessageId` (see
   * `createClientMessageId()`) to match the optimistic UI entry and to retry safely: the server answers a
   * repeat with the stored message and `duplicate: true`. An UNAVAILABLE ack after a timeout does not prove
   * the message was lost; retry with the same id.
   */
  sendMessage(
    chatId: string,
    message: string,
    options: { clientMessageId?: string } = {},
  ): Promise<AckResponse<'send_message'>> {
    const clientMessageId = options.clientMessageId ?? createClientMessageId();
    return this.request('send_message', { chatId, text: message, clientMessageId });
  }

  // ---- Typing (spec): fire-and-forget, dropped when not connected ----

  startTyping(chatId: string): void {
    if (this.isReady()) this.#connection.socket?.emit('typing_start', { chatId });
  }

  stopTyping(chatId: string): void {
    if (this.isReady()) this.#connection.socket?.emit('typing_stop', { chatId });
  }

  // ---- Receipts, DMs, history, notifications ----

  /** This device has every message of the chat up to `upToSeq` (cumulative). */
  confirmReceived(chatId: string, upToSeq: number): Promise<AckResponse<'messages_received'>> {
    return this.request('messages_received', { chatId, upToSeq });
  }

  /** The user has read every message of the chat up to `upToSeq` (cumulative). */
  markRead(chatId: string, upToSeq: number): Promise<AckResponse<'mark_read'>> {
    return this.request('mark_read', { chatId, upToSeq });
  }

  /** The DM chat with `userId`, created on first use. */
  openDm(userId: string): Promise<AckResponse<'open_dm'>> {
    return this.request('open_dm', { userId });
  }

  /** A page of messages, newest first; `beforeSeq` pages back. */
  getHistory(
    chatId: string,
    options: Omit<GetHistoryInput, 'chatId'> = {},
  ): Promise<AckResponse<'get_history'>> {
    return this.request('get_history', { chatId, ...options });
  }

  listChats(): Promise<AckResponse<'list_chats'>> {
    return this.request('list_chats', {});
  }

  subscribe(channels: NotificationChannel[]): Promise<AckResponse<'subscribe'>> {
    return this.request('subscribe', { channels });
  }

  unsubscribe(channels: NotificationChannel[]): Promise<AckResponse<'unsubscribe'>> {
    return this.request('unsubscribe', { channels });
  }

  /** Round trip to the server in ms; also stored as `latencyMs`. Rejects with SocketRequestError. */
  async ping(): Promise<number> {
    const started = now();
    const ack = await this.request('ping', { sentAt: Date.now() });
    if (!ack.ok) throw new SocketRequestError(ack.error);
    const latencyMs = Math.round((now() - started) * 100) / 100;
    this.#connection.setLatency(latencyMs);
    return latencyMs;
  }

  /** Emits any acknowledged client event and resolves with its Ack; never rejects. */
  async request<E extends AckEventName>(event: E, payload: EventPayload<E>): Promise<AckResponse<E>> {
    const socket = this.#connection.socket;
    if (!socket || !this.isReady()) return this.#whenNotConnected(event, payload);
    const { ackTimeoutMs } = this.#options;
    // socket.io's typings cannot follow a generic event name through timeout(); the map above is the type.
    const emitter = socket.timeout(ackTimeoutMs) as unknown as {
      emitWithAck(event: string, payload: unknown): Promise<unknown>;
    };
    let response: unknown;
    try {
      response = await emitter.emitWithAck(event, payload);
    } catch (error) {
      const lost = error instanceof Error && /disconnected/.test(error.message);
      return unavailable(
        lost
          ? `The connection was lost before "${event}" was acknowledged.`
          : `No acknowledgement of "${event}" within ${ackTimeoutMs} ms.`,
      ) as AckResponse<E>;
    }
    if (!isAck(response)) {
      return {
        ok: false,
        error: { code: 'INTERNAL', message: `Malformed ack of "${event}".` },
      } as AckResponse<E>;
    }
    return response as AckResponse<E>;
  }

  /**
   * Seam for the outbox (later issue): requests made while not connected end here. Today they fail at
   * once with UNAVAILABLE; the outbox will queue `send_message` here and flush it after reconnecting.
   */
  #whenNotConnected<E extends AckEventName>(event: E, _payload: EventPayload<E>): Promise<AckResponse<E>> {
    return Promise.resolve(
      unavailable(`Not connected (state: ${this.getState()}); "${event}" was not sent.`) as AckResponse<E>,
    );
  }

  #dispatchServerEvent(event: string, args: unknown[]): void {
    if (this.#options.debug ?? isDebugEnabled()) logIncomingEvent(event, args);
    if (LOCAL_EVENT_NAMES.has(event)) return; // a server cannot impersonate the local events
    (this.#emitter.emit as (event: string, ...args: unknown[]) => void).call(this.#emitter, event, ...args);
  }
}

/** A new, independent SocketService. Most applications use the shared one from `getSocketService()`. */
export function createSocketService(options: SocketServiceOptions = {}): SocketService {
  return new SocketService(options);
}
