import type { Impairment, LinkCounts, LinkImpairer, NetworkNamespace } from './network-namespace.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * The path from a client in `ns` to a server on the host, made slow and lossy with what the kernel offers:
 *
 * - `netem`: the client connects straight to the server across the veth; netem on both ends of it delays
 *   every packet by delay ± jitter and drops lossPercent of them, each way.
 * - `nft`: the client connects across the veth to a relay (TcpProxy) on the host's end of it, which
 *   forwards to the server over loopback. nftables in the namespace drops lossPercent of the TCP packets
 *   of the veth, each way, so the client's own connection loses packets and both its ends retransmit, as
 *   with netem; the relay delays every chunk by delay ± jitter each way, in order (TCP never reorders what
 *   it delivers, so the jitter varies the delay but cannot reorder bytes, unlike netem's, which reorders
 *   packets that TCP then puts back in order).
 */
export class ImpairedLink {
  private constructor(
    readonly impairer: LinkImpairer,
    /** Where the client in the namespace connects to reach the server. */
    readonly url: string,
    readonly ns: NetworkNamespace,
    readonly relay: TcpProxy | undefined,
  ) {}

  /** The link to the server on `serverPort` (listening on 0.0.0.0); nothing impaired yet. */
  static async open(ns: NetworkNamespace, impairer: LinkImpairer, serverPort: number): Promise<ImpairedLink> {
    const direct = `http://${ns.hostAddress}:${serverPort}`;
    if (impairer === 'netem') return new ImpairedLink(impairer, direct, ns, undefined);
    const relay = await TcpProxy.start(`http://127.0.0.1:${serverPort}`, { host: ns.hostAddress });
    return new ImpairedLink(impairer, relay.url, ns, relay);
  }

  /** Sets or changes the impairment. */
  async set({ delayMs, jitterMs = 0, lossPercent = 0 }: Impairment): Promise<void> {
    if (!this.relay) return this.ns.setNetem({ delayMs, jitterMs, lossPercent });
    this.relay.delay = { ms: delayMs, jitterMs };
    await this.ns.setTcpLoss(lossPercent);
  }

  /** Removes it; the link's packets and those dropped on purpose while it was set. */
  async clear(): Promise<LinkCounts> {
    if (!this.relay) return this.ns.clearNetem();
    this.relay.delay = undefined;
    return this.ns.clearTcpLoss();
  }

  async close(): Promise<void> {
    await this.relay?.close();
  }
}
