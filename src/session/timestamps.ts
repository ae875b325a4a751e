/**
 * Makes the client-side write timestamp of each request (microseconds since the epoch). A
 * request is stamped once, so its retries and speculative executions carry the same
 * timestamp and a replayed write cannot overwrite a later one.
 */
export interface TimestampGenerator {
  /** The timestamp of the next request. */
  next(): bigint;
}

/** Options of {@link MonotonicTimestampGenerator}. */
export interface MonotonicTimestampGeneratorOptions {
  /** Wall clock in milliseconds. Default `Date.now`. */
  readonly clock?: () => number;
  /** Warn when the timestamps run ahead of the clock by more than this. Default 1000 ms. */
  readonly driftWarningThresholdMs?: number;
  /** Warn at most once per this interval while the drift lasts. Default 10000 ms. */
  readonly driftWarningIntervalMs?: number;
  /**
   * Told of the drift (ms ahead of the clock) when it is over the threshold, at most once per
   * interval. Default: a process warning of type `CqlwireTimestampDriftWarning`.
   */
  readonly onDrift?: (driftMs: number) => void;
}

/**
 * Strictly increasing microsecond timestamps from the wall clock: the clock's time, or one
 * microsecond after the previous timestamp when the clock has not moved past it (many requests
 * in one millisecond, a stalled clock, or a clock stepped back). While the clock is behind the
 * timestamps by more than the threshold, that is reported, since writes are then stamped in the
 * clock's future.
 */
export class MonotonicTimestampGenerator implements TimestampGenerator {
  // Microseconds as a double: exact below 2^53, i.e. until the year 2255.
  private last = 0;
  private lastWarning = Number.NEGATIVE_INFINITY;
  private readonly clock: () => number;
  private readonly thresholdMicros: number;
  private readonly intervalMs: number;
  private readonly onDrift: (driftMs: number) => void;

  constructor(options: MonotonicTimestampGeneratorOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.thresholdMicros = (options.driftWarningThresholdMs ?? 1000) * 1000;
    this.intervalMs = options.driftWarningIntervalMs ?? 10_000;
    this.onDrift = options.onDrift ?? warnOfDrift;
  }

  /** @inheritDoc */
  next(): bigint {
    return BigInt(this.nextMicros());
  }

  /**
   * The next timestamp as a number (exact: below 2^53): what the session sends, without making
   * a bigint per request.
   * @internal
   */
  nextMicros(): number {
    const nowMs = this.clock();
    const now = nowMs * 1000;
    let t: number;
    if (now > this.last) t = now;
    else {
      t = this.last + 1;
      if (t - now > this.thresholdMicros && nowMs - this.lastWarning >= this.intervalMs) {
        this.lastWarning = nowMs;
        this.onDrift((t - now) / 1000);
      }
    }
    this.last = t;
    return t;
  }
}

function warnOfDrift(driftMs: number): void {
  process.emitWarning(`client timestamps are ${Math.round(driftMs)} ms ahead of the clock (the clock stepped back, or more requests than microseconds); writes are stamped in the future until it catches up`, 'CqlwireTimestampDriftWarning');
}

/**
 * The write timestamp of a request: the caller's (`timestamp`), else the generator's; undefined
 * when client-side timestamps are off (the server stamps the write).
 */
export function writeTimestamp(timestamp: bigint | Date | undefined, generator: TimestampGenerator | null | undefined): bigint | number | undefined {
  if (timestamp !== undefined) return toMicros(timestamp);
  return generator instanceof MonotonicTimestampGenerator ? generator.nextMicros() : generator?.next();
}

/** Microseconds since the epoch. */
function toMicros(t: bigint | Date): bigint {
  return t instanceof Date ? BigInt(t.getTime()) * 1000n : t;
}
