const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** Values are kept in microseconds; bucket 0 holds everything below 1 µs. */
const MAX_BUCKET = 3_000;

export interface HistogramData {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Sparse [bucket, count] pairs. */
  buckets: Array<[number, number]>;
}

function bucketOf(ms: number): number {
  const us = ms * 1000;
  if (!(us >= 1)) return 0;
  return Math.min(MAX_BUCKET, 1 + Math.floor(Math.log(us) / LOG_GROWTH));
}

/** The middle of a bucket, in milliseconds. */
function bucketValue(bucket: number): number {
  if (bucket === 0) return 0;
  return Math.exp((bucket - 1 + 0.5) * LOG_GROWTH) / 1000;
}

/**
 * A log-bucketed latency histogram: about 1 % relative precision, mergeable across processes, and small
 * enough to send over IPC however many values it holds (the raw values never leave the generator).
 */
export class Histogram {
  private counts = new Float64Array(MAX_BUCKET + 1);
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  /** Records one value in milliseconds. */
  add(ms: number): void {
    const value = Math.max(0, ms);
    const bucket = bucketOf(value);
    this.counts[bucket] = (this.counts[bucket] ?? 0) + 1;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  merge(data: HistogramData): this {
    if (data.count === 0) return this;
    for (const [bucket, n] of data.buckets) this.counts[bucket] = (this.counts[bucket] ?? 0) + n;
    this.count += data.count;
    this.sum += data.sum;
    this.min = Math.min(this.min, data.min);
    this.max = Math.max(this.max, data.max);
    return this;
  }

  /** The value at percentile p (0–100), clamped to the exact min and max; NaN when empty. */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    if (p >= 100) return this.max;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let bucket = 0; bucket <= MAX_BUCKET; bucket++) {
      seen += this.counts[bucket] ?? 0;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, bucketValue(bucket)));
    }
    return this.max;
  }

  toJSON(): HistogramData {
    const buckets: Array<[number, number]> = [];
    for (let bucket = 0; bucket <= MAX_BUCKET; bucket++) {
      const n = this.counts[bucket] ?? 0;
      if (n > 0) buckets.push([bucket, n]);
    }
    return { count: this.count, sum: this.sum, min: this.min, max: this.max, buckets };
  }

  static from(...parts: HistogramData[]): Histogram {
    const h = new Histogram();
    for (const part of parts) h.merge(part);
    return h;
  }
}
