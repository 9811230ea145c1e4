import { type ChildProcess, execFile, type SpawnOptions, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { promisify } from 'node:util';

/**
 * A Linux network namespace joined to the host by a veth pair, for tests that put a client behind a real
 * bad network: `tc netem` delay, jitter and loss on both ends of the link, or a blackhole (the host end
 * set down: packets vanish both ways, no FIN, no RST, as when a phone leaves Wi-Fi). Needs root and
 * iproute2 (`ip`, `tc`); netem also needs the kernel's sch_netem (see probeNetworkNamespaces).
 *
 * Names carry the creating process's id (`mpi-nf-<pid>-<n>`, links `mnf<pid>…`), so that a run removes
 * only what a dead run left behind, never a parallel run's namespaces.
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

export type NetworkSupport =
  | { namespaces: true; netem: true }
  | { namespaces: true; netem: false; reason: string }
  | { namespaces: false; netem: false; reason: string };

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
};

/** Deletes the namespaces and host links of runs whose process is gone (a run killed before its cleanup). */
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
}

let created = 0;

export class NetworkNamespace {
  #removed = false;

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

  /** Sets (or changes) netem on both ends of the link: each direction is delayed and lossy. */
  async impair({ delayMs, jitterMs = 0, lossPercent = 0 }: Impairment): Promise<void> {
    const netem = ['netem', 'delay', `${delayMs}ms`, `${jitterMs}ms`, 'loss', `${lossPercent}%`];
    await tc('qdisc', 'replace', 'dev', this.hostLink, 'root', ...netem);
    await this.#exec('tc', 'qdisc', 'replace', 'dev', this.clientLink, 'root', ...netem);
  }

  /** Removes netem from both ends. */
  async clearImpairment(): Promise<void> {
    await tc('qdisc', 'del', 'dev', this.hostLink, 'root').catch(() => undefined);
    await this.#exec('tc', 'qdisc', 'del', 'dev', this.clientLink, 'root').catch(() => undefined);
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
  }

  async #exec(command: string, ...args: string[]): Promise<void> {
    await run('ip', ['netns', 'exec', this.name, command, ...args], { timeout: 10_000 });
  }
}

const WARNING_BAR = '!'.repeat(72);

/**
 * Whether this machine can run the network-fault tests: namespaces and veth (root, iproute2), and netem
 * (the kernel's sch_netem), tried in a throwaway namespace. Without namespaces it warns loudly and the
 * tests skip, except on CI (`CI=true`), where it throws; without netem only the blackhole tests run.
 */
export async function probeNetworkNamespaces(): Promise<NetworkSupport> {
  let support: NetworkSupport;
  let ns: NetworkNamespace | undefined;
  try {
    ns = await NetworkNamespace.create();
    try {
      await run('ip', [
        'netns',
        'exec',
        ns.name,
        'tc',
        'qdisc',
        'add',
        'dev',
        'lo',
        'root',
        'netem',
        'delay',
        '1ms',
      ]);
      support = { namespaces: true, netem: true };
    } catch (error) {
      support = { namespaces: true, netem: false, reason: describe(error) };
    }
  } catch (error) {
    support = { namespaces: false, netem: false, reason: describe(error) };
  } finally {
    await ns?.remove();
  }
  if (!support.namespaces) {
    if (process.env.CI === 'true') {
      throw new Error(
        `network namespaces are required on CI (root, iproute2) but unusable: ${support.reason}`,
      );
    }
    warn(
      `Network namespaces are unusable here (${support.reason}).`,
      'The network-fault tests (network-faults.test.ts) are SKIPPED. Run them as root with iproute2.',
    );
  } else if (!support.netem) {
    warn(
      `tc netem is unavailable here (${support.reason}): the kernel lacks sch_netem.`,
      'The lossy/slow-link test is SKIPPED; only the blackhole tests run.',
    );
  }
  return support;
}

function describe(error: unknown): string {
  const stderr = (error as { stderr?: string }).stderr?.trim();
  return stderr || (error instanceof Error ? error.message : String(error));
}

function warn(...lines: string[]): void {
  console.warn(['', WARNING_BAR, ...lines.map((line) => `!!! ${line}`), WARNING_BAR, ''].join('\n'));
}
