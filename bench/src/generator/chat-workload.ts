import { now, sleep } from '../util/stats.js';
import type { ChatPairs } from './chat-pairs.js';
import type { ChatSide } from './chat-side.js';
import type { GeneratorCore } from './generator-core.js';
import type { ChatRunParams, ChatRunResult } from './protocol.js';

/**
 * W2 (and the load test) on the generator's side: every side of the prepared pairs sends, paced (open
 * loop at a rate) or saturating (closed loop, a window of unacknowledged sends each), until its messages
 * or the duration are used up; then the run waits for the receipts and deliveries to come back.
 */
export class ChatWorkload {
  constructor(
    private readonly core: GeneratorCore,
    private readonly chat: ChatPairs,
  ) {}

  async run(params: ChatRunParams): Promise<ChatRunResult> {
    const chat = this.chat;
    const run = chat.startRun(params.tag, params.textBytes);
    const sides = chat.pairs.flatMap((pair) => [pair.a, pair.b]).filter((side) => side.socket?.connected);
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
      run.sendingDone &&
      run.settled === run.sent &&
      run.received >= run.acked &&
      (!params.expectDelivered || run.delivered >= run.acked);
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
      chat.afterAck = (side) => {
        if (side.remaining > 0 && !timeUp()) chat.send(side);
        else if (side.inflight === 0 && --active === 0) sendingDone();
      };
      for (const side of sides) {
        for (let i = 0; i < params.window && side.remaining > 0; i++) chat.send(side);
      }
    } else {
      chat.afterAck = () => {};
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
            const side = sides[pointer] as ChatSide;
            pointer = (pointer + 1) % sides.length;
            if (side.remaining > 0) {
              chat.send(side);
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
    chat.afterAck = () => {};
    run.onProgress = () => {};
    let missingReceived = 0;
    let missingDelivered = 0;
    for (const rec of run.records.values()) {
      if (!rec.acked) continue;
      if (rec.recvCount === 0) missingReceived++;
      if (params.expectDelivered && rec.deliveredCount === 0) missingDelivered++;
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
      errors: { ...this.core.errors },
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
}
