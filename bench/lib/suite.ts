// What a benchmark suite module in bench/suites/<name>.ts exports (as `default`).
import type { RatioRow, ResultRow, RunRow, RunSetup } from './result.js';

/** Passed to every suite. */
export interface SuiteContext {
  /** Short run (smoke test of the harness): fewer, shorter repeats. */
  readonly quick: boolean;
  /** Progress output (one line per scenario). */
  log(line: string): void;
  /** `--runs`: interleaved runs per driver and scenario, where the suite takes it. */
  readonly runs?: number;
  /** `--seconds`: length of one measured run, where the suite takes it. */
  readonly seconds?: number;
  /** `--concurrency`: in-flight levels, where the suite takes it. */
  readonly concurrency?: readonly number[];
  /** `--drivers`: which drivers to compare, where the suite takes it. */
  readonly drivers?: readonly string[];
  /** `--max-other-load`: other processes' CPU (cores, on our CPUs) above which a run is repeated. */
  readonly maxOtherCores: number;
  /** `--max-attempts`: attempts per run at most. */
  readonly maxAttempts: number;
  /** `--rev`: measure cqlwire as built from this commit instead of the working tree. */
  readonly rev?: string;
  /** The command line as typed, for the results file. */
  readonly command: string;
}

/** What a suite hands back: its rows, and for load-checked suites how they were made. */
export interface SuiteOutput {
  readonly results: readonly ResultRow[];
  readonly setup?: RunSetup;
  readonly ratios?: readonly RatioRow[];
  readonly runs?: readonly RunRow[];
}

/** A benchmark suite: one module per suite under bench/suites/. */
export interface Suite {
  readonly name: string;
  readonly description: string;
  /** Roughly how long the suite runs with these options, and what may add to it (printed up front). */
  estimate(ctx: SuiteContext): { seconds: number; note?: string };
  /** Install or start what the suite needs (Python drivers, the local Cassandra) before versions are read. */
  prepare?(ctx: SuiteContext): Promise<void>;
  /** Versions of the competitor drivers this suite uses (null when not installed). */
  driverVersions(): Promise<Record<string, string | null>>;
  run(ctx: SuiteContext): Promise<ResultRow[] | SuiteOutput>;
  /** Undo what `prepare` started (e.g. stop the Cassandra it started); runs even when `run` threw. */
  cleanup?(ctx: SuiteContext): Promise<void>;
}
