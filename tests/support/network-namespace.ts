import { type ChildProcess, execFile, type SpawnOptions, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { promisify } from 'node:util';

/**
 * A Linux network namespace joined to the host by a veth pair, for tests that put a client behind a real
 * bad network: `tc netem` delay, jitter and loss on both ends of the link; or random TCP packet loss by
 * nftables on both ends (for kernels without netem; the delay then comes from a relay, see
 * impaired-link.ts); or a blackhole (the host end set down: packets vanish both ways, no FIN, no RST, as
 * when a phone leaves Wi-Fi). Needs root and iproute2 (`ip`, `tc`); netem needs the kernel's sch_netem,
 * the loss needs nftables (`nft`, the kernel's nf_tables with numgen and netdev ingress hooks); see
 * probeNetworkNamespaces.
 *
 * Names carry the creating process's id (`mpi-nf-<pid>-<n>`, links `mnf<pid>…`, the host's nftables
 * table of a link `netdev mpi_impair_<link>`, bound to that link only), so that a run removes only what a
 * dead run left behind, never a parallel run's namespaces.
 */

const run = promisify(execFile);
const PREFIX = 'mpi-nf-';
const LINK_PREFIX = 'mnf';

async function ip(...args: string[]): Promise<string> {
  return (await run('ip', args, { timeout: 10_000 })).stdout;
}

async function tc(...args: string[]): Promise<void> {
  await run('tc', args, { timeout: 10_000 });
}

export interface Impairment {
  /** Added to every packet, each direction. */
  delayMs: number;
  /** Spread of the delay (±), uniform. */
  jitterMs?: number;
  /** Packets dropped at random, each direction, in percent. */
  lossPercent?: number;
}

/**
 * How the link can be made slow and lossy here, best first: `netem` (delay, jitter and loss in the kernel's
 * qdisc, on both ends of the veth) or `nft` (loss by nftables, delay by a relay in userspace).
 */
export type LinkImpairer = 'netem' | 'nft';

export interface NetworkSupport {
  namespaces: boolean;
  /** The best impairer that works here; undefined when none does (or without namespaces). */
  impairer: LinkImpairer | undefined;
  /** Why what is missing is missing. */
  reasons: string[];
}

/** A direction of the link as the namespace sees it: its packets, and those of them dropped on purpose. */
interface DirectionCounts {
  packets: number;
  dropped: number;
}

/** What an impairment counted while it was set. */
export interface LinkCounts {
  /** Leaving the namespace (client → host). */
  out: DirectionCounts;
  /** Entering it (host → client). */
  in: DirectionCounts;
}

/** The nftables tables of the loss (named counters, so that changing the rate keeps the counts). */
const NFT_TABLE = 'mpi_impair';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
};

/**
 * Deletes the namespaces, host links and host nftables tables of runs whose process is gone (a run killed
 * before its cleanup).
 */
async function removeStale(): Promise<void> {
  const namespaces = (await ip('netns', 'list')).split('\n').map((line) => line.split(' ')[0] ?? '');
  for (const name of namespaces) {
    const pid = Number(name.slice(PREFIX.length).split('-')[0]);
    if (name.startsWith(PREFIX) && !alive(pid)) await ip('netns', 'delete', name).catch(() => undefined);
  }
  const links = (await ip('-o', 'link', 'show')).matchAll(
    new RegExp(`^\\d+: (${LINK_PREFIX}[0-9a-z]+h)@`, 'gm'),
  );
  for (const [, link = ''] of links) {
    const pid = Number.parseInt(link.slice(LINK_PREFIX.length).split('x')[0] ?? '', 36);
    if (!alive(pid)) await ip('link', 'delete', link).catch(() => undefined);
  }
  // The host's loss tables (nft may be missing: then there are none).
  const tables = (await run('nft', ['list', 'tables'], { timeout: 10_000 }).catch(() => ({ stdout: '' })))
    .stdout;
  for (const [, table = '', pid = ''] of tables.matchAll(
    new RegExp(`^table netdev (${NFT_TABLE}_${LINK_PREFIX}([0-9a-z]+)x[0-9a-z]+h)$`, 'gm'),
  )) {
    if (!alive(Number.parseInt(pid, 36)))
      await run('nft', ['delete', 'table', 'netdev', table], { timeout: 10_000 }).catch(() => undefined);
  }
}

