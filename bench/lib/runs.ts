// Interleaved runs with the machine's load recorded: contestant A run 1, B run 1, A run 2, ...
// so that drift on a shared machine hits every contestant alike; a run during which other
// processes took CPU is repeated (up to a limit), and every run keeps the load it saw.
import { formatRunLoad, isNoisy, runLoad, sampleLoad, type RunLoad } from './machine-load.js';

/** Median and range of a set of runs. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** Median, min and max of a non-empty list. */
export function spread(values: readonly number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

/** One kept run of one contestant, with the load it saw. */
export interface RunRecord<T> {
  /** Scenario (e.g. `select c256`). */
  readonly scenario: string;
  /** Contestant (driver). */
  readonly who: string;
  /** 1-based run number within the scenario. */
  readonly run: number;
  readonly value: T;
  readonly load: RunLoad;
  /** Attempts made for this run (more than 1: earlier ones were noisy and thrown away). */
  readonly attempts: number;
  /** Still above the noise limit after the last attempt (kept: the quietest attempt). */
  readonly noisy: boolean;
}

/** How {@link runInterleaved} runs and judges. */
export interface InterleaveOptions<T> {
  readonly scenario: string;
  readonly contestants: readonly string[];
  readonly runs: number;
  /** One measured run of one contestant. */
  once(who: string, run: number): Promise<T>;
  /** Our live helper processes (e.g. the responder), whose CPU is ours, not other load. */
  readonly pids: readonly number[];
  /** CPUs our processes are confined to (all when not pinned). */
  readonly cpus: readonly number[];
  /** Other load above which a run is repeated, in cores. */
  readonly maxOtherCores: number;
  /** Attempts per run at most (1: never repeat). */
  readonly maxAttempts: number;
  /** Pause before a repeat, times the attempt number (default 2000 ms): lets a passing burst of other work end. */
  readonly retryPauseMs?: number;
  /**
   * The load during the measured part only, when the run measured it itself (a load process
   * samples /proc around its measured seconds); otherwise the harness's samples around the
   * whole run (start-up and warm-up included) are used.
   */
  measuredLoad?(value: T): RunLoad | undefined;
  /** One line per kept run. */
  describe(who: string, value: T): string;
  log(line: string): void;
}

/** Run every contestant `runs` times, interleaved; returns the kept runs in the order made. */
export async function runInterleaved<T>(o: InterleaveOptions<T>): Promise<RunRecord<T>[]> {
  const out: RunRecord<T>[] = [];
  for (let run = 1; run <= o.runs; run++) {
    for (const who of o.contestants) {
      let best: { value: T; load: RunLoad } | undefined;
      let attempts = 0;
      while (attempts < o.maxAttempts) {
        attempts++;
        const before = sampleLoad(o.pids);
        const value = await o.once(who, run);
        const after = sampleLoad(o.pids);
        const load = o.measuredLoad?.(value) ?? runLoad(before, after, o.cpus);
        if (best === undefined || load.otherCores < best.load.otherCores) best = { value, load };
        if (!isNoisy(load, o.maxOtherCores)) break;
        if (attempts < o.maxAttempts) {
          o.log(`    ${o.scenario} ${who} run ${run}: other processes took ${load.otherCores.toFixed(2)} cores (limit ${o.maxOtherCores}); repeating`);
          // Give whatever else is running a moment to finish before trying again.
          await new Promise((r) => setTimeout(r, (o.retryPauseMs ?? 2000) * attempts));
        }
      }
      const rec: RunRecord<T> = { scenario: o.scenario, who, run, value: best!.value, load: best!.load, attempts, noisy: isNoisy(best!.load, o.maxOtherCores) };
      out.push(rec);
      o.log(`  ${o.scenario.padEnd(14)} run ${run} ${who.padEnd(17)} ${o.describe(who, rec.value)} | ${formatRunLoad(rec.load)}${rec.attempts > 1 ? ` (attempt ${rec.attempts})` : ''}${rec.noisy ? ' NOISY' : ''}`);
    }
  }
  return out;
}

/** Ratios of contestant `a` to `b`, run by run (run i of a over run i of b: measured side by side). */
export function pairRatios<T>(records: readonly RunRecord<T>[], a: string, b: string, metric: (v: T) => number | null): Spread | null {
  const ratios: number[] = [];
  for (const ra of records) {
    if (ra.who !== a) continue;
    const rb = records.find((r) => r.who === b && r.run === ra.run && r.scenario === ra.scenario);
    const x = metric(ra.value);
    const y = rb !== undefined ? metric(rb.value) : null;
    if (x !== null && y !== null && y !== 0 && Number.isFinite(x / y)) ratios.push(x / y);
  }
  return ratios.length > 0 ? spread(ratios) : null;
}

/** The load figures of a set of runs, for a result row. */
export function loadSummary(records: readonly RunRecord<unknown>[]): { loadAvg1Min: number; loadAvg1Max: number; otherCoresMedian: number; otherCoresMax: number; repeatedRuns: number; noisyRuns: number } {
  const la = records.flatMap((r) => [r.load.loadAvg1Before, r.load.loadAvg1After]);
  const other = spread(records.map((r) => r.load.otherCores));
  return {
    loadAvg1Min: Math.min(...la),
    loadAvg1Max: Math.max(...la),
    otherCoresMedian: other.median,
    otherCoresMax: other.max,
    repeatedRuns: records.filter((r) => r.attempts > 1).length,
    noisyRuns: records.filter((r) => r.noisy).length,
  };
}
