import type { Comparison, Goal, ScenarioReport } from './report/bench-report.js';

/** What the table shows for each workload; goals from the issue. */
export const GOALS: Goal[] = [
  {
    scenario: 'w1',
    metric: 'connPerSec',
    label: 'connections/s',
    unit: '/s',
    digits: 0,
    better: 'higher',
    ratioMin: 0.7,
    reference: 4_200,
  },
  {
    scenario: 'w1',
    metric: 'rssPerConnKiB',
    label: 'server RSS per connection',
    unit: 'KiB',
    digits: 1,
    better: 'lower',
    ratioMax: 1.5,
    reference: 17.5,
  },
  {
    scenario: 'w1',
    metric: 'serverCpuUsPerConn',
    label: 'server CPU per connection',
    unit: 'µs',
    digits: 0,
    better: 'lower',
  },
  {
    scenario: 'w1',
    metric: 'connectP99Ms',
    label: 'connect + setup p99',
    unit: 'ms',
    digits: 1,
    better: 'lower',
  },
  {
    scenario: 'w2-paced',
    metric: 'msgPerSec',
    label: 'messages/s received',
    unit: '/s',
    digits: 0,
    better: 'higher',
  },
  {
    scenario: 'w2-paced',
    metric: 'serverCpuUsPerMsg',
    label: 'server CPU per message',
    unit: 'µs',
    digits: 0,
    better: 'lower',
  },
  {
    scenario: 'w2-paced',
    metric: 'recvP50Ms',
    label: 'send→receive p50',
    unit: 'ms',
    digits: 1,
    better: 'lower',
  },
  {
    scenario: 'w2-paced',
    metric: 'recvP99Ms',
    label: 'send→receive p99',
    unit: 'ms',
    digits: 1,
    better: 'lower',
    ratioMax: 1.5,
  },
  {
    scenario: 'w2-paced',
    metric: 'recvMaxMs',
    label: 'send→receive max',
    unit: 'ms',
    digits: 1,
    better: 'lower',
  },
  {
    scenario: 'w2-paced',
    metric: 'deliveredP50Ms',
    label: 'send→delivered p50',
    unit: 'ms',
    digits: 1,
    better: 'lower',
  },
  {
    scenario: 'w2-paced',
    metric: 'deliveredP99Ms',
    label: 'send→delivered p99',
    unit: 'ms',
    digits: 1,
    better: 'lower',
  },
  {
    scenario: 'w2-paced',
    metric: 'deliveredMaxMs',
    label: 'send→delivered max',
    unit: 'ms',
    digits: 1,
    better: 'lower',
  },
  {
    scenario: 'w2-saturate',
    metric: 'msgPerSec',
    label: 'messages/s received',
    unit: '/s',
    digits: 0,
    better: 'higher',
    ratioMin: 0.7,
    reference: 64_000,
  },
  {
    scenario: 'w2-saturate',
    metric: 'serverCpuUsPerMsg',
    label: 'server CPU per message',
    unit: 'µs',
    digits: 0,
    better: 'lower',
  },
  {
    scenario: 'w2-saturate',
    metric: 'deliveredPerSec',
    label: 'message_delivered/s',
    unit: '/s',
    digits: 0,
    better: 'higher',
  },
  {
    scenario: 'w2-saturate',
    metric: 'recvP50Ms',
    label: 'send→receive p50',
    unit: 'ms',
    digits: 1,
    better: 'lower',
  },
  {
    scenario: 'w2-saturate',
    metric: 'recvP99Ms',
    label: 'send→receive p99',
    unit: 'ms',
    digits: 1,
    better: 'lower',
  },
  {
    scenario: 'w2-saturate',
    metric: 'recvMaxMs',
    label: 'send→receive max',
    unit: 'ms',
    digits: 1,
    better: 'lower',
  },
  {
    scenario: 'w2-saturate',
    metric: 'deliveredP50Ms',
    label: 'send→delivered p50',
    unit: 'ms',
    digits: 1,
    better: 'lower',
  },
  {
    scenario: 'w2-saturate',
    metric: 'deliveredP99Ms',
    label: 'send→delivered p99',
    unit: 'ms',
    digits: 1,
    better: 'lower',
  },
  {
    scenario: 'w2-saturate',
    metric: 'deliveredMaxMs',
    label: 'send→delivered max',
    unit: 'ms',
    digits: 1,
    better: 'lower',
  },
  {
    scenario: 'w3-paced',
    metric: 'deliveriesPerSec',
    label: 'deliveries/s',
    unit: '/s',
    digits: 0,
    better: 'higher',
  },
  {
    scenario: 'w3-paced',
    metric: 'serverCpuUsPerDelivery',
    label: 'server CPU per delivery',
    unit: 'µs',
    digits: 2,
    better: 'lower',
    ratioMax: 1.25,
  },
  {
    scenario: 'w3-paced',
    metric: 'latencyP50Ms',
    label: 'POST→arrival p50',
    unit: 'ms',
    digits: 1,
    better: 'lower',
  },
  {
    scenario: 'w3-paced',
    metric: 'latencyP99Ms',
    label: 'POST→arrival p99',
    unit: 'ms',
    digits: 1,
    better: 'lower',
  },
  {
    scenario: 'w3-paced',
    metric: 'latencyMaxMs',
    label: 'POST→arrival max',
    unit: 'ms',
    digits: 1,
    better: 'lower',
  },
  {
    scenario: 'w3-paced',
    metric: 'accepted',
    label: 'notifications stored',
    unit: 'POST 2xx',
    digits: 0,
    better: 'higher',
  },
  {
    scenario: 'w3-saturate',
    metric: 'deliveriesPerSec',
    label: 'deliveries/s',
    unit: '/s',
    digits: 0,
    better: 'higher',
    ratioMin: 1.0,
    reference: 124_000,
  },
  {
    scenario: 'w3-saturate',
    metric: 'serverCpuUsPerDelivery',
    label: 'server CPU per delivery',
    unit: 'µs',
    digits: 2,
    better: 'lower',
  },
  {
    scenario: 'w3-saturate',
    metric: 'latencyP50Ms',
    label: 'POST→arrival p50',
    unit: 'ms',
    digits: 1,
    better: 'lower',
  },
  {
    scenario: 'w3-saturate',
    metric: 'latencyP99Ms',
    label: 'POST→arrival p99',
    unit: 'ms',
    digits: 1,
    better: 'lower',
  },
  {
    scenario: 'w3-saturate',
    metric: 'latencyMaxMs',
    label: 'POST→arrival max',
    unit: 'ms',
    digits: 1,
    better: 'lower',
  },
  {
    scenario: 'w3-saturate',
    metric: 'accepted',
    label: 'notifications stored',
    unit: 'POST 2xx',
    digits: 0,
    better: 'higher',
  },
  {
    scenario: 'w4',
    metric: 'catchUpSeconds',
    label: 'all reconnected and caught up',
    unit: 's',
    digits: 2,
    better: 'lower',
    serverMax: 15,
  },
  {
    scenario: 'w4',
    metric: 'doneP50Ms',
    label: 'per client: reconnect→caught up p50',
    unit: 'ms',
    digits: 0,
    better: 'lower',
  },
  {
    scenario: 'w4',
    metric: 'doneP99Ms',
    label: 'per client: reconnect→caught up p99',
    unit: 'ms',
    digits: 0,
    better: 'lower',
  },
];