let created = 0;

export class NetworkNamespace {
  #removed = false;
  #netem = false;

  private constructor(
    readonly name: string,
    /** The host's end of the veth. */
    readonly hostLink: string,
    /** The namespace's end. */
    readonly clientLink: string,
    /** The host's address on the link: a server on 0.0.0.0 (or this address) is reached here. */
    readonly hostAddress: string,
    /** The namespace's address, the one the server sees its clients come from. */
    readonly clientAddress: string,
  ) {}

  /**
   * A new namespace `mpi-nf-<pid>-<n>` with a veth pair on a private /30 of 10.213.0.0/16 that no host
   * interface uses. Removes what dead runs left first. Remove it with remove() (also on failure).
   */
  static async create(): Promise<NetworkNamespace> {
    await removeStale();
    const n = ++created;
    const tag = `${LINK_PREFIX}${process.pid.toString(36)}x${n.toString(36)}`;
    const used = await ip('-4', '-o', 'addr', 'show');
    let base = 0;
    do base = randomInt(0, 16_384) * 4;
    while (used.includes(` 10.213.${base >> 8}.${(base & 255) + 1}/`));
    const octets = (offset: number) => `10.213.${base >> 8}.${(base & 255) + offset}`;
    const ns = new NetworkNamespace(
      `${PREFIX}${process.pid}-${n}`,
      `${tag}h`,
      `${tag}c`,
      octets(1),
      octets(2),
    );
    try {
      await ip('netns', 'add', ns.name);
      await ip('link', 'add', ns.hostLink, 'type', 'veth', 'peer', 'name', ns.clientLink, 'netns', ns.name);
      await ip('addr', 'add', `${ns.hostAddress}/30`, 'dev', ns.hostLink);
      await ip('link', 'set', ns.hostLink, 'up');
      await ns.#exec('ip', 'addr', 'add', `${ns.clientAddress}/30`, 'dev', ns.clientLink);
      await ns.#exec('ip', 'link', 'set', ns.clientLink, 'up');
      await ns.#exec('ip', 'link', 'set', 'lo', 'up');
      // One TCP segment per packet (no GSO super-packets), so that a lost packet is one lost segment, as
      // on a wire; it must be set before the connections are made (a socket keeps its route's value).
      await ip('link', 'set', ns.hostLink, 'gso_max_segs', '1');
      await ns.#exec('ip', 'link', 'set', ns.clientLink, 'gso_max_segs', '1');
    } catch (error) {
      await ns.remove();
      throw error;
    }
    return ns;
  }

