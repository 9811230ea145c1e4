import { recoveryOf } from '@mpi/protocol';
import { io } from 'socket.io-client';
import { healthCheckDelay, reconnectDelay } from './backoff.js';
import { ConnectionState } from './connection-state.js';
import { describeError, isErrorBody } from './errors.js';
import type { ResolvedOptions } from './options.js';
import { applyPatch, INITIAL_STATUS, NO_RETRY, type StatusPatch } from './status.js';
import { Subscribable } from './subscribable.js';
import type { ClientSocket, ConnectionError, ConnectionStateChange, ConnectionStatus } from './types.js';
import { type WakeReason, watchWakeSignals } from './wake-signals.js';

export interface ConnectionHooks {
  /** Every event the server sends, once, whatever the number of reconnects. */
  onServerEvent(event: string, args: unknown[]): void;
  onConnected(socketId: string): void;
  onDisconnected(reason: string): void;
  onStateChange(change: ConnectionStateChange): void;
  /** The device id sent in the handshake (the SDK keeps one when the app gives none). */
  deviceId(): string | Promise<string>;
}

/**
 * The connection state machine. One socket.io-client socket per connect() cycle, with socket.io's own
 * reconnection switched off: retries, their delays and the terminal ERROR state are driven here.
 *
 *   DISCONNECTED/ERROR --connect()--> CONNECTING --handshake ok--> CONNECTED
 *   CONNECTING/CONNECTED --attempt failed / unexpected drop--> RECONNECTING (retry 1, after delay(0))
 *   RECONNECTING --retry n failed, n < attempts--> RECONNECTING (retry n+1, after delay(n))
 *   RECONNECTING --retry `attempts` failed--> ERROR
 *   ERROR --health check (every healthCheckIntervalMs ± jitter), online, page visible--> CONNECTING
 *          (one attempt: CONNECTED, or back to ERROR with the next health check scheduled)
 *   RECONNECTING --online, page visible--> the waiting retry starts now
 *   any --AUTH_MISSING / AUTH_INVALID--> ERROR               (no retry, no health check: until connect())
 *   any --disconnect()--> DISCONNECTED                        (no retry)
 */
export class Connection extends Subscribable {
  #status: ConnectionStatus = INITIAL_STATUS;
  #socket: ClientSocket | null = null;
  /** Identifies the attempt in flight; stale callbacks of earlier attempts compare unequal. */
  #attemptId = 0;
  #attemptInFlight = false;
  #attemptTimer: ReturnType<typeof setTimeout> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** True while disconnect() closes the socket, so its `disconnect` event is not taken for a drop. */
  #closing = false;
  /** Which of `options.urls` the socket is for; moves on after each failure. */
  #urlIndex = 0;
  #healthTimer: ReturnType<typeof setTimeout> | undefined;
  /** The attempt in flight is a health check's: its failure goes straight back to ERROR. */
  #probing = false;
  /** ERROR because the token was refused: only connect() leaves it. */
  #refused = false;
  #unwatch: (() => void) | null = null;

  readonly #options: () => ResolvedOptions;
  readonly #hooks: ConnectionHooks;

