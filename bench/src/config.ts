import { fileURLToPath } from 'node:url';
import type { GeneratorClient } from './generator/protocol.js';
import { type OptionSpec, parseOptions, UsageError } from './options.js';
import type { TargetKind } from './targets/targets.js';

const WORKLOADS = ['w1', 'w2', 'w3', 'w4'] as const;
type Workload = (typeof WORKLOADS)[number];

/** A workload as run: W2 and W3 run twice each, paced and saturating. */
const SCENARIOS = ['w1', 'w2-paced', 'w2-saturate', 'w3-paced', 'w3-saturate', 'w4'] as const;
export type ScenarioId = (typeof SCENARIOS)[number];

export const SCENARIO_TITLES: Record<ScenarioId, string> = {
  w1: 'W1 connections',
  'w2-paced': 'W2 chat relay, paced',
  'w2-saturate': 'W2 chat relay, saturating',
  'w3-paced': 'W3 notification fan-out, paced',
  'w3-saturate': 'W3 notification fan-out, saturating',
  w4: 'W4 reconnect storm',
};

export interface BenchOptions {
  reps: number;
  workloads: Workload[];
  w2Modes: Array<'paced' | 'saturate'>;
  w3Modes: Array<'paced' | 'saturate'>;
  targets: TargetKind[];
  generators: number;
  connections: number;
  connectConcurrency: number;
  pairs: number;
  messages: number;
  rate: number;
  window: number;
  textBytes: number;
  subscribers: number;
  notifications: number;
  notificationBytes: number;
  w3PacedInterval: number;
  w3SaturateInterval: number;
  stormClients: number;
  stormMessages: number;
  stormConcurrency: number;
  nodes: number;
  databaseUrl: string | undefined;
  redisUrl: string;
  jwtSecret: string;
  notifySecret: string;
  serverNodeArgs: string[];
  generatorNodeArgs: string[];
  client: GeneratorClient;
  timeout: number;
  budget: number;
  out: string;
  progress: boolean;
  help: boolean;
}

const DEFAULT_OUT = fileURLToPath(new URL('../results/', import.meta.url));

export const BENCH_OPTION_SPECS: OptionSpec[] = [
  {
    name: 'reps',
    kind: 'int',
    default: 3,
    help: 'repetitions of every workload; tables show the median and min–max',
  },
  { name: 'workloads', kind: 'list', default: [...WORKLOADS], help: 'workloads to run: w1,w2,w3,w4' },
  { name: 'w2Modes', kind: 'list', default: ['paced', 'saturate'], help: 'W2 variants: paced,saturate' },
  { name: 'w3Modes', kind: 'list', default: ['paced', 'saturate'], help: 'W3 variants: paced,saturate' },
  {
    name: 'targets',
    kind: 'list',
    default: ['relay', 'baseline', 'server'],
    help: 'what to measure: relay (bare relay, W2 only), baseline (bare Socket.IO speaking our protocol), server',
  },
  {
    name: 'generators',
    kind: 'int',
    default: 2,
    help: 'load-generator processes (raised so that none holds over 8,000 sockets)',
  },
  { name: 'connections', kind: 'int', default: 5_000, help: 'W1: connections to open' },
  {
    name: 'connectConcurrency',
    kind: 'int',
    default: 100,
    help: 'W1, setup phases: handshakes in flight per generator',
  },
  { name: 'pairs', kind: 'int', default: 500, help: 'W2: DM pairs' },
  { name: 'messages', kind: 'int', default: 100, help: 'W2: messages each side of a pair sends' },
  { name: 'rate', kind: 'int', default: 25_000, help: 'W2 paced: offered messages per second in all' },
  {
    name: 'window',
    kind: 'int',
    default: 4,
    help: 'W2 saturating, W4 sending: unacknowledged sends per client',
  },
  { name: 'textBytes', kind: 'int', default: 64, help: 'W2, W4: message text length' },
  { name: 'subscribers', kind: 'int', default: 5_000, help: 'W3: subscribers of the channel' },
  { name: 'notifications', kind: 'int', default: 100, help: 'W3: notifications posted' },
  { name: 'notificationBytes', kind: 'int', default: 200, help: 'W3: size of each notification body' },
  {
    name: 'w3PacedInterval',
    kind: 'number',
    default: 100,
    help: 'W3 paced: ms between the starts of two POSTs (open loop: none waits for the previous answer)',
  },
  {
    name: 'w3SaturateInterval',
    kind: 'number',
    default: 5,
    help: 'W3 saturating: ms between the starts of two POSTs (open loop)',
  },
  { name: 'stormClients', kind: 'int', default: 2_000, help: 'W4: clients that drop and reconnect together' },
  { name: 'stormMessages', kind: 'int', default: 20, help: 'W4: messages each client misses while away' },
  {
    name: 'stormConcurrency',
    kind: 'int',
    default: 0,
    help: 'W4: reconnects in flight per generator; 0 = all at once',
  },
  {
    name: 'nodes',
    kind: 'int',
    default: 1,
    help: 'server nodes for W2/W3 (2 = Redis adapter + PostgreSQL; skipped until the server has the adapter)',
  },
  {
    name: 'databaseUrl',
    kind: 'string',
    default: undefined,
    help: 'server storage; default a fresh SQLite file in a temporary folder per server start',
  },
  { name: 'redisUrl', kind: 'string', default: 'redis://127.0.0.1:6379', help: 'Redis for --nodes 2' },
  {
    name: 'serverNodeArgs',
    kind: 'list',
    default: [],
    help: 'extra Node flags for the server, comma-separated (e.g. --cpu-prof,--cpu-prof-dir=/tmp/prof)',
  },
  {
    name: 'generatorNodeArgs',
    kind: 'list',
    default: [],
    help: 'extra Node flags for the load generators, comma-separated',
  },
  {
    name: 'client',
    kind: 'string',
    default: 'raw',
    help: 'how the load generators speak Socket.IO: raw (hand-written frames over ws, cheap per frame) or socket.io (socket.io-client)',
  },
  {
    name: 'jwtSecret',
    kind: 'string',
    default: 'mpi-bench-secret-0123456789abcdef',
    help: 'JWT_SECRET of the server',
  },
  {
    name: 'notifySecret',
    kind: 'string',
    default: 'mpi-bench-notify-secret-0123456789',
    help: 'W3: HMAC secret (≥ 32 characters) of the notification POSTs, given to the server as NOTIFY_SIGNING_SECRETS',
  },
  {
    name: 'timeout',
    kind: 'int',
    default: 120,
    help: 'seconds any one phase may take; what is not done then counts as missing',
  },
  {
    name: 'budget',
    kind: 'number',
    default: 14,
    help: 'minutes the whole run may take: a repetition that would end later is skipped (with a note); 0 = no limit',
  },
  {
    name: 'out',
    kind: 'string',
    default: DEFAULT_OUT,
    help: 'folder for the JSON, Markdown and SVG results',
  },
  {
    name: 'progress',
    kind: 'boolean',
    default: true,
    help: 'show progress on stderr (--no-progress to hide)',
  },
  { name: 'help', kind: 'boolean', default: false, help: 'show this help' },
];

