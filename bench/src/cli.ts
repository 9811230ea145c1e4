import { BENCH_OPTION_SPECS, loadBenchOptions, scenariosOf } from './config.js';
import { generatorCount, runBench } from './harness.js';
import { UsageError, usage } from './options.js';
import { markdownReport } from './report/tables.js';
import { writeReport } from './report/write.js';
import { installExitHandlers, stopAll } from './util/processes.js';
import { Progress } from './util/progress.js';

/**
 * `npm run bench [-- flags]`: MPI Realtime beside a bare Socket.IO baseline, every workload, in one run.
 * Prints the tables, writes JSON, Markdown and SVG charts to bench/results/, and stops every process it
 * started, also on Ctrl-C and errors.
 */
async function main(): Promise<number> {
  let options: ReturnType<typeof loadBenchOptions>;
  try {
    options = loadBenchOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n`);
      console.error(usage('Usage: npm run bench -- [options]', BENCH_OPTION_SPECS, 'BENCH'));
      return 2;
    }
    throw error;
  }
  if (options.help) {
    console.log(usage('Usage: npm run bench -- [options]', BENCH_OPTION_SPECS, 'BENCH'));
    return 0;
  }
  const progress = new Progress(process.stderr, options.progress);
  installExitHandlers((why) => {
    progress.done();
    console.error(`\n${why}: stopping every process the benchmark started…`);
  });
  const scenarios = scenariosOf(options);
  progress.log(
    `MPI Realtime benchmark: ${scenarios.join(', ')} × ${options.targets.join(' and ')} × ${options.reps} rep(s), ${generatorCount(options)} generator processes`,
  );
  try {
    const report = await runBench(options, { progress });
    const files = await writeReport(report, options.out);
    console.log(markdownReport(report));
    console.log(`Results: ${files.json}\n         ${files.markdown}`);
    for (const chart of files.charts) console.log(`Chart:   ${chart}`);
    return 0;
  } finally {
    await stopAll();
  }
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(error);
    await stopAll();
    process.exit(1);
  },
);
