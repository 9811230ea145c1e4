/**
 * When a periodic job that failed may run again: `baseMs` after the first failure, doubling up to
 * `maxMs`, and at once again after a success. A job whose database is down then neither hammers it nor
 * floods the log, and resumes soon after it returns.
 */
export class RetryBackoff {
  #failures = 0;
  #nextAt = 0;

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the job may run now. */
  get due(): boolean {
    return this.now() >= this.#nextAt;
  }

  /** Failures since the last success. */
  get failures(): number {
    return this.#failures;
  }

  /** Records a failure; returns the delay before the next attempt. */
  failed(): number {
    this.#failures++;
    const delay = Math.min(this.baseMs * 2 ** (this.#failures - 1), this.maxMs);
    this.#nextAt = this.now() + delay;
    return delay;
  }

  /** Records a success; returns how many failures it ended. */
  succeeded(): number {
    const ended = this.#failures;
    this.#failures = 0;
    this.#nextAt = 0;
    return ended;
  }
}