/** `1` → `1.0×`, `0.7` → `0.7×`, `1.25` → `1.25×`, as the issue writes its goals. */
const times = (ratio: number) => `${Number.isInteger(ratio) ? ratio.toFixed(1) : ratio}×`;

export function compare(scenarios: ScenarioReport[]): Comparison[] {
  const rows: Comparison[] = [];
  for (const goal of GOALS) {
    const scenario = scenarios.find((s) => s.id === goal.scenario);
    if (!scenario) continue;
    const relay = scenario.targets.relay?.metrics[goal.metric];
    const baseline = scenario.targets.baseline?.metrics[goal.metric];
    const server = scenario.targets.server?.metrics[goal.metric];
    const row: Comparison = { ...goal };
    if (relay && relay.n > 0 && Number.isFinite(relay.median)) row.relay = relay;
    if (baseline && baseline.n > 0) row.baseline = baseline;
    if (server && server.n > 0) row.server = server;
    if (row.baseline && row.server && row.baseline.median !== 0)
      row.ratio = row.server.median / row.baseline.median;
    if (row.relay && row.server && row.relay.median !== 0)
      row.relayRatio = row.server.median / row.relay.median;
    if (goal.ratioMin !== undefined) row.goal = `≥ ${times(goal.ratioMin)} baseline`;
    if (goal.ratioMax !== undefined) row.goal = `≤ ${times(goal.ratioMax)} baseline`;
    if (goal.serverMax !== undefined) row.goal = `≤ ${goal.serverMax} ${goal.unit}`;
    if (row.goal) {
      if (goal.serverMax !== undefined) {
        const serverSummary = scenario.targets.server;
        const allDone = serverSummary?.reps.every((r) =>
          Number.isFinite(r.outcome?.metrics[goal.metric] ?? Number.NaN),
        );
        if (!serverSummary || serverSummary.skipped) row.pending = serverSummary?.skipped ?? 'server not run';
        else row.met = Boolean(allDone && row.server && row.server.max <= goal.serverMax);
      } else if (row.ratio === undefined) {
        row.pending =
          scenario.targets.server?.skipped ?? scenario.targets.baseline?.skipped ?? 'needs both targets';
      } else if (goal.ratioMin !== undefined) row.met = row.ratio >= goal.ratioMin;
      else if (goal.ratioMax !== undefined) row.met = row.ratio <= goal.ratioMax;
    }
    rows.push(row);
  }
  return rows;
}
