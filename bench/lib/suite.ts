// What a benchmark suite module in bench/suites/<name>.ts exports (as `default`).
import type { ResultRow } from './result.js';

/** Passed to every suite. */
export interface SuiteContext {
  /** Short run (smoke test of the harness): fewer, shorter repeats. */
  readonly quick: boolean;
  /** Progress output (one line per scenario). */
  log(line: string): void;
}

/** A benchmark suite: one module per suite under bench/suites/. */
export interface Suite {
  readonly name: string;
  readonly description: string;
  /** Versions of the competitor drivers this suite uses (null when not installed). */
  driverVersions(): Promise<Record<string, string | null>>;
  run(ctx: SuiteContext): Promise<ResultRow[]>;
}
