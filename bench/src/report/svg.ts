import type { ScenarioId } from '../config.js';
import type { TargetKind } from '../targets/targets.js';
import type { Spread } from '../util/stats.js';
import type { BenchReport } from './bench-report.js';
import { fmtNumber } from './tables.js';

// Hand-written SVG bar charts, one file per workload: for each metric a panel with the baseline's and the
// server's median as bars, the min–max over repetitions as whiskers, and the figure or goal as a
// dashed line.

interface Bar {
  series: TargetKind;
  spread: Spread | undefined;
  /** Shown instead of a bar when there is no value. */
  missingText: string;
}

interface Group {
  label: string;
  bars: Bar[];
}

interface Panel {
  title: string;
  unit: string;
  digits: number;
  groups: Group[];
  line?: { value: number; label: string };
}

const COLORS: Record<TargetKind, string> = { relay: '#d6dbe1', baseline: '#9aa5b1', server: '#2b6cb0' };
const LEGEND: Record<TargetKind, string> = {
  relay: 'bare Socket.IO relay',
  baseline: 'bare Socket.IO baseline',
  server: 'MPI Realtime server',
};
const PANEL_W = 300;
const PANEL_H = 280;
const TOP = 64;
const PLOT_TOP = 40;
const PLOT_BOTTOM = 44;
const PLOT_LEFT = 62;
const PLOT_RIGHT = 14;

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const exp = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    if (step * exp >= value) return step * exp;
  }
  return 10 * exp;
}

function compact(value: number): string {
  if (value >= 1_000_000) return `${fmtNumber(value / 1_000_000, value >= 10_000_000 ? 0 : 1)}M`;
  if (value >= 10_000) return `${fmtNumber(value / 1_000, 0)}k`;
  if (value >= 1_000) return `${fmtNumber(value / 1_000, 1)}k`;
  return fmtNumber(value, value >= 100 ? 0 : value >= 10 ? 1 : 2);
}

function panel(p: Panel, x0: number): string {
  const plotW = PANEL_W - PLOT_LEFT - PLOT_RIGHT;
  const plotH = PANEL_H - PLOT_TOP - PLOT_BOTTOM;
  const values = p.groups.flatMap((g) =>
    g.bars.flatMap((b) => (b.spread && b.spread.n > 0 ? [b.spread.max] : [])),
  );
  if (p.line) values.push(p.line.value);
  const yMax = niceMax(Math.max(0, ...values.filter(Number.isFinite)) * 1.08);
  const y = (v: number) => TOP + PLOT_TOP + plotH - (v / yMax) * plotH;
  const out: string[] = [];
  out.push(`<g transform="translate(${x0},0)">`);
  out.push(
    `<text x="${PANEL_W / 2}" y="${TOP + 18}" text-anchor="middle" class="title">${esc(p.title)}</text>`,
  );
  out.push(
    `<text x="${PANEL_W / 2}" y="${TOP + 33}" text-anchor="middle" class="unit">${esc(p.unit)}</text>`,
  );
  for (let i = 0; i <= 5; i++) {
    const v = (yMax / 5) * i;
    out.push(`<line x1="${PLOT_LEFT}" x2="${PANEL_W - PLOT_RIGHT}" y1="${y(v)}" y2="${y(v)}" class="grid"/>`);
    out.push(
      `<text x="${PLOT_LEFT - 6}" y="${y(v) + 4}" text-anchor="end" class="axis">${compact(v)}</text>`,
    );
  }
  const groupW = plotW / Math.max(1, p.groups.length);
  p.groups.forEach((group, gi) => {
    const gx = PLOT_LEFT + gi * groupW;
    const barW = Math.min(46, (groupW - 20) / Math.max(1, group.bars.length));
    const start = gx + (groupW - barW * group.bars.length) / 2;
    group.bars.forEach((bar, bi) => {
      const bx = start + bi * barW;
      const cx = bx + barW / 2;
      const s = bar.spread;
      if (!s || s.n === 0 || !Number.isFinite(s.median)) {
        out.push(
          `<text x="${cx}" y="${y(0) - 6}" text-anchor="middle" class="na">${esc(bar.missingText)}</text>`,
        );
        return;
      }
      out.push(
        `<rect x="${bx + 3}" y="${y(s.median)}" width="${barW - 6}" height="${Math.max(0.5, y(0) - y(s.median))}" fill="${COLORS[bar.series]}"><title>${bar.series}: ${fmtNumber(s.median, p.digits)} ${esc(p.unit)} (${fmtNumber(s.min, p.digits)}–${fmtNumber(s.max, p.digits)})</title></rect>`,
      );
      if (s.n > 1 && s.max > s.min) {
        out.push(`<line x1="${cx}" x2="${cx}" y1="${y(s.min)}" y2="${y(s.max)}" class="whisker"/>`);
        out.push(`<line x1="${cx - 5}" x2="${cx + 5}" y1="${y(s.min)}" y2="${y(s.min)}" class="whisker"/>`);
        out.push(`<line x1="${cx - 5}" x2="${cx + 5}" y1="${y(s.max)}" y2="${y(s.max)}" class="whisker"/>`);
      }
      out.push(
        `<text x="${cx}" y="${y(s.max) - 5}" text-anchor="middle" class="value">${compact(s.median)}</text>`,
      );
    });
    out.push(
      `<text x="${gx + groupW / 2}" y="${y(0) + 18}" text-anchor="middle" class="axis">${esc(group.label)}</text>`,
    );
  });
  out.push(`<line x1="${PLOT_LEFT}" x2="${PANEL_W - PLOT_RIGHT}" y1="${y(0)}" y2="${y(0)}" class="base"/>`);
  if (p.line) {
    out.push(
      `<line x1="${PLOT_LEFT}" x2="${PANEL_W - PLOT_RIGHT}" y1="${y(p.line.value)}" y2="${y(p.line.value)}" class="ref"/>`,
    );
    out.push(
      `<text x="${PANEL_W - PLOT_RIGHT}" y="${y(p.line.value) - 4}" text-anchor="end" class="reflabel">${esc(p.line.label)}</text>`,
    );
  }
  out.push('</g>');
  return out.join('\n');
}