  /** Runs `command` inside the namespace (`ip netns exec`, which execs it: the child's pid is the command's). */
  spawn(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.name, command, ...args], options);
  }

  /** Sets (or changes, keeping its counts) netem on both ends of the link: each direction delayed and lossy. */
  async setNetem({ delayMs, jitterMs = 0, lossPercent = 0 }: Impairment): Promise<void> {
    const verb = this.#netem ? 'change' : 'add';
    const netem = ['netem', 'delay', `${delayMs}ms`, `${jitterMs}ms`, 'loss', `${lossPercent}%`];
    await tc('qdisc', verb, 'dev', this.hostLink, 'root', ...netem);
    await this.#exec('tc', 'qdisc', verb, 'dev', this.clientLink, 'root', ...netem);
    this.#netem = true;
  }

  /** Removes netem from both ends; what it sent and dropped meanwhile (the client end's is `out`). */
  async clearNetem(): Promise<LinkCounts> {
    const counts = { out: await this.#netemCounts(true), in: await this.#netemCounts(false) };
    await tc('qdisc', 'del', 'dev', this.hostLink, 'root');
    await this.#exec('tc', 'qdisc', 'del', 'dev', this.clientLink, 'root');
    this.#netem = false;
    return counts;
  }

  /**
   * Sets (or changes, keeping its counts) random loss of the link's TCP packets, each direction, where the
   * packet arrives: nftables `netdev` ingress hooks on the host's end of the veth (what the client sends,
   * `out`) and on the namespace's end (what it receives), `numgen random mod 100 < lossPercent drop`. The
   * sender's TCP has sent the packet and is not told, so it retransmits it as after a loss on the wire (a
   * drop in the sender's own output hook would reach its TCP as a local error instead). Every TCP packet
   * arriving is counted, and every one dropped.
   */
  async setTcpLoss(lossPercent: number): Promise<void> {
    for (const { table, device, onHost } of Object.values(this.#lossEnds())) {
      const tcp = 'meta l4proto tcp';
      const commands = [
        `add table ${table}`,
        `add counter ${table} seen`,
        `add counter ${table} dropped`,
        `add chain ${table} in { type filter hook ingress device "${device}" priority 0; policy accept; }`,
        `flush chain ${table} in`,
        `add rule ${table} in ${tcp} counter name "seen"`,
        `add rule ${table} in ${tcp} numgen random mod 100 < ${lossPercent} counter name "dropped" drop`,
      ];
      // One invocation, one transaction: this end is never half-changed.
      await this.#nft(onHost, commands.join('; '));
    }
  }

  /** Removes the loss (deletes its tables); what it counted meanwhile. */
  async clearTcpLoss(): Promise<LinkCounts> {
    const ends = this.#lossEnds();
    return { out: await this.#clearLossEnd(ends.out), in: await this.#clearLossEnd(ends.in) };
  }

  /** Segments the namespace's TCP has retransmitted since it was created (`RetransSegs`, /proc/net/snmp). */
  async tcpRetransmits(): Promise<number> {
    const [names = '', values = ''] = (await this.#exec('cat', '/proc/net/snmp'))
      .split('\n')
      .filter((line) => line.startsWith('Tcp:'));
    const index = names.split(/\s+/).indexOf('RetransSegs');
    return Number(values.split(/\s+/)[index]);
  }

  /**
   * The network goes away without a word: the host end goes down, so nothing crosses the link either way
   * and neither side's sockets are told (no FIN, no RST; the kernel keeps retransmitting).
   */
  async blackhole(): Promise<void> {
    await ip('link', 'set', this.hostLink, 'down');
  }

  /** The link carries packets again (the address and its route come back with it). */
  async heal(): Promise<void> {
    await ip('link', 'set', this.hostLink, 'up');
  }

  /** Deletes the namespace, which deletes the veth pair; only the first call does anything. */
  async remove(): Promise<void> {
    if (this.#removed) return;
    this.#removed = true;
    await ip('netns', 'delete', this.name).catch(() => undefined);
    await ip('link', 'delete', this.hostLink).catch(() => undefined);
    await this.#nft(true, 'delete', 'table', ...this.#lossEnds().out.table.split(' ')).catch(() => undefined);
  }

  /** The receiving end of each direction, and its nftables table (the host's is named after the link). */
  #lossEnds() {
    return {
      out: { table: `netdev ${NFT_TABLE}_${this.hostLink}`, device: this.hostLink, onHost: true },
      in: { table: `netdev ${NFT_TABLE}`, device: this.clientLink, onHost: false },
    };
  }

  async #clearLossEnd({ table, onHost }: { table: string; onHost: boolean }): Promise<DirectionCounts> {
    const listed = await this.#nft(onHost, '-j', 'list', 'counters', 'table', ...table.split(' '));
    const counters = new Map<string, number>();
    for (const item of (JSON.parse(listed) as { nftables: Array<{ counter?: NftCounter }> }).nftables) {
      if (item.counter) counters.set(item.counter.name, item.counter.packets);
    }
    await this.#nft(onHost, 'delete', 'table', ...table.split(' '));
    return { packets: counters.get('seen') ?? 0, dropped: counters.get('dropped') ?? 0 };
  }

  async #nft(onHost: boolean, ...args: string[]): Promise<string> {
    return onHost ? (await run('nft', args, { timeout: 10_000 })).stdout : this.#exec('nft', ...args);
  }

  /** Sent + dropped by the netem of the client end (`out`) or of the host end. */
  async #netemCounts(clientEnd: boolean): Promise<DirectionCounts> {
    const args = ['-s', '-j', 'qdisc', 'show', 'dev'];
    const shown = clientEnd
      ? await this.#exec('tc', ...args, this.clientLink)
      : (await run('tc', [...args, this.hostLink], { timeout: 10_000 })).stdout;
    const netem = (JSON.parse(shown) as TcQdisc[]).find((qdisc) => qdisc.kind === 'netem');
    return { packets: (netem?.packets ?? 0) + (netem?.drops ?? 0), dropped: netem?.drops ?? 0 };
  }

  /** Runs `command` in the namespace; its stdout. */
  async #exec(command: string, ...args: string[]): Promise<string> {
    return (await run('ip', ['netns', 'exec', this.name, command, ...args], { timeout: 10_000 })).stdout;
  }
}