  constructor(options: () => ResolvedOptions, hooks: ConnectionHooks) {
    super('[SocketService] a state listener');
    this.#options = options;
    this.#hooks = hooks;
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  get socket(): ClientSocket | null {
    return this.#socket;
  }

  /** Starts a connect cycle from DISCONNECTED or ERROR; does nothing while one is running. */
  connect(): void {
    if (!this.#options().enabled) return;
    const { state } = this.#status;
    if (state !== ConnectionState.DISCONNECTED && state !== ConnectionState.ERROR) return;
    this.#probing = false;
    this.#refused = false;
    if (this.#options().watchNetwork) this.#unwatch ??= watchWakeSignals((reason) => this.wake(reason));
    this.#teardownSocket();
    this.#socket = this.#createSocket();
    this.#update(
      { state: ConnectionState.CONNECTING, reconnectAttempt: 0, lastError: null, ...NO_RETRY },
      'connect',
    );
    this.#startAttempt();
  }

  /**
   * The network may work again (browser `online`, page visible): a retry waiting out its delay starts now;
   * in ERROR (not after a refused token) one attempt starts now.
   */
  wake(reason: WakeReason | 'health_check'): void {
    const { state } = this.#status;
    if (state === ConnectionState.RECONNECTING && !this.#attemptInFlight && this.#retryTimer !== undefined) {
      this.#startAttempt();
    } else if (state === ConnectionState.ERROR && !this.#refused) {
      this.#cancelAttempt();
      this.#teardownSocket();
      this.#socket = this.#createSocket();
      this.#probing = true;
      this.#update({ state: ConnectionState.CONNECTING, ...NO_RETRY }, reason);
      this.#startAttempt();
    }
  }

  disconnect(): void {
    this.#unwatch?.();
    this.#unwatch = null;
    this.#cancelAttempt();
    this.#teardownSocket();
    this.#update(
      {
        state: ConnectionState.DISCONNECTED,
        socketId: null,
        reconnectAttempt: 0,
        lastError: null,
        ...NO_RETRY,
      },
      'disconnect',
    );
  }

  /** disconnect(), then forget the latency and the state listeners. */
  destroy(): void {
    this.disconnect();
    this.clearListeners();
    this.#status = INITIAL_STATUS;
  }

  setLatency(latencyMs: number): void {
    this.#update({ latencyMs });
  }

  #createSocket(): ClientSocket {
    const opts = this.#options();
    const url = opts.urls[this.#urlIndex % opts.urls.length] as string;
    const socket: ClientSocket = io(url, {
      ...opts.socketOptions,
      transports: opts.transports,
      query: opts.query,
      autoConnect: false,
      reconnection: false,
      forceNew: true,
      timeout: opts.timeoutMs,
      // Called on every attempt: the token provider runs again each time.
      auth: (cb) => this.#provideAuth(cb),
    });
    socket.on('connect', () => this.#onConnect(socket));
    socket.on('connect_error', (error) => this.#onConnectError(error));
    socket.on('disconnect', (reason) => this.#onDisconnect(reason));
    socket.onAny((event: string, ...args: unknown[]) => this.#hooks.onServerEvent(event, args));
    return socket;
  }

  #teardownSocket(): void {
    const socket = this.#socket;
    if (!socket) return;
    this.#closing = true;
    try {
      socket.disconnect(); // emits `disconnect` ('io client disconnect') when it was connected
    } finally {
      this.#closing = false;
    }
    socket.offAny();
    socket.off();
    this.#socket = null;
  }

  #provideAuth(cb: (data: object) => void): void {
    const attemptId = this.#attemptId;
    const { token } = this.#options();
    const send = (value: string) => {
      const deliver = (deviceId: string) => {
        if (attemptId !== this.#attemptId || !this.#attemptInFlight) return; // attempt abandoned meanwhile
        cb({ token: value, deviceId });
      };
      const deviceId = this.#hooks.deviceId();
      if (typeof deviceId === 'string') deliver(deviceId);
      else void deviceId.then(deliver);
    };
    if (token === undefined || token === '') {
      queueMicrotask(() =>
        this.#fail(attemptId, { code: 'AUTH_MISSING', message: 'No token: set options.token.' }, true),
      );
      return;
    }
    if (typeof token === 'string') {
      send(token);
      return;
    }
    let result: string | Promise<string>;
    try {
      result = token();
    } catch (error) {
      queueMicrotask(() =>
        this.#fail(attemptId, { code: 'TOKEN_PROVIDER_FAILED', message: describeError(error) }),
      );
      return;
    }
    Promise.resolve(result).then(send, (error: unknown) =>
      this.#fail(attemptId, { code: 'TOKEN_PROVIDER_FAILED', message: describeError(error) }),
    );
  }

  #startAttempt(): void {
    if (this.#socket === null && this.#status.state === ConnectionState.RECONNECTING) {
      this.#socket = this.#createSocket();
    }
    const socket = this.#socket;
    if (!socket) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const attemptId = ++this.#attemptId;
    this.#attemptInFlight = true;
    const { timeoutMs } = this.#options();
    this.#attemptTimer = setTimeout(
      () =>
        this.#fail(attemptId, { code: 'CONNECT_TIMEOUT', message: `No handshake within ${timeoutMs} ms.` }),
      timeoutMs,
    );
    this.#update(NO_RETRY);
    socket.connect();
  }

  #cancelAttempt(): void {
    this.#attemptId++;
    this.#attemptInFlight = false;
    clearTimeout(this.#attemptTimer);
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#healthTimer);
    this.#attemptTimer = undefined;
    this.#retryTimer = undefined;
    this.#healthTimer = undefined;
  }

  #onConnect(socket: ClientSocket): void {
    if (socket !== this.#socket) return;
    this.#cancelAttempt();
    this.#probing = false;
    const socketId = socket.id ?? '';
    this.#update(
      { state: ConnectionState.CONNECTED, socketId, reconnectAttempt: 0, lastError: null, ...NO_RETRY },
      'connected',
    );
    this.#hooks.onConnected(socketId);
  }

  #onConnectError(error: Error & { data?: unknown }): void {
    if (!this.#attemptInFlight) return;
    const attemptId = this.#attemptId;
    if (isErrorBody(error.data)) {
      const body = { code: error.data.code, message: error.data.message } as ConnectionError;
      // Only a refused token ends the retries: each attempt asks the token provider again, so an expired
      // token is replaced, and a shutdown or a fault can pass.
      this.#fail(attemptId, body, recoveryOf(body.code) === 'token-refused');
    } else if (error.message === 'timeout') {
      this.#fail(attemptId, { code: 'CONNECT_TIMEOUT', message: 'The transport did not open in time.' });
    } else {
      this.#fail(attemptId, { code: 'CONNECT_FAILED', message: describeError(error) });
    }
  }

  #onDisconnect(reason: string): void {
    this.#update({ socketId: null });
    this.#hooks.onDisconnected(reason);
    if (this.#closing) return;
    if (reason === 'io client disconnect') {
      // Someone called disconnect() on the raw socket: same as our disconnect().
      this.disconnect();
      return;
    }
    this.#scheduleRetry({ code: 'CONNECTION_LOST', message: reason }, reason);
  }

  /** Ends the attempt `attemptId` (if still current) and retries, or goes to ERROR when `fatal`. */
  #fail(attemptId: number, error: ConnectionError, fatal = false): void {
    if (attemptId !== this.#attemptId || !this.#attemptInFlight) return;
    this.#cancelAttempt();
    // Close the half-open transport; the socket object is reused by the next attempt.
    this.#closing = true;
    try {
      this.#socket?.disconnect();
    } finally {
      this.#closing = false;
    }
    if (fatal) this.#enterError(error, true);
    else this.#scheduleRetry(error, error.code);
  }

  /** With several URLs, the next attempt goes to the next one (on a socket of its own). */
  #nextUrl(): void {
    if (this.#options().urls.length < 2) return;
    this.#urlIndex++;
    this.#teardownSocket();
  }

  #scheduleRetry(error: ConnectionError, reason: string): void {
    this.#nextUrl();
    const policy = this.#options().reconnection;
    const retry = this.#status.reconnectAttempt + 1;
    if (this.#probing || retry > policy.attempts) {
      this.#enterError(error);
      return;
    }
    const delay = reconnectDelay(retry - 1, policy, this.#options().random);
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#startAttempt(), delay);
    this.#update(
      {
        state: ConnectionState.RECONNECTING,
        socketId: null,
        reconnectAttempt: retry,
        nextRetryAt: Date.now() + delay,
        nextRetryDelayMs: delay,
        lastError: error,
      },
      reason,
    );
  }

