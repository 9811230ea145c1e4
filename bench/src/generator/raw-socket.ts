import type { ClientToServerEvents, ErrorBody, ServerToClientEvents } from '@mpi/protocol';
import WebSocket from 'ws';

/**
 * A Socket.IO client written against the wire protocol (Engine.IO v4 over a websocket, Socket.IO v5
 * packets in text frames, the default JSON parser), with only what the load generators use. A
 * socket.io-client socket costs its process a manager, an Engine.IO socket, a parser, an emitter and
 * timers per connection; this one costs a `ws` socket and one object, so that one generator process can
 * drive the baseline to its own limit and the figures are the framework's, not the generator's.
 *
 * Frames: `0{…}` open → `40{auth}` connect → `40{sid}` connected or `44{message,data}` refused;
 * `2`/`3` ping/pong; `42[event,…args]` an event, `42<id>[…]` one that wants an ack, answered by
 * `43<id>[…]`; `41` namespace disconnect.
 */

type Listener = (...args: never[]) => void;
type ConnectError = Error & { data?: Partial<ErrorBody> };
type AckCallback = (err: Error | null, response: unknown) => void;

interface ReservedEvents {
  connect: () => void;
  connect_error: (error: ConnectError) => void;
  disconnect: (reason: string) => void;
}

type ListenEvents = ServerToClientEvents & ReservedEvents;

export interface RawSocketOptions {
  auth: Record<string, unknown>;
  query: Record<string, string>;
  timeoutMs: number;
}

export class RawSocket {
  connected = false;
  private readonly ws: WebSocket;
  private readonly listeners = new Map<string, Listener[]>();
  private readonly acks = new Map<number, AckCallback>();
  private nextAckId = 0;
  private closed = false;
  private readonly connectTimer: NodeJS.Timeout;

  constructor(
    baseUrl: string,
    private readonly options: RawSocketOptions,
  ) {
    const url = new URL('/socket.io/', baseUrl.replace(/^http/, 'ws'));
    url.search = new URLSearchParams({ ...options.query, EIO: '4', transport: 'websocket' }).toString();
    this.ws = new WebSocket(url, { perMessageDeflate: false });
    this.connectTimer = setTimeout(() => this.fail(new Error('timeout')), options.timeoutMs);
    this.ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onFrame(data.toString());
    });
    this.ws.on('error', (error) => this.fail(error));
    this.ws.on('close', () => this.onClose('transport close'));
  }

  on<E extends keyof ListenEvents>(event: E, listener: ListenEvents[E]): this {
    const list = this.listeners.get(event as string);
    if (list) list.push(listener as Listener);
    else this.listeners.set(event as string, [listener as Listener]);
    return this;
  }

  off<E extends keyof ListenEvents>(event: E, listener: ListenEvents[E]): this {
    const list = this.listeners.get(event as string);
    if (list)
      this.listeners.set(
        event as string,
        list.filter((l) => l !== (listener as Listener)),
      );
    return this;
  }

  /** As socket.io-client: a trailing function is the acknowledgement callback. */
  emit<E extends keyof ClientToServerEvents>(event: E, ...args: Parameters<ClientToServerEvents[E]>): this {
    const last = args[args.length - 1];
    if (typeof last !== 'function') {
      this.send(`42${JSON.stringify([event, ...args])}`);
      return this;
    }
    const id = this.nextAckId++;
    // Without a timeout, socket.io-client never calls back an ack that a disconnect cut off.
    this.acks.set(id, (err, response) => {
      if (!err) (last as (response: unknown) => void)(response);
    });
    this.send(`42${id}${JSON.stringify([event, ...args.slice(0, -1)])}`);
    return this;
  }

  /** `socket.timeout(ms).emit(event, payload, (err, response) => …)`, as in socket.io-client. */
  timeout(ms: number): {
    emit(event: keyof ClientToServerEvents, payload: unknown, ack: AckCallback): void;
  } {
    return {
      emit: (event, payload, ack) => {
        const id = this.nextAckId++;
        const timer = setTimeout(() => {
          this.acks.delete(id);
          ack(new Error('operation has timed out'), undefined);
        }, ms);
        this.acks.set(id, (err, response) => {
          clearTimeout(timer);
          ack(err, response);
        });
        this.send(`42${id}${JSON.stringify([event, payload])}`);
      },
    };
  }

  disconnect(): this {
    if (this.connected) this.send('41');
    this.onClose('io client disconnect');
    this.ws.close();
    return this;
  }

  private send(frame: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
  }

  private onFrame(frame: string): void {
    switch (frame[0]) {
      case '0':
        this.send(`40${JSON.stringify(this.options.auth)}`);
        return;
      case '2':
        this.send('3');
        return;
      case '4':
        this.onPacket(frame);
        return;
      case '1':
        this.onClose('transport close');
    }
  }

  private onPacket(frame: string): void {
    const type = frame[1];
    if (type === '2' || type === '3') {
      const start = frame.indexOf('[');
      const args = JSON.parse(frame.slice(start)) as unknown[];
      const id = start > 2 ? Number(frame.slice(2, start)) : undefined;
      if (type === '3') {
        const ack = id === undefined ? undefined : this.acks.get(id);
        if (id !== undefined) this.acks.delete(id);
        ack?.(null, args[0]);
      } else this.dispatch(args[0] as string, args.slice(1));
    } else if (type === '0') {
      clearTimeout(this.connectTimer);
      this.connected = true;
      this.dispatch('connect', []);
    } else if (type === '4') {
      const body = JSON.parse(frame.slice(2)) as { message?: string; data?: Partial<ErrorBody> };
      const error: ConnectError = Object.assign(new Error(body.message ?? 'connect_error'), {
        data: body.data,
      });
      this.fail(error);
    } else if (type === '1') {
      this.onClose('io server disconnect');
      this.ws.close();
    }
  }

  private dispatch(event: string, args: unknown[]): void {
    const list = this.listeners.get(event);
    if (!list) return;
    for (const listener of list) (listener as (...a: unknown[]) => void)(...args);
  }

  private fail(error: Error): void {
    if (this.closed) return;
    clearTimeout(this.connectTimer);
    if (this.connected) this.onClose('transport error');
    else {
      this.closed = true;
      this.dispatch('connect_error', [error]);
    }
    this.ws.terminate();
  }

  private onClose(reason: string): void {
    clearTimeout(this.connectTimer);
    if (this.closed) return;
    this.closed = true;
    const wasConnected = this.connected;
    this.connected = false;
    for (const ack of this.acks.values()) ack(new Error(reason), undefined);
    this.acks.clear();
    if (wasConnected) this.dispatch('disconnect', [reason]);
    else this.dispatch('connect_error', [new Error(reason)]);
  }
}
