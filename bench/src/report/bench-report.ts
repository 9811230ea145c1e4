import type { BenchOptions, ScenarioId } from '../config.js';
import type { TargetKind } from '../targets/targets.js';
import type { Spread } from '../util/stats.js';
import type { ScenarioOutcome } from '../workloads/common.js';

// The shape of a benchmark's results, as the harness builds them and the JSON file holds them.

/**
 * The figures the tables show for each workload, and the goals: a goal is a ratio of the server's
 * median to the baseline's (at least / at most), or a bound on the server's worst repetition. Every goal
 * is reported as met or missed with its figure.
 */
export interface Goal {
  scenario: ScenarioId;
  metric: string;
  label: string;
  unit: string;
  digits: number;
  better: 'higher' | 'lower';
  /** Server ÷ baseline must be at least / at most this (medians). */
  ratioMin?: number;
  ratioMax?: number;
  /** The server's worst repetition must be at most this. */
  serverMax?: number;
  /** The figure for bare Socket.IO on this machine, for comparison with our baseline. */
  reference?: number;
}

export interface Comparison extends Goal {
  /** The bare relay's figure (W2 only). */
  relay?: Spread;
  baseline?: Spread;
  server?: Spread;
  ratio?: number;
  /** Server ÷ relay (medians), where the relay ran. */
  relayRatio?: number;
  goal?: string;
  met?: boolean;
  /** Why a goal could not be judged. */
  pending?: string;
}

export interface RepRun {
  rep: number;
  outcome?: ScenarioOutcome;
  failure?: string;
  /** Warnings and errors the server logged during the run (LOG_LEVEL=warn). */
  serverLog: { count: number; first: string[] };
}

export interface TargetSummary {
  reps: RepRun[];
  skipped?: string;
  metrics: Record<string, Spread>;
  /** cpuPct and peakRssMiB per process, plus generators' max and sum. */
  usage: Record<string, Spread>;
  missing: Spread;
  duplicates: Spread;
  /** Errors over all repetitions (failed handshakes, error events, refused requests…). */
  errors: Record<string, number>;
}

export interface ScenarioReport {
  id: ScenarioId;
  title: string;
  nodes: number;
  targets: Partial<Record<TargetKind, TargetSummary>>;
}

export interface BenchReport {
  tool: 'mpi-bench';
  version: 1;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    node: string;
    kernel: string;
    /** 1-, 5- and 15-minute load averages when the run started (other work on the machine). */
    loadAverage: number[];
  };
  git: { commit?: string; dirty?: boolean };
  options: Omit<BenchOptions, 'jwtSecret' | 'notifySecret' | 'help'>;
  generators: number;
  scenarios: ScenarioReport[];
  comparisons: Comparison[];
  checks: Array<{
    scenario: ScenarioId;
    target: TargetKind;
    missing: number;
    duplicates: number;
    errors: number;
    ok: boolean;
  }>;
  notes: string[];
}