interface NftCounter {
  name: string;
  packets: number;
}

/** The fields of `tc -s -j qdisc show` read here. */
interface TcQdisc {
  kind: string;
  packets?: number;
  drops?: number;
}

const WARNING_BAR = '!'.repeat(72);

/**
 * Whether this machine can run the network-fault tests: namespaces and veth (root, iproute2), tried in a
 * throwaway namespace, and there which impairer works: netem first (the kernel's sch_netem), else nftables
 * loss (`nft`, nf_tables with numgen), each set and cleared once on the throwaway link. Without namespaces
 * it warns loudly and the tests skip, except on CI (`CI=true`), where it throws. What the lossy-link test
 * does without an impairer is the test's business (it fails on CI).
 */
export async function probeNetworkNamespaces(): Promise<NetworkSupport> {
  const reasons: string[] = [];
  let ns: NetworkNamespace | undefined;
  try {
    ns = await NetworkNamespace.create();
  } catch (error) {
    reasons.push(`network namespaces: ${describe(error)}`);
  }
  let impairer: LinkImpairer | undefined;
  try {
    if (ns) {
      const probes: Array<[LinkImpairer, (link: NetworkNamespace) => Promise<unknown>]> = [
        ['netem', async (link) => link.setNetem({ delayMs: 1 }).then(() => link.clearNetem())],
        ['nft', async (link) => link.setTcpLoss(1).then(() => link.clearTcpLoss())],
      ];
      for (const [name, probe] of probes) {
        try {
          await probe(ns);
          impairer = name;
          break;
        } catch (error) {
          reasons.push(`${name}: ${describe(error)}`);
        }
      }
    }
  } finally {
    await ns?.remove();
  }
  if (!ns) {
    if (process.env.CI === 'true') {
      throw new Error(`network namespaces are required on CI (root, iproute2) but unusable: ${reasons}`);
    }
    warn(
      `Network namespaces are unusable here (${reasons}).`,
      'The network-fault tests (network-faults.test.ts) are SKIPPED. Run them as root with iproute2.',
    );
  } else if (impairer !== 'netem') {
    warn(
      `tc netem is unavailable here (${reasons.join('; ')}).`,
      impairer === 'nft'
        ? 'The lossy/slow-link test runs with nftables loss and a delaying relay instead (impaired-link.ts).'
        : process.env.CI === 'true'
          ? 'Neither netem nor nftables works: the lossy/slow-link test FAILS (CI=true).'
          : 'Neither netem nor nftables works: the lossy/slow-link test is SKIPPED (it fails under CI=true).',
    );
  }
  return { namespaces: ns !== undefined, impairer, reasons };
}

function describe(error: unknown): string {
  const stderr = (error as { stderr?: string }).stderr?.trim();
  return stderr || (error instanceof Error ? error.message : String(error));
}

function warn(...lines: string[]): void {
  console.warn(['', WARNING_BAR, ...lines.map((line) => `!!! ${line}`), WARNING_BAR, ''].join('\n'));
}
