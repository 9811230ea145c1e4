import type { Socket } from 'socket.io-client';
import { Histogram } from '../util/histogram.js';
import { eachLimit, now, sleep } from '../util/stats.js';
import {
  type ChatPrepareParams,
  type ChatPrepareResult,
  type ChatRunParams,
  type ChatRunResult,
  type ClientSpec,
  type ConnectParams,
  type ConnectResult,
  type Counters,
  emptyCounters,
  FANOUT_EVENT,
  type FanoutCollectParams,
  type FanoutCollectResult,
  parseFanoutMessage,
  type StormReconnectParams,
  type StormReconnectResult,
  type StormSendParams,
  type StormSendResult,
} from './protocol.js';
import {
  BenchError,
  codeOf,
  count,
  countServerErrors,
  openSocket,
  request,
  whenConnected,
} from './sockets.js';

/**
 * The load generator's state and workloads. One instance per generator process; the harness drives it
 * phase by phase over IPC (see main.ts), so that all generators start each phase together.
 *
 * Every wait is bounded by a timeout; nothing here retries forever.
 */

interface MessageLike {
  id: string;
  clientMessageId: string;
  chatId: string;
  seq: number;
}

interface DeliveredLike {
  messageId: string;
}

/** Highest seq below which every seq of the chat is known (received, or own and acknowledged). */
class Frontier {
  private ahead = new Set<number>();
  constructor(public upTo = 0) {}

  add(seq: number): void {
    if (seq <= this.upTo) return;
    if (seq !== this.upTo + 1) {
      this.ahead.add(seq);
      return;
    }
    this.upTo = seq;
    while (this.ahead.delete(this.upTo + 1)) this.upTo++;
  }
}

interface Pair {
  index: number;
  chatId: string;
  a: Side;
  b: Side;
}

interface Side {
  name: 'a' | 'b';
  spec: ClientSpec;
  socket: Socket | undefined;
  pair: Pair;
  frontier: Frontier;
  confirmed: number;
  /** Messages still to send in the current run (Infinity: until the run's duration ends). */
  remaining: number;
  inflight: number;
  nextN: number;
  /** Storm: messages sent to this side while it was away, how many came back, when it finished. */
  expectAway: number;
  gotAway: number;
  lastGotAt: number;
  reconnectAt: number;
  caughtUpAt: number;
  doneAt: number;
}

interface Rec {
  sender: Side;
  sentAt: number;
  recvCount: number;
  deliveredCount: number;
  acked: boolean;
  settled: boolean;
}

class Run {
  readonly records = new Map<string, Rec>();
  readonly byMessageId = new Map<string, Rec>();
  /** message_delivered that overtook its send_message ack. */
  readonly early = new Map<string, number>();
  readonly ackLatency = new Histogram();
  readonly recvLatency = new Histogram();
  readonly deliveredLatency = new Histogram();
  sent = 0;
  settled = 0;
  acked = 0;
  received = 0;
  delivered = 0;
  duplicates = 0;
  deliveredDuplicates = 0;
  unknown = 0;
  queued = 0;
  live = 0;
  firstSendAt = Number.NaN;
  lastSendAt = Number.NaN;
  lastRecvAt = Number.NaN;
  lastDeliveredAt = Number.NaN;
  sendingDone = false;
  /** Called after every event that may complete the run. */
  onProgress: () => void = () => {};

  constructor(readonly tag: string) {}
}

export class Engine {
  readonly counters: Counters = emptyCounters();
  readonly errors: Record<string, number> = {};
  private sockets = new Set<Socket>();
  private closing = false;
  private pairs: Pair[] = [];
  private run = new Run('idle');
  private dirty = new Set<Side>();
  private flushScheduled = false;
  private text = '';
  /** Fan-out: which notifications each subscriber got. */
  private fanout: {
    got: Uint8Array[];
    n: number;
    deliveries: number;
    duplicates: number;
    unknown: number;
    firstAt: number;
    lastAt: number;
    latency: Histogram;
  } = {
    got: [],
    n: 0,
    deliveries: 0,
    duplicates: 0,
    unknown: 0,
    firstAt: Number.NaN,
    lastAt: Number.NaN,
    latency: new Histogram(),
  };

