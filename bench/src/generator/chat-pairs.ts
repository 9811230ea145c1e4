import type { MessageData, MessageDeliveredPayload } from '@mpi/protocol';
import { eachLimit, now } from '../util/stats.js';
import { ChatRun, type SentMessage } from './chat-run.js';
import { type ChatPair, type ChatSide, newSide } from './chat-side.js';
import { Frontier } from './frontier.js';
import type { GeneratorCore } from './generator-core.js';
import type { ChatPrepareParams, ChatPrepareResult } from './protocol.js';
import { type BenchSocket, codeOf, count, request, setupUser, whenConnected } from './sockets.js';

/**
 * The generator's DM pairs, shared by the chat workloads (W2, the load test) and the reconnect storm
 * (W4): connecting both sides, sending, and counting what comes back (the send_message ack, the other
 * side's receive_message, the sender's message_delivered), with the cumulative receipts a client sends.
 */
export class ChatPairs {
  pairs: ChatPair[] = [];
  /** The run the messages sent and received now count in. */
  run = new ChatRun('idle');
  /** Closed-loop sending refills the window here. */
  afterAck: (side: ChatSide) => void = () => {};
  /** Called when a side got a message it missed while away, or its catch_up_complete. */
  onCatchUpProgress: (side: ChatSide) => void = () => {};
  private dirty = new Set<ChatSide>();
  private flushScheduled = false;
  private text = '';

  constructor(private readonly core: GeneratorCore) {}

  /** Starts counting a new run, whose messages have about `textBytes` of text. */
  startRun(tag: string, textBytes: number): ChatRun {
    const run = new ChatRun(tag);
    this.run = run;
    this.setText(textBytes);
    return run;
  }

  /** The pairs are gone with their sockets (teardown). */
  clear(): void {
    this.pairs = [];
  }

  async prepare(params: ChatPrepareParams): Promise<ChatPrepareResult> {
    const errors: Record<string, number> = {};
    let ready = 0;
    await eachLimit(params.pairs, Math.max(1, Math.floor(params.concurrency / 2)), async (spec) => {
      const pair = { index: spec.index, chatId: '' } as ChatPair;
      pair.a = newSide('a', spec.a, pair);
      pair.b = newSide('b', spec.b, pair);
      try {
        await Promise.all([
          this.connectSide(pair.a, params.timeoutMs),
          this.connectSide(pair.b, params.timeoutMs),
        ]);
        const socket = pair.a.socket as BenchSocket;
        const { chat } = await request(socket, 'open_dm', { userId: spec.b.userId }, params.timeoutMs);
        pair.chatId = chat.id;
        pair.a.frontier = new Frontier(chat.lastSeq);
        pair.b.frontier = new Frontier(chat.lastSeq);
        pair.a.confirmed = chat.lastSeq;
        pair.b.confirmed = chat.lastSeq;
        this.pairs.push(pair);
        ready++;
      } catch (error) {
        count(errors, codeOf(error));
        this.core.counters.failed++;
        pair.a.socket?.disconnect();
        pair.b.socket?.disconnect();
      }
    });
    return { pairs: params.pairs.length, ready, errors };
  }

  /** Opens a new socket for `side` and counts what arrives on it. */
  attach(side: ChatSide, timeoutMs: number): BenchSocket {
    const socket = this.core.open(side.spec, timeoutMs);
    side.socket = socket;
    socket.on('receive_message', (message) => this.onMessage(side, message, false));
    socket.on('queued_messages', (messages) => {
      for (const message of messages) this.onMessage(side, message, true);
    });
    socket.on('catch_up_complete', () => {
      side.caughtUpAt = now();
      this.onCatchUpProgress(side);
    });
    socket.on('message_delivered', (payload) => this.onDelivered(payload));
    return socket;
  }

  private async connectSide(side: ChatSide, timeoutMs: number): Promise<void> {
    const socket = this.attach(side, timeoutMs);
    await whenConnected(socket, timeoutMs);
    await setupUser(socket, side.spec.userId, timeoutMs);
    this.core.counters.connected++;
  }

  private onMessage(side: ChatSide, message: MessageData, queued: boolean): void {
    const t = now();
    const run = this.run;
    side.frontier.add(message.seq);
    const rec = run.records.get(message.clientMessageId);
    if (!rec || rec.sender === side) {
      run.unknown++;
    } else if (rec.recvCount++ === 0) {
      run.received++;
      this.core.counters.received++;
      run.recvLatency.add(t - rec.sentAt);
      run.lastRecvAt = t;
      if (queued) run.queued++;
      else run.live++;
      if (side.expectAway > 0) {
        side.gotAway++;
        side.lastGotAt = t;
        this.onCatchUpProgress(side);
      }
    } else {
      run.duplicates++;
    }
    this.markDirty(side);
    run.onProgress();
  }

  private onDelivered(payload: MessageDeliveredPayload): void {
    const run = this.run;
    const rec = run.byMessageId.get(payload.messageId);
    if (!rec) {
      run.early.set(payload.messageId, now());
      return;
    }
    this.applyDelivered(rec, now());
  }

  private applyDelivered(rec: SentMessage, t: number): void {
    const run = this.run;
    if (rec.deliveredCount++ > 0) {
      run.deliveredDuplicates++;
      return;
    }
    run.delivered++;
    this.core.counters.delivered++;
    run.deliveredLatency.add(t - rec.sentAt);
    run.lastDeliveredAt = Number.isNaN(run.lastDeliveredAt) ? t : Math.max(run.lastDeliveredAt, t);
    run.onProgress();
  }

  /** Cumulative receipts, coalesced: at most one messages_received per side and event-loop turn. */
  private markDirty(side: ChatSide): void {
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
      side.socket.emit('messages_received', { chatId: side.pair.chatId, upToSeq }, (ack) => {
        if (!ack?.ok) this.core.error(`messages_received: ${ack?.error?.code ?? '?'}`);
      });
    }
    this.dirty.clear();
  };

  /** Sends the side's next message of the current run. */
  send(side: ChatSide): void {
    const run = this.run;
    const socket = side.socket;
    if (!socket) return;
    side.remaining--;
    side.inflight++;
    const clientMessageId = `${run.tag}.${side.pair.index}${side.name}.${side.nextN++}`;
    const sentAt = now();
    const rec: SentMessage = {
      sender: side,
      sentAt,
      recvCount: 0,
      deliveredCount: 0,
      acked: false,
      settled: false,
    };
    run.records.set(clientMessageId, rec);
    run.sent++;
    this.core.counters.sent++;
    if (Number.isNaN(run.firstSendAt)) run.firstSendAt = sentAt;
    run.lastSendAt = sentAt;
    socket.emit('send_message', { chatId: side.pair.chatId, text: this.text, clientMessageId }, (ack) => {
      const t = now();
      side.inflight--;
      rec.settled = true;
      run.settled++;
      if (ack?.ok && ack.message) {
        rec.acked = true;
        run.acked++;
        this.core.counters.acked++;
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
        this.core.error(`send_message: ${ack?.ok ? '?' : (ack?.error?.code ?? '?')}`);
      }
      this.afterAck(side);
      run.onProgress();
    });
  }

  private setText(bytes: number): void {
    const unit = 'The quick brown fox jumps over the lazy dog. ';
    this.text =
      unit
        .repeat(Math.ceil(bytes / unit.length))
        .slice(0, Math.max(1, bytes))
        .trimEnd() || 'x';
  }
}
