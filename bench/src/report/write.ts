import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchReport } from './bench-report.js';
import { charts } from './svg.js';
import { markdownReport } from './tables.js';

interface WrittenFiles {
  json: string;
  markdown: string;
  charts: string[];
}

/** Writes `<stamp>.json`, `<stamp>.md` and `<stamp>-<workload>.svg` into `dir`. */
export async function writeReport(report: BenchReport, dir: string): Promise<WrittenFiles> {
  await mkdir(dir, { recursive: true });
  const stamp = report.startedAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const json = join(dir, `${stamp}.json`);
  const markdown = join(dir, `${stamp}.md`);
  await writeFile(
    json,
    `${JSON.stringify(report, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`,
  );
  await writeFile(markdown, markdownReport(report));
  const written: string[] = [];
  for (const [workload, svg] of Object.entries(charts(report))) {
    const file = join(dir, `${stamp}-${workload}.svg`);
    await writeFile(file, svg);
    written.push(file);
  }
  return { json, markdown, charts: written };
}
