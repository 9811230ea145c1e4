import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type BenchOptions, SCENARIO_TITLES, type ScenarioId, scenariosOf, targetsOf } from './config.js';
import { GeneratorPool } from './generator/pool.js';
import { compare, GOALS } from './goals.js';
import type { BenchReport, RepRun, ScenarioReport, TargetSummary } from './report/bench-report.js';
import { type RunningTarget, startBaseline, startServer } from './targets/targets.js';
import { ProcWatcher } from './util/proc.js';
import { Progress } from './util/progress.js';
import { type Spread, spread } from './util/stats.js';
import { tokenSigner } from './util/tokens.js';
import {
  MAX_SOCKETS_PER_GENERATOR,
  type ScenarioContext,
  type ScenarioOutcome,
  Skip,
  usageNames,
} from './workloads/common.js';
import { runConnections } from './workloads/w1-connections.js';
import { runChat } from './workloads/w2-chat.js';
import { runFanout } from './workloads/w3-fanout.js';
import { runStorm } from './workloads/w4-storm.js';

export type { BenchReport } from './report/bench-report.js';

interface HarnessHooks {
  progress?: Progress;
}

function machineInfo(): BenchReport['machine'] {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    kernel: release(),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

function gitInfo(): BenchReport['git'] {
  try {
    const cwd = fileURLToPath(new URL('../..', import.meta.url));
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    // Whether what was measured (the packages) differs from the commit; bench/ and docs/ do not count.
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--', 'packages'], { cwd, encoding: 'utf8' }).trim() !==
      '';
    return { commit, dirty };
  } catch {
    return {};
  }
}

/** Why the server cannot run on several nodes yet, or undefined when it can. */
function multiNodeBlocker(options: BenchOptions): string | undefined {
  const configPath = fileURLToPath(new URL('../../packages/server/src/config.ts', import.meta.url));
  let config = '';
  try {
    config = readFileSync(configPath, 'utf8');
  } catch {
    // no server sources: treat as unsupported
  }
  if (!/REDIS_URL/.test(config)) {
    return 'the server has no Socket.IO Redis adapter yet (no REDIS_URL setting in packages/server/src/config.ts)';
  }
  const url = options.databaseUrl ?? DEFAULT_POSTGRES;
  if (!url.startsWith('postgres'))
    return `several nodes share PostgreSQL, not ${url}: pass --database-url postgres://…`;
  return undefined;
}

/** Where `--nodes 2` creates its databases when no --database-url is given (the machine's local server). */
const DEFAULT_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

const SCENARIO_RUNNERS: Record<ScenarioId, (ctx: ScenarioContext) => Promise<ScenarioOutcome>> = {
  w1: runConnections,
  'w2-paced': (ctx) => runChat(ctx, 'paced'),
  'w2-saturate': (ctx) => runChat(ctx, 'saturate'),
  'w3-paced': (ctx) => runFanout(ctx, 'paced'),
  'w3-saturate': (ctx) => runFanout(ctx, 'saturate'),
  w4: runStorm,
};

/** Sockets the busiest workload opens, to size the generator pool. */
export function generatorCount(options: BenchOptions): number {
  const sockets = Math.max(
    options.connections,
    options.pairs * 2,
    options.subscribers,
    options.stormClients * 2,
  );
  return Math.max(options.generators, Math.ceil(sockets / MAX_SOCKETS_PER_GENERATOR));
}

function summarise(reps: RepRun[]): Omit<TargetSummary, 'reps' | 'skipped'> {
  const outcomes = reps.map((r) => r.outcome).filter((o): o is ScenarioOutcome => o !== undefined);
  const metricNames = new Set(outcomes.flatMap((o) => Object.keys(o.metrics)));
  const metrics: Record<string, Spread> = {};
  for (const name of metricNames) metrics[name] = spread(outcomes.map((o) => o.metrics[name] ?? Number.NaN));
  const usage: Record<string, Spread> = {};
  const processNames = new Set(outcomes.flatMap((o) => Object.keys(o.usage)));
  for (const name of processNames) {
    usage[`${name}.cpuPct`] = spread(outcomes.map((o) => o.usage[name]?.cpuPct ?? Number.NaN));
    usage[`${name}.peakRssMiB`] = spread(outcomes.map((o) => o.usage[name]?.peakRssMiB ?? Number.NaN));
  }
  const gens = (o: ScenarioOutcome) => Object.entries(o.usage).filter(([name]) => name.startsWith('gen'));
  usage['generators.maxCpuPct'] = spread(outcomes.map((o) => Math.max(...gens(o).map(([, u]) => u.cpuPct))));
  usage['generators.sumCpuPct'] = spread(outcomes.map((o) => gens(o).reduce((a, [, u]) => a + u.cpuPct, 0)));
  usage['generators.maxPeakRssMiB'] = spread(
    outcomes.map((o) => Math.max(...gens(o).map(([, u]) => u.peakRssMiB))),
  );
  const errors: Record<string, number> = {};
  for (const o of outcomes)
    for (const [code, n] of Object.entries(o.errors)) errors[code] = (errors[code] ?? 0) + n;
  for (const r of reps) if (r.failure) errors[`run failed: ${r.failure.split('\n')[0]?.slice(0, 120)}`] = 1;
  return {
    metrics,
    usage,
    missing: spread(outcomes.map((o) => o.missing)),
    duplicates: spread(outcomes.map((o) => o.duplicates)),
    errors,
  };
}

/**
 * The benchmark harness: for each repetition, each workload and each target (bare Socket.IO baseline,
 * MPI Realtime), it starts a fresh target process and fresh load-generator processes, runs the workload,
 * stops everything, and finally summarises medians with min–max and compares the server to the baseline.
 */
export async function runBench(options: BenchOptions, hooks: HarnessHooks = {}): Promise<BenchReport> {
  const progress = hooks.progress ?? new Progress(process.stderr, options.progress);
  const started = new Date();
  const machine = machineInfo();
  const git = gitInfo();
  const runTag = `b${started.getTime().toString(36)}`;
  const sign = tokenSigner(options.jwtSecret);
  const scenarioIds = scenariosOf(options);
  const generators = generatorCount(options);
  const notes: string[] = [];
  const multiNode = options.nodes > 1 ? multiNodeBlocker(options) : undefined;
  if (options.nodes > 1 && multiNode) {
    notes.push(`W2/W3 on ${options.nodes} server nodes (Redis adapter + PostgreSQL): skipped: ${multiNode}.`);
  }
  if (generators > options.generators) {
    notes.push(
      `generators raised from ${options.generators} to ${generators} (at most ${MAX_SOCKETS_PER_GENERATOR} sockets each)`,
    );
  }
  const reports: ScenarioReport[] = scenarioIds.map((id) => ({
    id,
    title: SCENARIO_TITLES[id],
    nodes: options.nodes > 1 && (id.startsWith('w2') || id.startsWith('w3')) ? options.nodes : 1,
    targets: {},
  }));
  const reps = new Map<string, RepRun[]>();
  const skipped = new Map<string, string>();
  const total = options.reps * scenarioIds.reduce((n, id) => n + targetsOf(id, options).length, 0);
  const durations = new Map<string, number>();
  const budgetSkips: string[] = [];
  let index = 0;

  for (let rep = 1; rep <= options.reps; rep++) {
    for (const report of reports) {
      for (const kind of targetsOf(report.id, options)) {
        index++;
        const key = `${report.id}/${kind}`;
        const label = `run ${index}/${total} · rep ${rep}/${options.reps} · ${report.title} · ${kind}`;
        if (skipped.has(key)) continue;
        // Stay within the time budget: skip a repetition that would end after it (judged by the same
        // run's duration in the previous repetition).
        const elapsedMs = Date.now() - started.getTime();
        const expectedMs = durations.get(key) ?? 0;
        if (options.budget > 0 && rep > 1 && elapsedMs + expectedMs > options.budget * 60_000) {
          budgetSkips.push(`${report.title} · ${kind} · rep ${rep}`);
          continue;
        }
        const runStarted = Date.now();
        if (kind === 'server' && report.nodes > 1 && multiNode) {
          skipped.set(key, `${report.nodes} nodes: ${multiNode}`);
          progress.log(`${report.title} · server on ${report.nodes} nodes: skipped (${multiNode})`);
          continue;
        }
        progress.update(`${label}: starting ${kind}`);
        const run: RepRun = { rep, serverLog: { count: 0, first: [] } };
        let target: RunningTarget | undefined;
        let pool: GeneratorPool | undefined;
        try {
          [target, pool] = await Promise.all([
            kind !== 'server'
              ? startBaseline([], kind)
              : startServer({
                  jwtSecret: options.jwtSecret,
                  nodes: report.nodes,
                  nodeArgs: options.serverNodeArgs,
                  redisUrl: options.redisUrl,
                  databaseUrl:
                    report.nodes > 1 ? (options.databaseUrl ?? DEFAULT_POSTGRES) : options.databaseUrl,
                  env: { NOTIFY_SIGNING_SECRETS: options.notifySecret },
                }),
            GeneratorPool.start(generators, options.generatorNodeArgs, options.client),
          ]);
          const watcher = new ProcWatcher();
          const ctx: ScenarioContext = {
            options,
            kind,
            target,
            pool,
            watcher,
            status: (text) => progress.update(`${label} · ${text}`),
            runId: `${runTag}.${rep}${report.id.replace(/[^a-z0-9]/g, '')}${kind[0]}`,
            sign,
            timeoutMs: options.timeout * 1000,
          };
          usageNames(ctx);
          target.clearLog();
          run.outcome = await SCENARIO_RUNNERS[report.id](ctx);
          const o = run.outcome;
          const headline = GOALS.find((g) => g.scenario === report.id);
          const value = headline ? o.metrics[headline.metric] : undefined;
          progress.log(
            `${label}: ${headline && value !== undefined ? `${headline.label} ${value.toFixed(headline.digits)} ${headline.unit}, ` : ''}missing ${o.missing}, duplicates ${o.duplicates}${o.notes.length ? ` (${o.notes.join('; ')})` : ''}`,
          );
        } catch (error) {
          if (error instanceof Skip) {
            skipped.set(key, error.message);
            progress.log(`${report.title} · ${kind}: skipped: ${error.message}`);
            continue;
          }
          run.failure = error instanceof Error ? error.message : String(error);
          progress.log(`${label}: FAILED: ${run.failure.split('\n')[0]}`);
        } finally {
          progress.update(`${label}: stopping`);
          if (pool) await pool.all('closeAll', () => ({})).catch(() => []);
          if (target) {
            const lines = target.logLines();
            run.serverLog = { count: lines.length, first: lines.slice(0, 5) };
            await target.stop();
          }
          if (pool) await pool.stop();
        }
        durations.set(key, Date.now() - runStarted);
        const list = reps.get(key) ?? [];
        list.push(run);
        reps.set(key, list);
      }
    }
  }
  progress.done();
  if (budgetSkips.length > 0) {
    notes.push(
      `time budget (${options.budget} min, --budget) reached: skipped ${budgetSkips.length} run(s): ${budgetSkips.join('; ')}`,
    );
  }

  for (const report of reports) {
    for (const kind of targetsOf(report.id, options)) {
      const key = `${report.id}/${kind}`;
      const list = reps.get(key) ?? [];
      report.targets[kind] = {
        reps: list,
        ...summarise(list),
        ...(skipped.has(key) ? { skipped: skipped.get(key) } : {}),
      };
    }
  }
  const checks: BenchReport['checks'] = [];
  for (const report of reports) {
    for (const kind of targetsOf(report.id, options)) {
      const t = report.targets[kind];
      if (!t || t.skipped || t.reps.length === 0) continue;
      const failures = t.reps.filter((r) => r.failure).length;
      const missing = t.reps.reduce((a, r) => a + (r.outcome?.missing ?? 0), 0);
      const duplicates = t.reps.reduce((a, r) => a + (r.outcome?.duplicates ?? 0), 0);
      const errors = Object.values(t.errors).reduce((a, b) => a + b, 0);
      checks.push({
        scenario: report.id,
        target: kind,
        missing,
        duplicates,
        errors,
        ok: failures === 0 && missing === 0 && duplicates === 0,
      });
    }
  }
  const finished = new Date();
  const { jwtSecret: _j, notifySecret: _n, help: _h, ...shownOptions } = options;
  return {
    tool: 'mpi-bench',
    version: 1,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationSeconds: Math.round((finished.getTime() - started.getTime()) / 100) / 10,
    machine,
    git,
    options: shownOptions,
    generators,
    scenarios: reports,
    comparisons: compare(reports),
    checks,
    notes,
  };
}
