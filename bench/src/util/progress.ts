/**
 * One status line on stderr while the benchmark runs: rewritten in place on a terminal, printed every few
 * seconds otherwise (CI logs). Permanent lines (`log`) go above it.
 */
export class Progress {
  private current = '';
  private lastPrinted = 0;
  private readonly tty: boolean;
  private readonly startedAt = Date.now();

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly enabled = true,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  private elapsed(): string {
    const s = Math.floor((Date.now() - this.startedAt) / 1000);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  }

  update(text: string): void {
    if (!this.enabled) return;
    const line = `[${this.elapsed()}] ${text}`;
    if (this.tty) {
      const width = this.stream.columns ?? 120;
      this.current = line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line;
      this.stream.write(`\r\x1b[K${this.current}`);
    } else if (Date.now() - this.lastPrinted >= 5_000) {
      this.lastPrinted = Date.now();
      this.stream.write(`${line}\n`);
    }
  }

  log(text: string): void {
    if (!this.enabled) return;
    if (this.tty && this.current) this.stream.write('\r\x1b[K');
    this.stream.write(`[${this.elapsed()}] ${text}\n`);
    if (this.tty && this.current) this.stream.write(this.current);
  }

  done(): void {
    if (this.enabled && this.tty && this.current) this.stream.write('\r\x1b[K');
    this.current = '';
  }
}

/** A text progress bar: `[#########-----------] 45%`. */
export function bar(fraction: number, width = 20): string {
  const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
}

export const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';