export function loadBenchOptions(argv: string[], env: Record<string, string | undefined>): BenchOptions {
  const p = parseOptions(BENCH_OPTION_SPECS, argv, env, 'BENCH') as unknown as BenchOptions;
  for (const w of p.workloads) {
    if (!(WORKLOADS as readonly string[]).includes(w))
      throw new UsageError(`unknown workload "${w}" (w1,w2,w3,w4)`);
  }
  for (const m of p.w2Modes) {
    if (m !== 'paced' && m !== 'saturate') throw new UsageError(`unknown W2 mode "${m}" (paced,saturate)`);
  }
  for (const m of p.w3Modes) {
    if (m !== 'paced' && m !== 'saturate') throw new UsageError(`unknown W3 mode "${m}" (paced,saturate)`);
  }
  for (const t of p.targets) {
    if (t !== 'relay' && t !== 'baseline' && t !== 'server')
      throw new UsageError(`unknown target "${t}" (relay,baseline,server)`);
  }
  if (p.client !== 'raw' && p.client !== 'socket.io')
    throw new UsageError(`unknown client "${p.client}" (raw,socket.io)`);
  if (p.reps < 1) throw new UsageError('--reps must be at least 1');
  if (p.generators < 1) throw new UsageError('--generators must be at least 1');
  if (p.nodes < 1) throw new UsageError('--nodes must be at least 1');
  if (p.jwtSecret.length < 16) throw new UsageError('--jwt-secret must be at least 16 characters');
  return p;
}

/** The targets a scenario runs on: the bare relay speaks only the chat path, so it runs W2 alone. */
export function targetsOf(scenario: ScenarioId, options: BenchOptions): TargetKind[] {
  return options.targets.filter((kind) => kind !== 'relay' || scenario.startsWith('w2'));
}

export function scenariosOf(options: BenchOptions): ScenarioId[] {
  const list: ScenarioId[] = [];
  for (const w of WORKLOADS) {
    if (!options.workloads.includes(w)) continue;
    if (w === 'w2') {
      if (options.w2Modes.includes('paced')) list.push('w2-paced');
      if (options.w2Modes.includes('saturate')) list.push('w2-saturate');
    } else if (w === 'w3') {
      if (options.w3Modes.includes('paced')) list.push('w3-paced');
      if (options.w3Modes.includes('saturate')) list.push('w3-saturate');
    } else list.push(w);
  }
  return list;
}
