import { Histogram } from '../util/histogram.js';
import { now, sleep } from '../util/stats.js';
import type { GeneratorCore } from './generator-core.js';
import {
  FANOUT_EVENT,
  type FanoutCollectParams,
  type FanoutCollectResult,
  parseFanoutMessage,
} from './protocol.js';
import type { BenchSocket } from './sockets.js';

/** Which notifications each subscriber got. */
interface Receipts {
  /** One bitmap per subscriber, indexed by the notification's index. */
  got: Uint8Array[];
  n: number;
  deliveries: number;
  duplicates: number;
  unknown: number;
  firstAt: number;
  lastAt: number;
  latency: Histogram;
}

function emptyReceipts(n: number): Receipts {
  return {
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

/**
 * W3 on the generator's side: its subscribers (connected by ConnectWorkload) count each notification of
 * the run once, with its latency from the POST's start carried in the message.
 */
export class FanoutWorkload {
  private receipts = emptyReceipts(0);

  constructor(private readonly core: GeneratorCore) {}

  /** Starts a fan-out run of `n` notifications; the subscribers connected next take part in it. */
  reset(n: number): void {
    this.receipts = emptyReceipts(n);
  }

  listen(socket: BenchSocket): void {
    const got = new Uint8Array(this.receipts.n);
    this.receipts.got.push(got);
    // Both targets emit (payload, meta): only the payload's message is read; meta (its id, seq…) is not needed.
    socket.on(FANOUT_EVENT, (payload) => {
      const t = now();
      const f = this.receipts;
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
      this.core.counters.notifications++;
      if (Number.isNaN(f.firstAt)) f.firstAt = t;
      f.lastAt = t;
      if (Number.isFinite(head.sentAt)) f.latency.add(t - head.sentAt);
    });
  }

  async collect(params: FanoutCollectParams): Promise<FanoutCollectResult> {
    const f = this.receipts;
    const expected = f.got.length * Math.min(params.notifications, f.n);
    const deadline = now() + params.timeoutMs;
    while (f.deliveries < expected && now() < deadline) await sleep(5);
    return {
      subscribers: f.got.length,
      deliveries: f.deliveries,
      missing: expected - f.deliveries,
      duplicates: f.duplicates,
      unknown: f.unknown,
      errors: { ...this.core.errors },
      firstAt: f.firstAt,
      lastAt: f.lastAt,
      latency: f.latency.toJSON(),
    };
  }
}
