import { Histogram } from '../util/histogram.js';
import { eachLimit, now } from '../util/stats.js';
import type { FanoutWorkload } from './fanout-workload.js';
import type { GeneratorCore } from './generator-core.js';
import type { ConnectParams, ConnectResult } from './protocol.js';
import { codeOf, count, request, setupUser, whenConnected } from './sockets.js';

/**
 * W1 on the generator's side: opens its share of the connections, each followed by `setup_user`, with a
 * bounded number of handshakes in flight. With `subscribe`, the clients are W3's subscribers.
 */
export class ConnectWorkload {
  constructor(
    private readonly core: GeneratorCore,
    private readonly fanout: FanoutWorkload,
  ) {}

  async connect(params: ConnectParams): Promise<ConnectResult> {
    const { counters } = this.core;
    const latency = new Histogram();
    const errors: Record<string, number> = {};
    let connected = 0;
    let failed = 0;
    let firstStartAt = Number.NaN;
    let lastDoneAt = Number.NaN;
    const channels = params.subscribe ?? [];
    const subscribing = channels.length > 0;
    if (subscribing) this.fanout.reset(params.expectNotifications ?? 0);
    await eachLimit(params.clients, params.concurrency, async (spec) => {
      const startedAt = now();
      if (Number.isNaN(firstStartAt)) firstStartAt = startedAt;
      const socket = this.core.open(spec, params.timeoutMs);
      if (subscribing) this.fanout.listen(socket);
      try {
        await whenConnected(socket, params.timeoutMs);
        await setupUser(socket, spec.userId, params.timeoutMs);
        if (subscribing) await request(socket, 'subscribe', { channels }, params.timeoutMs);
        const doneAt = now();
        latency.add(doneAt - startedAt);
        lastDoneAt = Number.isNaN(lastDoneAt) ? doneAt : Math.max(lastDoneAt, doneAt);
        connected++;
        counters.connected++;
      } catch (error) {
        failed++;
        counters.failed++;
        count(errors, codeOf(error));
        socket.disconnect();
      }
    });
    return {
      attempted: params.clients.length,
      connected,
      failed,
      errors: { ...errors, ...this.core.errors },
      firstStartAt,
      lastDoneAt,
      latency: latency.toJSON(),
    };
  }
}