const PAIR: readonly TargetKind[] = ['baseline', 'server'];

function chart(
  title: string,
  subtitle: string,
  panels: Panel[],
  series: readonly TargetKind[] = PAIR,
): string {
  const width = Math.max(1, panels.length) * PANEL_W + 20;
  const height = TOP + PANEL_H + 10;
  const legend = series
    .map(
      (kind, i) =>
        `<rect x="${20 + i * 190}" y="44" width="12" height="12" fill="${COLORS[kind]}"/><text x="${38 + i * 190}" y="54" class="legend">${LEGEND[kind]}</text>`,
    )
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" role="img">
<title>${esc(title)}</title>
<style>
.title{font-size:13px;font-weight:600;fill:#1a202c}.unit{font-size:11px;fill:#4a5568}
.axis{font-size:10px;fill:#4a5568}.value{font-size:10px;fill:#1a202c}.na{font-size:10px;fill:#a0aec0}
.grid{stroke:#edf2f7}.base{stroke:#a0aec0}.whisker{stroke:#1a202c;stroke-width:1.2}
.ref{stroke:#c53030;stroke-dasharray:4 3}.reflabel{font-size:9px;fill:#c53030;paint-order:stroke;stroke:#fff;stroke-width:3px}
.h1{font-size:15px;font-weight:700;fill:#1a202c}.sub{font-size:11px;fill:#4a5568}.legend{font-size:11px;fill:#1a202c}
</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="20" y="22" class="h1">${esc(title)}</text>
<text x="20" y="38" class="sub">${esc(subtitle)}</text>
${legend}
${panels.map((p, i) => panel(p, 10 + i * PANEL_W)).join('\n')}
</svg>
`;
}

function bars(
  report: BenchReport,
  scenario: ScenarioId,
  metric: string,
  series: readonly TargetKind[] = PAIR,
): Bar[] {
  const s = report.scenarios.find((x) => x.id === scenario);
  return series.map((kind) => {
    const t = s?.targets[kind];
    return {
      series: kind,
      spread: t?.metrics[metric],
      missingText: t?.skipped ? 'not available' : t ? 'no value' : 'not run',
    };
  });
}

/** One SVG per workload that ran: `{ w1: '<svg…', … }`. */
export function charts(report: BenchReport): Record<string, string> {
  const ran = new Set(report.scenarios.map((s) => s.id));
  const sub = `median of ${report.options.reps} run(s), whiskers min–max · ${report.machine.cpus} cores, Node ${report.machine.node} · ${report.startedAt.slice(0, 10)}`;
  const o = report.options;
  const out: Record<string, string> = {};
  if (ran.has('w1')) {
    out.w1 = chart(`W1: ${o.connections.toLocaleString('en-US')} authenticated connections`, sub, [
      {
        title: 'Connections per second',
        unit: 'higher is better',
        digits: 0,
        groups: [{ label: 'connect + setup_user', bars: bars(report, 'w1', 'connPerSec') }],
        line: { value: 4_200, label: 'issue: bare 4,200/s' },
      },
      {
        title: 'Server RSS per connection',
        unit: 'KiB, lower is better',
        digits: 1,
        groups: [{ label: 'RSS growth ÷ connections', bars: bars(report, 'w1', 'rssPerConnKiB') }],
        line: { value: 17.5, label: 'issue: bare 17.5 KiB' },
      },
    ]);
  }
  const w2 = (['w2-paced', 'w2-saturate'] as const).filter((id) => ran.has(id));
  if (w2.length > 0) {
    const label = (id: ScenarioId) =>
      id === 'w2-paced' ? `paced ${o.rate.toLocaleString('en-US')}/s` : 'saturating';
    const series = o.targets.includes('relay') ? (['relay', ...PAIR] as const) : PAIR;
    out.w2 = chart(
      `W2: chat relay, ${o.pairs} DM pairs × 2 × ${o.messages} messages`,
      sub,
      [
        {
          title: 'Messages received per second',
          unit: 'higher is better',
          digits: 0,
          groups: w2.map((id) => ({ label: label(id), bars: bars(report, id, 'msgPerSec', series) })),
        },
        {
          title: 'send → receive, p99',
          unit: 'ms, lower is better',
          digits: 1,
          groups: w2.map((id) => ({ label: label(id), bars: bars(report, id, 'recvP99Ms', series) })),
        },
        {
          title: 'send → message_delivered, p99 (no relay: it sends none)',
          unit: 'ms, lower is better',
          digits: 1,
          groups: w2.map((id) => ({ label: label(id), bars: bars(report, id, 'deliveredP99Ms') })),
        },
      ],
      series,
    );
  }
  const w3 = (['w3-paced', 'w3-saturate'] as const).filter((id) => ran.has(id));
  if (w3.length > 0) {
    const label = (id: ScenarioId) =>
      id === 'w3-paced' ? `paced, ${o.w3PacedInterval} ms` : `saturating, ${o.w3SaturateInterval} ms`;
    out.w3 = chart(
      `W3: fan-out, ${o.subscribers.toLocaleString('en-US')} subscribers × ${o.notifications} notifications, a POST every … ms`,
      sub,
      [
        {
          title: 'Deliveries per second',
          unit: 'higher is better',
          digits: 0,
          groups: w3.map((id) => ({ label: label(id), bars: bars(report, id, 'deliveriesPerSec') })),
          line: { value: 124_000, label: 'issue: bare 124,000/s' },
        },
        {
          title: 'Server CPU per delivery',
          unit: 'µs, lower is better',
          digits: 2,
          groups: w3.map((id) => ({ label: label(id), bars: bars(report, id, 'serverCpuUsPerDelivery') })),
        },
        {
          title: 'POST → arrival, p99',
          unit: 'ms, lower is better',
          digits: 1,
          groups: w3.map((id) => ({ label: label(id), bars: bars(report, id, 'latencyP99Ms') })),
        },
      ],
    );
  }
  if (ran.has('w4')) {
    out.w4 = chart(
      `W4: reconnect storm, ${o.stormClients.toLocaleString('en-US')} clients × ${o.stormMessages} missed messages`,
      sub,
      [
        {
          title: 'Until all are back and caught up',
          unit: 's, lower is better',
          digits: 2,
          groups: [{ label: 'whole storm', bars: bars(report, 'w4', 'catchUpSeconds') }],
          line: { value: 15, label: 'goal ≤ 15 s' },
        },
        {
          title: 'Per client, p99',
          unit: 'ms, lower is better',
          digits: 0,
          groups: [{ label: 'reconnect → caught up', bars: bars(report, 'w4', 'doneP99Ms') }],
        },
      ],
    );
  }
  return out;
}
