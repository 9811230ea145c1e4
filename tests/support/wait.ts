/** Small test utilities shared by every package's tests. */

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `predicate` every 10 ms until it holds, or throws after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

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
