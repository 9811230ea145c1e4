import { SCENARIO_TITLES } from '../config.js';
import type { Spread } from '../util/stats.js';
import type { BenchReport, Comparison } from './bench-report.js';

// The benchmark's tables, as Markdown (readable as is on a terminal, and pasted into docs/performance.md).

export function fmtNumber(value: number, digits: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function fmtSpread(s: Spread | undefined, digits: number): string {
  if (!s || s.n === 0) return '—';
  if (s.n === 1 || s.min === s.max) return fmtNumber(s.median, digits);
  return `${fmtNumber(s.median, digits)} (${fmtNumber(s.min, digits)}–${fmtNumber(s.max, digits)})`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function verdict(row: Comparison): string {
  if (!row.goal) return '';
  if (row.pending) return 'not judged';
  return row.met ? 'met' : 'MISSED';
}

function resultsTable(report: BenchReport): string {
  const rows = report.comparisons.map((row) => [
    SCENARIO_TITLES[row.scenario],
    `${row.label} (${row.unit})`,
    fmtSpread(row.relay, row.digits),
    fmtSpread(row.baseline, row.digits),
    fmtSpread(row.server, row.digits),
    row.relayRatio === undefined ? '—' : `${fmtNumber(row.relayRatio, 2)}×`,
    row.ratio === undefined ? '—' : `${fmtNumber(row.ratio, 2)}×`,
    row.goal ?? '',
    verdict(row),
    row.reference === undefined ? '' : fmtNumber(row.reference, row.digits),
  ]);
  return table(
    [
      'Workload',
      'Metric',
      'Relay',
      'Baseline',
      'Server',
      'Server ÷ relay',
      'Server ÷ baseline',
      'Goal',
      'Result',
      'Issue (bare)',
    ],
    rows,
  );
}

function resourcesTable(report: BenchReport): string {
  const rows: string[][] = [];
  for (const scenario of report.scenarios) {
    for (const [kind, t] of Object.entries(scenario.targets)) {
      if (!t || t.skipped || t.reps.every((r) => !r.outcome)) continue;
      const u = t.usage;
      rows.push([
        scenario.title,
        kind,
        fmtSpread(u['server.cpuPct'], 0),
        fmtSpread(u['server.peakRssMiB'], 0),
        fmtSpread(u['generators.maxCpuPct'], 0),
        fmtSpread(u['generators.sumCpuPct'], 0),
        fmtSpread(u['generators.maxPeakRssMiB'], 0),
        fmtSpread(u['others.cpuPct'], 0),
      ]);
    }
  }
  return table(
    [
      'Workload',
      'Target',
      'Server CPU %',
      'Server peak RSS MiB',
      'Busiest generator CPU %',
      'All generators CPU %',
      'Generator peak RSS MiB',
      'Other processes CPU %',
    ],
    rows,
  );
}

function checksTable(report: BenchReport): string {
  const rows = report.checks.map((c) => {
    const t = report.scenarios.find((s) => s.id === c.scenario)?.targets[c.target];
    const failed = t?.reps.filter((r) => r.failure).length ?? 0;
    return [
      SCENARIO_TITLES[c.scenario],
      c.target,
      String(c.missing),
      String(c.duplicates),
      String(c.errors),
      failed > 0 ? `${failed} run(s) failed` : c.ok ? 'ok' : 'FAILED',
    ];
  });
  return table(['Workload', 'Target', 'Missing', 'Duplicates', 'Errors', 'Check'], rows);
}

function notesList(report: BenchReport): string[] {
  const notes = [...report.notes];
  for (const scenario of report.scenarios) {
    for (const [kind, t] of Object.entries(scenario.targets)) {
      if (!t) continue;
      if (t.skipped) notes.push(`${scenario.title} · ${kind}: skipped: ${t.skipped}`);
      for (const r of t.reps) {
        if (r.failure)
          notes.push(`${scenario.title} · ${kind} · rep ${r.rep}: failed: ${r.failure.split('\n')[0]}`);
        for (const note of r.outcome?.notes ?? [])
          notes.push(`${scenario.title} · ${kind} · rep ${r.rep}: ${note}`);
        if (r.serverLog.count > 0) {
          notes.push(
            `${scenario.title} · ${kind} · rep ${r.rep}: the server logged ${r.serverLog.count} warning/error line(s), first: ${r.serverLog.first[0]?.slice(0, 200)}`,
          );
        }
      }
      const errors = Object.entries(t.errors);
      if (errors.length > 0) {
        notes.push(
          `${scenario.title} · ${kind}: errors ${errors.map(([code, n]) => `${code} ×${n}`).join(', ')}`,
        );
      }
    }
  }
  return notes;
}

export function markdownReport(report: BenchReport): string {
  const m = report.machine;
  const o = report.options;
  const notes = notesList(report);
  return [
    `# MPI Realtime benchmark — ${report.startedAt}`,
    '',
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, Linux ${m.kernel}. ` +
      `Commit ${report.git.commit ?? '?'}${report.git.dirty ? ' with uncommitted changes in packages/' : ''}. ` +
      `${o.reps} repetition(s), ${report.generators} generator processes; median (min–max). Took ${report.durationSeconds} s. ` +
      `Load average at the start: ${m.loadAverage.join(', ')}.`,
    '',
    `Sizes: W1 ${o.connections} connections; W2 ${o.pairs} pairs × 2 × ${o.messages} messages (paced ${o.rate} msg/s, saturating window ${o.window}); ` +
      `W3 ${o.subscribers} subscribers × ${o.notifications} notifications (a POST every ${o.w3PacedInterval} ms paced, every ${o.w3SaturateInterval} ms saturating); W4 ${o.stormClients} clients × ${o.stormMessages} messages.`,
    '',
    '## Results',
    '',
    resultsTable(report),
    '',
    '## CPU and memory during the measured phase',
    '',
    resourcesTable(report),
    '',
    '## Correctness',
    '',
    checksTable(report),
    '',
    ...(notes.length > 0 ? ['## Notes', '', ...notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
}