  private error = (code: string) => {
    count(this.errors, code);
    this.counters.errors++;
  };

  private track(socket: Socket): Socket {
    this.sockets.add(socket);
    countServerErrors(socket, this.errors, () => this.counters.errors++);
    socket.on('disconnect', (reason: string) => {
      this.sockets.delete(socket);
      if (!this.closing && reason !== 'io client disconnect') this.error(`disconnect: ${reason}`);
    });
    return socket;
  }

  // ---------------------------------------------------------------- connections (W1, fan-out)

  async connect(params: ConnectParams): Promise<ConnectResult> {
    const latency = new Histogram();
    const errors: Record<string, number> = {};
    let connected = 0;
    let failed = 0;
    let firstStartAt = Number.NaN;
    let lastDoneAt = Number.NaN;
    const subscribing = params.subscribe && params.subscribe.length > 0;
    if (subscribing) {
      const n = params.expectNotifications ?? 0;
      this.fanout = {
        got: [],
        n,
        deliveries: 0,
        duplicates: 0,
        unknown: 0,
        firstAt: Number.NaN,
        lastAt: Number.NaN,
        latency: new Histogram(),
      };
    }
    await eachLimit(params.clients, params.concurrency, async (spec) => {
      const startedAt = now();
      if (Number.isNaN(firstStartAt)) firstStartAt = startedAt;
      const socket = this.track(openSocket(spec, params.timeoutMs));
      if (subscribing) this.listenFanout(socket);
      try {
        await whenConnected(socket, params.timeoutMs);
        await request(socket, 'setup_user', { userId: spec.userId, userInfo: {} }, params.timeoutMs);
        if (subscribing) await request(socket, 'subscribe', { channels: params.subscribe }, params.timeoutMs);
        const doneAt = now();
        latency.add(doneAt - startedAt);
        lastDoneAt = Number.isNaN(lastDoneAt) ? doneAt : Math.max(lastDoneAt, doneAt);
        connected++;
        this.counters.connected++;
      } catch (error) {
        failed++;
        this.counters.failed++;
        count(errors, codeOf(error));
        socket.disconnect();
      }
    });
    return {
      attempted: params.clients.length,
      connected,
      failed,
      errors: { ...errors, ...this.errors },
      firstStartAt,
      lastDoneAt,
      latency: latency.toJSON(),
    };
  }

  // ---------------------------------------------------------------- fan-out (W3)

  private listenFanout(socket: Socket): void {
    const got = new Uint8Array(this.fanout.n);
    this.fanout.got.push(got);
    // Both targets emit (payload, meta): only the payload's message is read; meta (its id, seq…) is not needed.
    socket.on(FANOUT_EVENT, (payload: { message?: string }, _meta?: unknown) => {
      const t = now();
      const f = this.fanout;
      const head = parseFanoutMessage(payload?.message ?? '');
      if (!head) return; // not one of ours (e.g. the availability probe)
      if (!(head.index >= 0 && head.index < f.n)) {
        f.unknown++;
        return;
      }
      if (got[head.index]) {
        f.duplicates++;
        return;
      }
      got[head.index] = 1;
      f.deliveries++;
      this.counters.notifications++;
      if (Number.isNaN(f.firstAt)) f.firstAt = t;
      f.lastAt = t;
      if (Number.isFinite(head.sentAt)) f.latency.add(t - head.sentAt);
    });
  }

  async fanoutCollect(params: FanoutCollectParams): Promise<FanoutCollectResult> {
    const f = this.fanout;
    const expected = f.got.length * Math.min(params.notifications, f.n);
    const deadline = now() + params.timeoutMs;
    while (f.deliveries < expected && now() < deadline) await sleep(5);
    return {
      subscribers: f.got.length,
      deliveries: f.deliveries,
      missing: expected - f.deliveries,
      duplicates: f.duplicates,
      unknown: f.unknown,
      errors: { ...this.errors },
      firstAt: f.firstAt,
      lastAt: f.lastAt,
      latency: f.latency.toJSON(),
    };
  }