  #enterError(error: ConnectionError, refused = false): void {
    this.#cancelAttempt();
    this.#teardownSocket();
    this.#probing = false;
    this.#refused = refused;
    const { healthCheckIntervalMs, reconnection, random } = this.#options();
    if (refused || healthCheckIntervalMs <= 0) {
      this.#update(
        { state: ConnectionState.ERROR, socketId: null, lastError: error, ...NO_RETRY },
        error.code,
      );
      return;
    }
    const delay = healthCheckDelay(healthCheckIntervalMs, reconnection.jitter, random);
    this.#healthTimer = setTimeout(() => {
      this.#healthTimer = undefined;
      this.wake('health_check');
    }, delay);
    this.#update(
      {
        state: ConnectionState.ERROR,
        socketId: null,
        lastError: error,
        nextRetryAt: Date.now() + delay,
        nextRetryDelayMs: delay,
      },
      error.code,
    );
  }

  #update(patch: StatusPatch, reason?: string): void {
    const previous = this.#status;
    const next = applyPatch(previous, patch);
    if (next === previous) return;
    this.#status = next;
    this.notify();
    if (next.state !== previous.state) {
      this.#hooks.onStateChange({
        state: next.state,
        previous: previous.state,
        ...(reason === undefined ? {} : { reason }),
      });
    }
  }
}
