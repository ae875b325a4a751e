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
      sumMs: this.sum / 1000,
      buckets: this.cumulative(),
    };
  }

  /**
   * Cumulative counts at {@link LATENCY_BUCKETS_MS}: values in a fine bucket that straddles a
   * bound count below it when the fine bucket's upper edge is within it (≤ 1.6 % off).
   */
  private cumulative(): readonly number[] {
    const out: number[] = [];
    let seen = 0;
    let i = 0;
    for (const boundMs of LATENCY_BUCKETS_MS) {
      const bound = boundMs * 1000;
      for (; i < this.counts.length && upperBoundOf(i) <= bound; i++) seen += this.counts[i]!;
      out.push(seen);
    }
    return out;
  }

  /** Add every value of `other` (windowed sums). */
  add(other: LatencyHistogram): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
    this.sum += other.sum;
    if (other.max > this.max) this.max = other.max;
  }

  /** Forget every recorded value. */
  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.max = 0;
    this.sum = 0;
  }
}

/**
 * Upper bounds (milliseconds) of the cumulative latency buckets in {@link LatencySnapshot}
 * `buckets` and of the Prometheus histograms; `+Inf` is `count`.
 */
export const LATENCY_BUCKETS_MS: readonly number[] = [0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

const WINDOW_SLOTS = 6;
const SLOT_MS = 10_000;

/**
 * Latency of the last minute: six 10-second histograms, the oldest replaced as time moves on
 * (a snapshot covers the last 50–60 s). Kept for the whole client only (about 110 KiB).
 */
export class WindowedHistogram {
  private readonly slots: LatencyHistogram[] = [];
  private readonly epochs = new Float64Array(WINDOW_SLOTS).fill(-1);

  /** Record one latency in microseconds at time `nowMs` (performance.now()). */
  record(micros: number, nowMs: number): void {
    const epoch = Math.floor(nowMs / SLOT_MS);
    const i = epoch % WINDOW_SLOTS;
    let slot = this.slots[i];
    if (slot === undefined) slot = this.slots[i] = new LatencyHistogram();
    if (this.epochs[i] !== epoch) {
      slot.reset();
      this.epochs[i] = epoch;
    }
    slot.record(micros);
  }

  /** Summary of the last minute at time `nowMs`. */
  snapshot(nowMs: number): LatencySnapshot {
    const epoch = Math.floor(nowMs / SLOT_MS);
    const sum = new LatencyHistogram();
    for (let i = 0; i < WINDOW_SLOTS; i++) {
      const slot = this.slots[i];
      if (slot !== undefined && epoch - this.epochs[i]! < WINDOW_SLOTS) sum.add(slot);
    }
    return sum.snapshot();
  }
}

function bucketOf(v: number): number {
  if (v < SUB_BUCKETS) return Math.floor(v); // exact below 64 µs
  if (v < 0x8000_0000) {
    // The usual case, on integers (it runs for every request): the exponent from the leading
    // zeros, the sub-bucket from the next SUB_BUCKET_BITS bits; equal to the general formula.
    const n = v | 0;
    const exponent = 31 - Math.clz32(n);
    return (exponent - SUB_BUCKET_BITS + 1) * SUB_BUCKETS + (n >>> (exponent - SUB_BUCKET_BITS)) - SUB_BUCKETS;
  }
  const e = Math.min(Math.floor(Math.log2(v)), MAX_EXPONENT);
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
  /** Sum of every value (Prometheus `_sum`). */
  readonly sumMs: number;
  /** Cumulative counts of values ≤ each bound of {@link LATENCY_BUCKETS_MS}, in order. */
  readonly buckets: readonly number[];
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
  /** Latency of the last minute, when this scope keeps one (the whole client does). */
  readonly recent: WindowedHistogram | undefined;

  /** @param windowed keep the last minute's latency too. */
  constructor(windowed = false) {
    this.recent = windowed ? new WindowedHistogram() : undefined;
  }

  /** Record a success with its latency in microseconds, ended at `nowMs` (performance.now()). */
  recordSuccess(micros: number, nowMs: number = performance.now()): void {
    this.completed++;
    this.latency.record(micros);
    if (this.recent !== undefined) this.recent.record(micros, nowMs);
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
      ...(this.recent === undefined ? {} : { recentLatency: this.recent.snapshot(performance.now()) }),
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
  /** Latency of successful requests in the last minute (the client's totals only). */
  readonly recentLatency?: LatencySnapshot;
}

/** Metrics of the whole client and of each host. */
export interface MetricsSnapshot {
  /** Totals for the client. */
  readonly session: RequestMetricsSnapshot;
  /** Per host, keyed by `address:port`. */
  readonly hosts: Readonly<Record<string, HostMetricsSnapshot>>;
}

/** One host's counters and latency, and its load at the moment of the snapshot. */
export interface HostMetricsSnapshot extends RequestMetricsSnapshot {
  /** Requests sent and not yet answered, over the host's connections (stream ids in use). */
  readonly inFlight: number;
  /** Requests waiting for a free stream id, over the host's connections (the queue depth). */
  readonly queued: number;
  /** Open connections. */
  readonly connections: number;
}