  // ---------------------------------------------------------------- chat pairs (W2, W4, loadtest)

  private listenChat(side: Side, socket: Socket): void {
    socket.on('receive_message', (message: MessageLike) => this.onMessage(side, message, false));
    socket.on('queued_messages', (messages: MessageLike[]) => {
      for (const message of messages) this.onMessage(side, message, true);
    });
    socket.on('catch_up_complete', () => {
      side.caughtUpAt = now();
      this.checkStormDone(side);
    });
    socket.on('message_delivered', (payload: DeliveredLike) => this.onDelivered(payload));
  }

  async chatPrepare(params: ChatPrepareParams): Promise<ChatPrepareResult> {
    const errors: Record<string, number> = {};
    let ready = 0;
    await eachLimit(params.pairs, Math.max(1, Math.floor(params.concurrency / 2)), async (spec) => {
      const pair = { index: spec.index, chatId: '' } as Pair;
      const side = (name: 'a' | 'b', client: ClientSpec): Side => ({
        name,
        spec: client,
        socket: undefined,
        pair,
        frontier: new Frontier(),
        confirmed: 0,
        remaining: 0,
        inflight: 0,
        nextN: 0,
        expectAway: 0,
        gotAway: 0,
        lastGotAt: Number.NaN,
        reconnectAt: Number.NaN,
        caughtUpAt: Number.NaN,
        doneAt: Number.NaN,
      });
      pair.a = side('a', spec.a);
      pair.b = side('b', spec.b);
      try {
        await Promise.all([
          this.connectSide(pair.a, params.timeoutMs),
          this.connectSide(pair.b, params.timeoutMs),
        ]);
        const socket = pair.a.socket as Socket;
        const { chat } = await request<{ chat: { id: string; lastSeq: number } }>(
          socket,
          'open_dm',
          { userId: spec.b.userId },
          params.timeoutMs,
        );
        pair.chatId = chat.id;
        pair.a.frontier = new Frontier(chat.lastSeq);
        pair.b.frontier = new Frontier(chat.lastSeq);
        pair.a.confirmed = chat.lastSeq;
        pair.b.confirmed = chat.lastSeq;
        this.pairs.push(pair);
        ready++;
      } catch (error) {
        count(errors, codeOf(error));
        this.counters.failed++;
        pair.a.socket?.disconnect();
        pair.b.socket?.disconnect();
      }
    });
    return { pairs: params.pairs.length, ready, errors };
  }

  private async connectSide(side: Side, timeoutMs: number): Promise<void> {
    const socket = this.track(openSocket(side.spec, timeoutMs));
    side.socket = socket;
    this.listenChat(side, socket);
    await whenConnected(socket, timeoutMs);
    await request(socket, 'setup_user', { userId: side.spec.userId, userInfo: {} }, timeoutMs);
    this.counters.connected++;
  }

  private onMessage(side: Side, message: MessageLike, queued: boolean): void {
    const t = now();
    const run = this.run;
    side.frontier.add(message.seq);
    const rec = run.records.get(message.clientMessageId);
    if (!rec || rec.sender === side) {
      run.unknown++;
    } else if (rec.recvCount++ === 0) {
      run.received++;
      this.counters.received++;
      run.recvLatency.add(t - rec.sentAt);
      run.lastRecvAt = t;
      if (queued) run.queued++;
      else run.live++;
      if (side.expectAway > 0) {
        side.gotAway++;
        side.lastGotAt = t;
        this.checkStormDone(side);
      }
    } else {
      run.duplicates++;
    }
    this.markDirty(side);
    run.onProgress();
  }

  private onDelivered(payload: DeliveredLike): void {
    const run = this.run;
    const rec = run.byMessageId.get(payload.messageId);
    if (!rec) {
      run.early.set(payload.messageId, now());
      return;
    }
    this.applyDelivered(rec, now());
  }

