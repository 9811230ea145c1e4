import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@mpi/test-kit';
import { describe, expect, it } from 'vitest';
import type { BenchReport } from '../src/harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

/**
 * Runs `npm run bench` end to end (every target) at toy sizes, on `workloads`. Most of a run is starting
 * processes (about 2 s of CPU per server start), so the smoke test runs in two halves, one after the other.
 * How long they take is the benchmark's business, not this test's: the limits only end a hung run.
 */
function runBench(out: string, workloads: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = [
    '--conditions=source',
    '--import',
    'tsx',
    cli,
    `--workloads=${workloads}`,
    '--reps=1',
    '--generators=1',
    '--connections=20',
    '--pairs=5',
    '--messages=5',
    '--rate=500',
    '--subscribers=20',
    '--notifications=5',
    '--w3-paced-interval=50',
    '--storm-clients=5',
    '--storm-messages=5',
    '--timeout=20',
    `--out=${out}`,
    '--no-progress',
  ];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: root, timeout: 85_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run bench (smoke, toy sizes)', () => {
  /** Runs the workloads against the baseline and the server; nothing lost, JSON and one SVG per workload. */
  async function smoke(workloads: string, ids: string[]): Promise<BenchReport> {
    const out = tempDir('mpi-bench-smoke-').path; // removed after the test
    const { code, stdout, stderr } = await runBench(out, workloads);
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toContain('| Workload');

    const files = await readdir(out);
    const json = files.find((f) => f.endsWith('.json'));
    expect(json).toBeDefined();
    expect(files.filter((f) => f.endsWith('.svg')).length).toBe(workloads.split(',').length);
    const report = JSON.parse(await readFile(join(out, json as string), 'utf8')) as BenchReport;

    // Every workload ran (or, for the server's W3 modes while the ingestion API is missing, was skipped with a note).
    expect(report.scenarios.map((s) => s.id)).toEqual(ids);
    for (const scenario of report.scenarios) {
      for (const kind of ['baseline', 'server'] as const) {
        const target = scenario.targets[kind];
        expect(target, `${scenario.id}/${kind}`).toBeDefined();
        if (target?.skipped) {
          expect(scenario.id).toMatch(/^w3-/);
          expect(target.skipped).toMatch(/not available/);
          continue;
        }
        expect(
          target?.reps.map((r) => r.failure ?? 'ok'),
          `${scenario.id}/${kind}`,
        ).toEqual(['ok']);
      }
    }
    expect(report.checks.length).toBeGreaterThanOrEqual(ids.length * 2 - 2);
    for (const check of report.checks) {
      expect(check.missing, `${check.scenario}/${check.target} missing`).toBe(0);
      expect(check.duplicates, `${check.scenario}/${check.target} duplicates`).toBe(0);
    }
    return report;
  }

  it('W1 and W2 (paced, saturating)', async () => {
    const report = await smoke('w1,w2', ['w1', 'w2-paced', 'w2-saturate']);
    const w2 = report.scenarios.find((s) => s.id === 'w2-saturate');
    expect(w2?.targets.server?.metrics.received?.median).toBe(5 * 2 * 5);
    expect(w2?.targets.server?.metrics.delivered?.median).toBe(5 * 2 * 5);
    // The bare relay runs W2 only, relays every message once and sends no delivery notices.
    expect(w2?.targets.relay?.reps.map((r) => r.failure ?? 'ok')).toEqual(['ok']);
    expect(w2?.targets.relay?.metrics.received?.median).toBe(5 * 2 * 5);
    expect(w2?.targets.relay?.metrics.delivered?.median).toBe(0);
    expect(report.scenarios.find((s) => s.id === 'w1')?.targets.relay).toBeUndefined();
  }, 90_000);

  it('W3 (paced, saturating) and W4', async () => {
    const report = await smoke('w3,w4', ['w3-paced', 'w3-saturate', 'w4']);
    // Both modes, both targets: every subscriber got every notification once; CPU per delivery known.
    for (const id of ['w3-paced', 'w3-saturate']) {
      const w3 = report.scenarios.find((s) => s.id === id);
      for (const kind of ['baseline', 'server'] as const) {
        const t = w3?.targets[kind];
        if (t?.skipped) continue;
        expect(t?.metrics.deliveries?.median, `${id}/${kind} deliveries`).toBe(20 * 5);
        expect(t?.metrics.accepted?.median, `${id}/${kind} POSTs stored`).toBe(5);
        expect(t?.metrics.serverCpuUsPerDelivery?.n, `${id}/${kind} CPU per delivery`).toBe(1);
      }
    }
    const w4 = report.scenarios.find((s) => s.id === 'w4');
    expect(w4?.targets.server?.metrics.caughtUp?.median).toBe(5);
  }, 90_000);
});
