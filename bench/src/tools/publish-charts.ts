import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchReport } from '../report/bench-report.js';
import { charts } from '../report/svg.js';
import { markdownReport } from '../report/tables.js';

/**
 * Re-renders the charts (and the Markdown tables) of a finished run from its JSON, e.g. into bench/charts/
 * for docs/performance.md (bench/results/ is not committed):
 *
 *   node --import tsx bench/src/tools/publish-charts.ts bench/results/<stamp>.json [dir=bench/charts]
 */
const [file, dirArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: publish-charts.ts <results.json> [dir]');
  process.exit(2);
}
const dir = dirArg ?? fileURLToPath(new URL('../../charts/', import.meta.url));
// JSON has null where a value was NaN.
const report = JSON.parse(await readFile(file, 'utf8'), (_k, v) =>
  v === null ? Number.NaN : v,
) as BenchReport;
await mkdir(dir, { recursive: true });
for (const [workload, svg] of Object.entries(charts(report))) {
  await writeFile(join(dir, `${workload}.svg`), svg);
  console.log(join(dir, `${workload}.svg`));
}
await writeFile(join(dir, 'results.md'), markdownReport(report));
console.log(join(dir, 'results.md'));