  private applyDelivered(rec: Rec, t: number): void {
    const run = this.run;
    if (rec.deliveredCount++ > 0) {
      run.deliveredDuplicates++;
      return;
    }
    run.delivered++;
    this.counters.delivered++;
    run.deliveredLatency.add(t - rec.sentAt);
    run.lastDeliveredAt = Number.isNaN(run.lastDeliveredAt) ? t : Math.max(run.lastDeliveredAt, t);
    run.onProgress();
  }

  /** Cumulative receipts, coalesced: at most one messages_received per side and event-loop turn. */
  private markDirty(side: Side): void {
    if (side.frontier.upTo <= side.confirmed) return;
    this.dirty.add(side);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flush);
  }

  private flush = () => {
    this.flushScheduled = false;
    for (const side of this.dirty) {
      const upToSeq = side.frontier.upTo;
      if (!side.socket?.connected || upToSeq <= side.confirmed) continue;
      side.confirmed = upToSeq;
      side.socket.emit(
        'messages_received',
        { chatId: side.pair.chatId, upToSeq },
        (ack: { ok?: boolean; error?: { code?: string } }) => {
          if (!ack?.ok) this.error(`messages_received: ${ack?.error?.code ?? '?'}`);
        },
      );
    }
    this.dirty.clear();
  };

  private send(side: Side): void {
    const run = this.run;
    const socket = side.socket;
    if (!socket) return;
    side.remaining--;
    side.inflight++;
    const clientMessageId = `${run.tag}.${side.pair.index}${side.name}.${side.nextN++}`;
    const sentAt = now();
    const rec: Rec = { sender: side, sentAt, recvCount: 0, deliveredCount: 0, acked: false, settled: false };
    run.records.set(clientMessageId, rec);
    run.sent++;
    this.counters.sent++;
    if (Number.isNaN(run.firstSendAt)) run.firstSendAt = sentAt;
    run.lastSendAt = sentAt;
    socket.emit(
      'send_message',
      { chatId: side.pair.chatId, text: this.text, clientMessageId },
      (ack: { ok?: boolean; message?: MessageLike; error?: { code?: string } }) => {
        const t = now();
        side.inflight--;
        rec.settled = true;
        run.settled++;
        if (ack?.ok && ack.message) {
          rec.acked = true;
          run.acked++;
          this.counters.acked++;
          run.ackLatency.add(t - sentAt);
          run.byMessageId.set(ack.message.id, rec);
          side.frontier.add(ack.message.seq);
          this.markDirty(side);
          const early = run.early.get(ack.message.id);
          if (early !== undefined) {
            run.early.delete(ack.message.id);
            this.applyDelivered(rec, early);
          }
        } else {
          this.error(`send_message: ${ack?.error?.code ?? '?'}`);
        }
        this.afterAck(side);
        run.onProgress();
      },
    );
  }

  /** Closed-loop sending refills the window here. */
  private afterAck: (side: Side) => void = () => {};

  private setText(bytes: number): void {
    const unit = 'The quick brown fox jumps over the lazy dog. ';
    this.text =
      unit
        .repeat(Math.ceil(bytes / unit.length))
        .slice(0, Math.max(1, bytes))
        .trimEnd() || 'x';
  }

  async chatRun(params: ChatRunParams): Promise<ChatRunResult> {
    const run = new Run(params.tag);
    this.run = run;
    this.setText(params.textBytes);
    const sides = this.pairs.flatMap((pair) => [pair.a, pair.b]).filter((side) => side.socket?.connected);
    const limited = params.messagesPerSide > 0;
    for (const side of sides) side.remaining = limited ? params.messagesPerSide : Number.POSITIVE_INFINITY;
    const wait = params.startAt - now();
    if (wait > 0) await sleep(wait);
    const startedAt = now();
    const timeUp = () => params.durationMs > 0 && now() - startedAt >= params.durationMs;

    let finish!: (timedOut: boolean) => void;
    const finished = new Promise<boolean>((resolve) => {
      finish = resolve;
    });
    let drainTimer: NodeJS.Timeout | undefined;
    // Whatever happens (a dropped socket never acks), the run ends by this deadline.
    const hardStop = setTimeout(() => finish(true), params.maxRunMs);
    const complete = () =>
      run.sendingDone && run.settled === run.sent && run.received >= run.acked && run.delivered >= run.acked;
    run.onProgress = () => {
      if (complete()) finish(false);
    };
    const sendingDone = () => {
      if (run.sendingDone) return;
      run.sendingDone = true;
      drainTimer = setTimeout(() => finish(true), params.drainTimeoutMs);
      run.onProgress();
    };

    if (sides.length === 0) sendingDone();
    else if (params.mode === 'saturate') {
      let active = sides.length;
      this.afterAck = (side) => {
        if (side.remaining > 0 && !timeUp()) this.send(side);
        else if (side.inflight === 0 && --active === 0) sendingDone();
      };
      for (const side of sides) {
        for (let i = 0; i < params.window && side.remaining > 0; i++) this.send(side);
      }
    } else {
      this.afterAck = () => {};
      const maxBurst = Math.max(1, Math.ceil(params.rate * 0.05));
      const total = limited ? sides.length * params.messagesPerSide : Number.POSITIVE_INFINITY;
      let pointer = 0;
      const tick = () => {
        if (run.sendingDone) return;
        const elapsedSeconds = (now() - startedAt) / 1000;
        let due = Math.min(maxBurst, Math.floor(elapsedSeconds * params.rate) - run.sent);
        while (due-- > 0 && run.sent < total) {
          // Round robin over the clients that still have messages to send.
          for (let tries = 0; tries < sides.length; tries++) {
            const side = sides[pointer] as Side;
            pointer = (pointer + 1) % sides.length;
            if (side.remaining > 0) {
              this.send(side);
              break;
            }
          }
        }
        if (run.sent >= total || timeUp()) sendingDone();
        else setTimeout(tick, 1);
      };
      tick();
    }

    const timedOut = await finished;
    clearTimeout(drainTimer);
    clearTimeout(hardStop);
    run.sendingDone = true;
    this.afterAck = () => {};
    run.onProgress = () => {};
    let missingReceived = 0;
    let missingDelivered = 0;
    for (const rec of run.records.values()) {
      if (!rec.acked) continue;
      if (rec.recvCount === 0) missingReceived++;
      if (rec.deliveredCount === 0) missingDelivered++;
    }
    return {
      sent: run.sent,
      acked: run.acked,
      received: run.received,
      delivered: run.delivered,
      missingReceived,
      missingDelivered,
      duplicates: run.duplicates,
      deliveredDuplicates: run.deliveredDuplicates,
      unknown: run.unknown,
      errors: { ...this.errors },
      firstSendAt: run.firstSendAt,
      lastSendAt: run.lastSendAt,
      lastRecvAt: run.lastRecvAt,
      lastDeliveredAt: run.lastDeliveredAt,
      timedOut,
      ackLatency: run.ackLatency.toJSON(),
      recvLatency: run.recvLatency.toJSON(),
      deliveredLatency: run.deliveredLatency.toJSON(),
    };
  }

  // ---------------------------------------------------------------- reconnect storm (W4)

  /**
   * Each `a` sends one message and waits until it is delivered: the `b` device has then confirmed a
   * receipt, as in a chat in use, and its catch-up must start right after it.
   */
  async stormWarmup(params: { timeoutMs: number; tag: string }): Promise<StormSendResult> {
    const run = new Run(params.tag);
    this.run = run;
    this.setText(32);
    const expected = this.pairs.length;
    for (const pair of this.pairs) {
      pair.a.remaining = 1;
      this.send(pair.a);
    }
    const deadline = now() + params.timeoutMs;
    while (run.delivered < expected && now() < deadline) await sleep(5);
    return { sent: run.sent, acked: run.delivered, errors: { ...this.errors } };
  }

  stormDisconnect(): { disconnected: number } {
    let disconnected = 0;
    for (const pair of this.pairs) {
      const socket = pair.b.socket;
      if (!socket) continue;
      pair.b.socket = undefined;
      socket.disconnect();
      disconnected++;
    }
    return { disconnected };
  }

  async stormSend(params: StormSendParams): Promise<StormSendResult> {
    const run = new Run(params.tag);
    this.run = run;
    this.setText(params.textBytes);
    const total = this.pairs.length * params.messagesPerClient;
    for (const pair of this.pairs) {
      pair.a.remaining = params.messagesPerClient;
      pair.b.expectAway = params.messagesPerClient;
      pair.b.gotAway = 0;
    }
    this.afterAck = (side) => {
      if (side.remaining > 0) this.send(side);
    };
    for (const pair of this.pairs) {
      for (let i = 0; i < params.window && pair.a.remaining > 0; i++) this.send(pair.a);
    }
    const deadline = now() + params.timeoutMs;
    while (run.settled < total && now() < deadline) await sleep(5);
    this.afterAck = () => {};
    return { sent: run.sent, acked: run.acked, errors: { ...this.errors } };
  }

  private stormWaiters = 0;

  private checkStormDone(side: Side): void {
    if (side.expectAway === 0 || !Number.isNaN(side.doneAt)) return;
    if (Number.isNaN(side.caughtUpAt) || side.gotAway < side.expectAway) return;
    side.doneAt = Number.isNaN(side.lastGotAt) ? side.caughtUpAt : Math.max(side.caughtUpAt, side.lastGotAt);
    this.counters.caughtUp++;
    this.stormWaiters--;
  }

  async stormReconnect(params: StormReconnectParams): Promise<StormReconnectResult> {
    const errors: Record<string, number> = {};
    const sides = this.pairs.map((pair) => pair.b);
    let connected = 0;
    this.stormWaiters = sides.length;
    for (const side of sides) {
      side.caughtUpAt = Number.NaN;
      side.doneAt = Number.NaN;
    }
    const wait = params.startAt - now();
    if (wait > 0) await sleep(wait);
    const startAt = now();
    const deadline = startAt + params.timeoutMs;
    const limit = params.concurrency > 0 ? params.concurrency : Math.max(1, sides.length);
    await eachLimit(sides, limit, async (side) => {
      side.reconnectAt = now();
      const socket = this.track(openSocket(side.spec, Math.max(1, deadline - now())));
      side.socket = socket;
      this.listenChat(side, socket);
      try {
        await whenConnected(socket, Math.max(1, deadline - now()));
        await request(
          socket,
          'setup_user',
          { userId: side.spec.userId, userInfo: {} },
          Math.max(1, deadline - now()),
        );
        connected++;
        this.counters.connected++;
      } catch (error) {
        count(errors, codeOf(error));
        this.counters.failed++;
      }
    });
    while (this.stormWaiters > 0 && now() < deadline) await sleep(5);
    const done = new Histogram();
    let caughtUp = 0;
    let missing = 0;
    let lastDoneAt = Number.NaN;
    for (const side of sides) {
      missing += Math.max(0, side.expectAway - side.gotAway);
      if (Number.isNaN(side.doneAt)) continue;
      caughtUp++;
      done.add(side.doneAt - startAt);
      lastDoneAt = Number.isNaN(lastDoneAt) ? side.doneAt : Math.max(lastDoneAt, side.doneAt);
    }
    for (const side of sides) side.expectAway = 0;
    return {
      clients: sides.length,
      connected,
      caughtUp,
      missing,
      duplicates: this.run.duplicates,
      queued: this.run.queued,
      live: this.run.live,
      errors: { ...errors, ...this.errors },
      startAt,
      lastDoneAt,
      done: done.toJSON(),
    };
  }

  // ---------------------------------------------------------------- teardown

  async closeAll(): Promise<{ closed: number }> {
    this.closing = true;
    const sockets = [...this.sockets];
    for (const socket of sockets) socket.disconnect();
    this.sockets.clear();
    this.pairs = [];
    // Let the close frames go out before the process may be stopped.
    await sleep(Math.min(2_000, 50 + sockets.length / 10));
    this.closing = false;
    return { closed: sockets.length };
  }
}

export { BenchError };
