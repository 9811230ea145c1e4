import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';

/** A delay the proxy adds to every chunk it forwards, each direction. */
export interface ProxyDelay {
  ms: number;
  /** Spread (±), uniform; a chunk is never forwarded before the one read before it. */
  jitterMs?: number;
}

/**
 * A TCP proxy in front of a server, so a test can cut a client's connection for real: `cut()` resets every
 * open connection (both ends see it as a network failure, not a close), and while `blocked` new connections
 * are reset as soon as they arrive. With a `delay` it is a slow link: each chunk read from one side is
 * written to the other `ms ± jitterMs` later, in the order it was read (bytes, and the FIN behind them).
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  #address = '';
  blocked = false;
  /** Applies to chunks read from now on; undefined forwards at once (behind any chunk still waiting). */
  delay: ProxyDelay | undefined;

  private constructor(target: { host: string; port: number }) {
    // Half-open on both sides: a FIN is forwarded in its place in the stream, not ahead of delayed bytes.
    this.#server = createServer({ allowHalfOpen: true }, (client) => {
      if (this.blocked) {
        client.resetAndDestroy();
        return;
      }
      const upstream = connect({ port: target.port, host: target.host, allowHalfOpen: true });
      const pair: [Socket, Socket] = [client, upstream];
      this.#pairs.add(pair);
      const drop = () => {
        this.#pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      this.#forward(client, upstream);
      this.#forward(upstream, client);
    });
  }

  /** A proxy on `host` (127.0.0.1 by default) forwarding to `targetUrl` (http://host:port). */
  static async start(targetUrl: string, { host = '127.0.0.1' } = {}): Promise<TcpProxy> {
    const { hostname, port } = new URL(targetUrl);
    const proxy = new TcpProxy({ host: hostname, port: Number(port) });
    await new Promise<void>((done) => proxy.#server.listen(0, host, () => done()));
    proxy.#address = `${host}:${(proxy.#server.address() as AddressInfo).port}`;
    return proxy;
  }

  get url(): string {
    return `http://${this.#address}`;
  }

  /** Open connections through the proxy. */
  get connections(): number {
    return this.#pairs.size;
  }

  /** Resets every open connection (TCP RST on both sides). */
  cut(): void {
    for (const pair of this.#pairs) {
      this.#pairs.delete(pair);
      for (const socket of pair) socket.resetAndDestroy();
    }
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((done) => this.#server.close(() => done()));
  }

  /** `from`'s bytes and end to `to`, each after the delay set when it was read, never out of order. */
  #forward(from: Socket, to: Socket): void {
    const queue: Array<{ due: number; chunk: Buffer | undefined }> = [];
    let lastDue = 0;
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      timer = undefined;
      const now = Date.now();
      while (queue[0] && queue[0].due <= now && !to.destroyed) {
        const { chunk } = queue.shift() as (typeof queue)[number];
        if (chunk) to.write(chunk);
        else to.end();
      }
      if (queue[0] && !to.destroyed) timer = setTimeout(flush, queue[0].due - now);
    };
    const enqueue = (chunk?: Buffer) => {
      const { ms = 0, jitterMs = 0 } = this.delay ?? {};
      const delay = Math.max(0, ms + (Math.random() * 2 - 1) * jitterMs);
      lastDue = Math.max(lastDue, Date.now() + delay);
      queue.push({ due: lastDue, chunk });
      // The head is always the earliest (dues never decrease): a timer already set stays right.
      if (timer === undefined) flush();
    };
    from.on('data', (chunk: Buffer) => enqueue(chunk)).on('end', () => enqueue());
    to.once('close', () => clearTimeout(timer));
  }
}
