import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a server, so a test can cut a client's connection for real: `cut()`
 * resets every open connection (both ends see it as a network failure, not a close), and while `blocked`
 * new connections are reset as soon as they arrive.
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  #port = 0;
  blocked = false;

  private constructor(target: { host: string; port: number }) {
    this.#server = createServer((client) => {
      if (this.blocked) {
        client.resetAndDestroy();
        return;
      }
      const upstream = connect(target.port, target.host);
      const pair: [Socket, Socket] = [client, upstream];
      this.#pairs.add(pair);
      const drop = () => {
        this.#pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  /** A proxy forwarding to `targetUrl` (http://host:port). */
  static async start(targetUrl: string): Promise<TcpProxy> {
    const { hostname, port } = new URL(targetUrl);
    const proxy = new TcpProxy({ host: hostname, port: Number(port) });
    await new Promise<void>((done) => proxy.#server.listen(0, '127.0.0.1', () => done()));
    proxy.#port = (proxy.#server.address() as AddressInfo).port;
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
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
}
