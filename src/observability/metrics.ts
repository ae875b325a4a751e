/**
 * Request metrics: counters and a latency histogram per host and for the whole client,
 * cheap enough to stay on for every request (O(1) record, fixed memory).
 */

// Log-linear buckets: 64 sub-buckets per power of two gives ≤ ~1.6 % relative error, from
// 1 µs to ~2^36 µs (19 h), in 37 * 64 counters.
const SUB_BUCKET_BITS = 6;
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS;
const MAX_EXPONENT = 36;

/** Fixed-memory latency histogram in microseconds. */
export class LatencyHistogram {
  private readonly counts = new Float64Array((MAX_EXPONENT + 1) * SUB_BUCKETS);
  private total = 0;
  private max = 0;
  private sum = 0;

  /** Record one latency in microseconds. */
  record(micros: number): void {
    const v = micros < 1 ? 1 : micros;
    this.counts[bucketOf(v)]!++;
    this.total++;
    this.sum += v;
    if (v > this.max) this.max = v;
  }

  /** Number of values recorded. */
  get count(): number {
    return this.total;
  }

  /** Value at percentile `p` (0–100), in microseconds; 0 when empty. */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(upperBoundOf(i), this.max);
    }
    return this.max;
  }

  /** Summary in milliseconds. */
  snapshot(): LatencySnapshot {
    return {
      count: this.total,
      meanMs: this.total === 0 ? 0 : this.sum / this.total / 1000,
      p50Ms: this.percentile(50) / 1000,
      p95Ms: this.percentile(95) / 1000,
      p99Ms: this.percentile(99) / 1000,
      p999Ms: this.percentile(99.9) / 1000,
      maxMs: this.max / 1000,
    };
  }

  /** Forget every recorded value. */
  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.max = 0;
    this.sum = 0;
  }
}

function bucketOf(v: number): number {
  const exponent = Math.floor(Math.log2(v));
  if (exponent < SUB_BUCKET_BITS) return Math.floor(v); // exact below 64 µs
  const e = Math.min(exponent, MAX_EXPONENT);
  const sub = Math.floor((v / 2 ** e - 1) * SUB_BUCKETS);
  return (e - SUB_BUCKET_BITS + 1) * SUB_BUCKETS + Math.min(sub, SUB_BUCKETS - 1);
}

function upperBoundOf(bucket: number): number {
  if (bucket < SUB_BUCKETS) return bucket + 1;
  const e = Math.floor(bucket / SUB_BUCKETS) + SUB_BUCKET_BITS - 1;
  const sub = bucket % SUB_BUCKETS;
  return 2 ** e * (1 + (sub + 1) / SUB_BUCKETS);
}

/** Latency summary, milliseconds. */
export interface LatencySnapshot {
  /** Requests measured. */
  readonly count: number;
  /** Mean latency. */
  readonly meanMs: number;
  /** Median. */
  readonly p50Ms: number;
  /** 95th percentile. */
  readonly p95Ms: number;
  /** 99th percentile. */
  readonly p99Ms: number;
  /** 99.9th percentile. */
  readonly p999Ms: number;
  /** Largest value. */
  readonly maxMs: number;
}

/** Counters and latency for one scope (a host or the whole client). */
export class RequestMetrics {
  /** Requests that completed successfully. */
  completed = 0;
  /** Requests that failed (after retries), by error code. */
  readonly errors = new Map<string, number>();
  /** Requests retried by the retry policy. */
  retries = 0;
  /** Requests whose error the retry policy ignored (resolved with an empty result). */
  ignored = 0;
  /** Speculative executions started. */
  speculativeExecutions = 0;
  /** Requests that timed out client-side. */
  timeouts = 0;
  /** Connections opened. */
  connectionsOpened = 0;
  /** Connections closed. */
  connectionsClosed = 0;
  /** Latency of successful requests. */
  readonly latency = new LatencyHistogram();

  /** Record a success with its latency in microseconds. */
  recordSuccess(micros: number): void {
    this.completed++;
    this.latency.record(micros);
  }

  /** Record a failure by its error code. */
  recordError(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
    if (code === 'ERR_REQUEST_TIMEOUT') this.timeouts++;
  }

  /** Plain-object snapshot. */
  snapshot(): RequestMetricsSnapshot {
    let failed = 0;
    for (const n of this.errors.values()) failed += n;
    return {
      completed: this.completed,
      failed,
      errors: Object.fromEntries(this.errors),
      retries: this.retries,
      ignored: this.ignored,
      speculativeExecutions: this.speculativeExecutions,
      timeouts: this.timeouts,
      connectionsOpened: this.connectionsOpened,
      connectionsClosed: this.connectionsClosed,
      latency: this.latency.snapshot(),
    };
  }
}

/** Snapshot of {@link RequestMetrics}. */
export interface RequestMetricsSnapshot {
  /** Successful requests. */
  readonly completed: number;
  /** Failed requests. */
  readonly failed: number;
  /** Failures by error code. */
  readonly errors: Readonly<Record<string, number>>;
  /** Retries made. */
  readonly retries: number;
  /** Requests whose error the retry policy ignored. */
  readonly ignored: number;
  /** Speculative executions started. */
  readonly speculativeExecutions: number;
  /** Client-side timeouts. */
  readonly timeouts: number;
  /** Connections opened. */
  readonly connectionsOpened: number;
  /** Connections closed. */
  readonly connectionsClosed: number;
  /** Latency of successful requests. */
  readonly latency: LatencySnapshot;
}

/** Metrics of the whole client and of each host. */
export interface MetricsSnapshot {
  /** Totals for the client. */
  readonly session: RequestMetricsSnapshot;
  /** Per host, keyed by `address:port`. */
  readonly hosts: Readonly<Record<string, RequestMetricsSnapshot & { readonly inFlight: number; readonly connections: number }>>;
}
