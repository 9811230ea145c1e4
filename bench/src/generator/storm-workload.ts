import { Histogram } from '../util/histogram.js';
import { eachLimit, now, sleep } from '../util/stats.js';
import type { ChatPairs } from './chat-pairs.js';
import type { ChatSide } from './chat-side.js';
import type { GeneratorCore } from './generator-core.js';
import type {
  StormReconnectParams,
  StormReconnectResult,
  StormSendParams,
  StormSendResult,
} from './protocol.js';
import { codeOf, count, setupUser, whenConnected } from './sockets.js';

/**
 * W4 on the generator's side, over the prepared pairs: side b of every pair drops, side a sends to it
 * while it is away, then every b reconnects with the same device and is done once it has
 * catch_up_complete and every message it missed.
 */
export class StormWorkload {
  /** Sides of the current reconnect not done yet. */
  private waiting = 0;

  constructor(
    private readonly core: GeneratorCore,
    private readonly chat: ChatPairs,
  ) {
    chat.onCatchUpProgress = (side) => this.checkDone(side);
  }

  /**
   * Each `a` sends one message and waits until it is delivered: the `b` device has then confirmed a
   * receipt, as in a chat in use, and its catch-up must start right after it.
   */
  async warmup(params: { timeoutMs: number; tag: string }): Promise<StormSendResult> {
    const chat = this.chat;
    const run = chat.startRun(params.tag, 32);
    const expected = chat.pairs.length;
    for (const pair of chat.pairs) {
      pair.a.remaining = 1;
      chat.send(pair.a);
    }
    const deadline = now() + params.timeoutMs;
    while (run.delivered < expected && now() < deadline) await sleep(5);
    return { sent: run.sent, acked: run.delivered, errors: { ...this.core.errors } };
  }

  disconnect(): { disconnected: number } {
    let disconnected = 0;
    for (const pair of this.chat.pairs) {
      const socket = pair.b.socket;
      if (!socket) continue;
      pair.b.socket = undefined;
      socket.disconnect();
      disconnected++;
    }
    return { disconnected };
  }

  async send(params: StormSendParams): Promise<StormSendResult> {
    const chat = this.chat;
    const run = chat.startRun(params.tag, params.textBytes);
    const total = chat.pairs.length * params.messagesPerClient;
    for (const pair of chat.pairs) {
      pair.a.remaining = params.messagesPerClient;
      pair.b.expectAway = params.messagesPerClient;
      pair.b.gotAway = 0;
    }
    chat.afterAck = (side) => {
      if (side.remaining > 0) chat.send(side);
    };
    for (const pair of chat.pairs) {
      for (let i = 0; i < params.window && pair.a.remaining > 0; i++) chat.send(pair.a);
    }
    const deadline = now() + params.timeoutMs;
    while (run.settled < total && now() < deadline) await sleep(5);
    chat.afterAck = () => {};
    return { sent: run.sent, acked: run.acked, errors: { ...this.core.errors } };
  }

  private checkDone(side: ChatSide): void {
    if (side.expectAway === 0 || !Number.isNaN(side.doneAt)) return;
    if (Number.isNaN(side.caughtUpAt) || side.gotAway < side.expectAway) return;
    side.doneAt = Number.isNaN(side.lastGotAt) ? side.caughtUpAt : Math.max(side.caughtUpAt, side.lastGotAt);
    this.core.counters.caughtUp++;
    this.waiting--;
  }

  async reconnect(params: StormReconnectParams): Promise<StormReconnectResult> {
    const { counters } = this.core;
    const errors: Record<string, number> = {};
    const sides = this.chat.pairs.map((pair) => pair.b);
    let connected = 0;
    this.waiting = sides.length;
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
      const socket = this.chat.attach(side, Math.max(1, deadline - now()));
      try {
        await whenConnected(socket, Math.max(1, deadline - now()));
        await setupUser(socket, side.spec.userId, Math.max(1, deadline - now()));
        connected++;
        counters.connected++;
      } catch (error) {
        count(errors, codeOf(error));
        counters.failed++;
      }
    });
    while (this.waiting > 0 && now() < deadline) await sleep(5);
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
    const run = this.chat.run;
    return {
      clients: sides.length,
      connected,
      caughtUp,
      missing,
      duplicates: run.duplicates,
      queued: run.queued,
      live: run.live,
      errors: { ...errors, ...this.core.errors },
      startAt,
      lastDoneAt,
      done: done.toJSON(),
    };
  }
}
