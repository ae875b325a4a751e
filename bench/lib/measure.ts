// Synchronous micro-benchmark loop: warm-up, then N timed repeats; median and spread of the
// repeats, CPU time per op, and (optionally) per-op latency percentiles.

/** How long to run. */
export interface MeasureOptions {
  /** Warm-up time before the first repeat (JIT, caches). */
  readonly warmupMs: number;
  /** Length of each timed repeat. */
  readonly repeatMs: number;
  /** Timed repeats (≥ 3). */
  readonly repeats: number;
  /** Time each op individually for latency percentiles (only for ops well above timer resolution). */
  readonly latency?: boolean;
}

/** What {@link measure} found. */
export interface Measurement {
  /** Median over the repeats. */
  readonly opsPerSec: number;
  /** Slowest repeat. */
  readonly opsPerSecMin: number;
  /** Fastest repeat. */
  readonly opsPerSecMax: number;
  /** Timed repeats. */
  readonly repeats: number;
  /** Process CPU time (user + system) per op over all repeats, µs. */
  readonly cpuUsPerOp: number;
  /** Per-op latency percentiles, ms (null unless `latency` was asked for). */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly p999Ms: number | null;
  /** RSS at the end, MB. */
  readonly rssMb: number;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The q-quantile (0..1) of a sorted list, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** A sink that keeps results alive so the optimiser cannot drop the work. */
export let blackhole: unknown;

/** Run `op` repeatedly as {@link MeasureOptions} says. */
export function measure(op: () => unknown, opts: MeasureOptions): Measurement {
  if (opts.repeats < 3) throw new RangeError('at least 3 repeats');
  const warmEnd = performance.now() + opts.warmupMs;
  while (performance.now() < warmEnd) for (let i = 0; i < 8; i++) blackhole = op();

  const rates: number[] = [];
  const latencies: number[] = [];
  let ops = 0;
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < opts.repeats; r++) {
    const { n, elapsedMs } = timedLoop(op, opts.repeatMs, opts.latency ? latencies : null);
    rates.push((n * 1000) / elapsedMs);
    ops += n;
  }
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  return {
    opsPerSec: median(rates),
    opsPerSecMin: Math.min(...rates),
    opsPerSecMax: Math.max(...rates),
    repeats: rates.length,
    cpuUsPerOp: (cpu.user + cpu.system) / ops,
    p50Ms: opts.latency ? quantile(latencies, 0.5) : null,
    p99Ms: opts.latency ? quantile(latencies, 0.99) : null,
    p999Ms: opts.latency ? quantile(latencies, 0.999) : null,
    rssMb: Math.round(process.memoryUsage.rss() / 2 ** 20),
  };
}

/**
 * Run `op` for `ms`: how many times it ran and for how long. With `latencies`, each op's time is
 * pushed there (one clock read per op); without, the clock is read every 64 ops (cheap ops would
 * otherwise measure performance.now()).
 */
function timedLoop(op: () => unknown, ms: number, latencies: number[] | null): { n: number; elapsedMs: number } {
  let n = 0;
  const t0 = performance.now();
  const end = t0 + ms;
  let now = t0;
  if (latencies !== null) {
    while (now < end) {
      blackhole = op();
      const t = performance.now();
      latencies.push(t - now);
      now = t;
      n++;
    }
  } else {
    while (now < end) {
      for (let i = 0; i < 64; i++) blackhole = op();
      n += 64;
      now = performance.now();
    }
  }
  return { n, elapsedMs: now - t0 };
}

/** One timed repeat of {@link timeOnce}. */
export interface Repeat {
  readonly opsPerSec: number;
  /** Process CPU time (user + system) per op, µs. */
  readonly cpuUsPerOp: number;
  /** Per-op latency percentiles, ms (null unless asked for). */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

/** Run `op` for `ms` once, as one repeat of {@link measure} does (for runs interleaved across contestants). */
export function timeOnce(op: () => unknown, ms: number, latency = false): Repeat {
  const latencies: number[] = [];
  const cpu0 = process.cpuUsage();
  const { n, elapsedMs } = timedLoop(op, ms, latency ? latencies : null);
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  return {
    opsPerSec: (n * 1000) / elapsedMs,
    cpuUsPerOp: (cpu.user + cpu.system) / n,
    p50Ms: latency ? quantile(latencies, 0.5) : null,
    p99Ms: latency ? quantile(latencies, 0.99) : null,
  };
}

/** Run `op` for `ms` without recording anything (JIT warm-up). */
export function warmUp(op: () => unknown, ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) for (let i = 0; i < 8; i++) blackhole = op();
}
