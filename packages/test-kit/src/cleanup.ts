import { onTestFinished, TestRunner } from 'vitest';

/** Collects cleanups and runs them (last first); one failing cleanup does not stop the others. */
export class Cleanup {
  #tasks: Array<() => unknown> = [];

  add<T>(value: T, task: (value: T) => unknown): T {
    this.#tasks.push(() => task(value));
    return value;
  }

  async run(): Promise<void> {
    const tasks = this.#tasks.reverse();
    this.#tasks = [];
    for (const task of tasks) {
      try {
        await task();
      } catch (error) {
        console.error('cleanup failed:', error);
      }
    }
  }
}

/** What `disposeAfter` could not attach to a test: run at the end of the test file (setup.ts). */
const leftovers = new Cleanup();

/**
 * Runs `dispose` after the current test (after its `afterEach` hooks) when called in a test or a
 * `beforeEach`; anywhere else (a suite's body, `beforeAll`, the top of the file) after the test file.
 */
export function disposeAfter(dispose: () => unknown): void {
  if (TestRunner.getCurrentTest()) onTestFinished(async () => void (await dispose()));
  else leftovers.add(dispose, (task) => task());
}

/** Runs what `disposeAfter` kept for the end of the file; setup.ts registers it as the file's last `afterAll`. */
export function disposeLeftovers(): Promise<void> {
  return leftovers.run();
}
