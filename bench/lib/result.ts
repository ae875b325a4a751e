// The result row every suite produces (issue 7 format) and the markdown table of a run.
import type { MachineInfo } from './machine.js';
import { formatMachine } from './machine.js';

/** One measured scenario of one driver. Fields that do not apply are null. */
export interface ResultRow {
  /** Suite name (bench/suites/<suite>.ts). */
  readonly suite: string;
  /** What was measured, e.g. `decode-rows-1000`. */
  readonly scenario: string;
  /** `cqlwire`, `cassandra-driver`, ... */
  readonly driver: string;
  /** Requests in flight (load suites). */
  readonly concurrency: number | null;
  /** `none`, `lz4`, ... */
  readonly compression: string | null;
  /** Offload workers (0 = decode inline). */
  readonly workers: number | null;
  /** Median over the repeats. */
  readonly opsPerSec: number | null;
  /** Rows decoded per second, where rows are the unit of work. */
  readonly rowsPerSec: number | null;
  /** Latency percentiles of one operation, ms. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly p999Ms: number | null;
  /** Process CPU time (user + system) per operation, µs. */
  readonly cpuUsPerOp: number | null;
  /** Peak resident set size, MB: the largest of the runs (each run reports its own peak). */
  readonly rssMb: number | null;
  /** Event-loop delay p99 during the run, ms. */
  readonly eventLoopP99Ms: number | null;
  /** Extra: payload throughput where bytes are the point (codec). */
  readonly mbPerSec?: number | null;
  /** Extra: slowest and fastest repeat, ops/s (the spread around the median). */
  readonly opsPerSecMin?: number | null;
  readonly opsPerSecMax?: number | null;
  /** Extra: slowest and fastest repeat, rows/s (streaming suites). */
  readonly rowsPerSecMin?: number | null;
  readonly rowsPerSecMax?: number | null;
  /** Extra: CPU of every thread of the process per operation, µs, where `cpuUsPerOp` is the main thread's (offload). */
  readonly processCpuUsPerOp?: number | null;
  /** Extra: frames decoded by offload workers in the median repeat (offload). */
  readonly offloadedFrames?: number | null;
  /** Extra: number of measured repeats. */
  readonly repeats?: number | null;
  /** Extra: driver version and negotiated protocol version (load suites). */
  readonly driverVersion?: string | null;
  readonly protocolVersion?: number | null;
  /** Extra: failed requests in the median repeat (load suites). */
  readonly errors?: number | null;
  /** Extra: free-text note (e.g. why a driver could not run). */
  readonly note?: string | null;
}

/** Round for storage: 3 decimals below 1000, integers above (measurement noise is larger). */
function round(v: number | null | undefined): number | null {
  if (v === null || v === undefined) return null;
  return Math.abs(v) >= 1000 ? Math.round(v) : Math.round(v * 1000) / 1000;
}

/** A row with every issue-7 field present, in the order (null unless given). */
export function resultRow(f: Partial<ResultRow> & Pick<ResultRow, 'suite' | 'scenario' | 'driver'>): ResultRow {
  const row: ResultRow = {
    suite: f.suite,
    scenario: f.scenario,
    driver: f.driver,
    concurrency: f.concurrency ?? null,
    compression: f.compression ?? null,
    workers: f.workers ?? null,
    opsPerSec: round(f.opsPerSec),
    rowsPerSec: round(f.rowsPerSec),
    p50Ms: round(f.p50Ms),
    p99Ms: round(f.p99Ms),
    p999Ms: round(f.p999Ms),
    cpuUsPerOp: round(f.cpuUsPerOp),
    rssMb: round(f.rssMb),
    eventLoopP99Ms: round(f.eventLoopP99Ms),
  };
  if (f.mbPerSec !== undefined) Object.assign(row, { mbPerSec: round(f.mbPerSec) });
  if (f.opsPerSecMin !== undefined) Object.assign(row, { opsPerSecMin: round(f.opsPerSecMin), opsPerSecMax: round(f.opsPerSecMax) });
  if (f.rowsPerSecMin !== undefined) Object.assign(row, { rowsPerSecMin: round(f.rowsPerSecMin), rowsPerSecMax: round(f.rowsPerSecMax) });
  if (f.processCpuUsPerOp !== undefined) Object.assign(row, { processCpuUsPerOp: round(f.processCpuUsPerOp) });
  if (f.offloadedFrames !== undefined) Object.assign(row, { offloadedFrames: f.offloadedFrames });
  if (f.repeats !== undefined) Object.assign(row, { repeats: f.repeats });
  if (f.driverVersion !== undefined) Object.assign(row, { driverVersion: f.driverVersion });
  if (f.protocolVersion !== undefined) Object.assign(row, { protocolVersion: f.protocolVersion });
  if (f.errors !== undefined) Object.assign(row, { errors: f.errors });
  if (f.note !== undefined) Object.assign(row, { note: f.note });
  return row;
}

/** The JSON file of a run. */
export interface ResultFile {
  /** Where it ran. */
  readonly machine: MachineInfo;
  /** One row per scenario and driver. */
  readonly results: readonly ResultRow[];
}

function num(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined) return '–';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return v.toFixed(digits);
}

/** Slowest and fastest repeat relative to the median, e.g. `-3.1% / +2.0%`. */
function spreadOf(median: number | null | undefined, min: number | null | undefined, max: number | null | undefined): string {
  if (median == null || min == null || max == null || median === 0) return '–';
  const lo = ((min - median) / median) * 100;
  const hi = ((max - median) / median) * 100;
  return `${lo.toFixed(1)}% / +${hi.toFixed(1)}%`;
}

function spread(r: ResultRow): string {
  return spreadOf(r.opsPerSec, r.opsPerSecMin, r.opsPerSecMax);
}

/** Markdown: the machine, then one table row per result (columns without any value are left out). */
export function toMarkdown(title: string, file: ResultFile): string {
  const cols: [string, (r: ResultRow) => string, (r: ResultRow) => unknown][] = [
    ['scenario', (r) => r.scenario, (r) => r.scenario],
    ['driver', (r) => r.driver, (r) => r.driver],
    ['version', (r) => r.driverVersion ?? '–', (r) => r.driverVersion],
    ['protocol', (r) => (r.protocolVersion != null ? `v${r.protocolVersion}` : '–'), (r) => r.protocolVersion],
    ['concurrency', (r) => num(r.concurrency), (r) => r.concurrency],
    ['compression', (r) => r.compression ?? '–', (r) => r.compression],
    ['workers', (r) => num(r.workers), (r) => r.workers],
    ['ops/s', (r) => num(r.opsPerSec), (r) => r.opsPerSec],
    ['spread (min/max vs median)', spread, (r) => r.opsPerSecMin],
    ['rows/s', (r) => num(r.rowsPerSec), (r) => r.rowsPerSec],
    ['rows/s spread (min/max vs median)', (r) => spreadOf(r.rowsPerSec, r.rowsPerSecMin, r.rowsPerSecMax), (r) => r.rowsPerSecMin],
    ['MB/s', (r) => num(r.mbPerSec, 1), (r) => r.mbPerSec],
    ['p50 ms', (r) => num(r.p50Ms, 3), (r) => r.p50Ms],
    ['p99 ms', (r) => num(r.p99Ms, 3), (r) => r.p99Ms],
    ['p99.9 ms', (r) => num(r.p999Ms, 3), (r) => r.p999Ms],
    ['CPU µs/op', (r) => num(r.cpuUsPerOp, 2), (r) => r.cpuUsPerOp],
    ['process CPU µs/op', (r) => num(r.processCpuUsPerOp, 2), (r) => r.processCpuUsPerOp],
    ['offloaded frames', (r) => num(r.offloadedFrames), (r) => r.offloadedFrames],
    ['RSS MB', (r) => num(r.rssMb), (r) => r.rssMb],
    ['event loop p99 ms', (r) => num(r.eventLoopP99Ms, 2), (r) => r.eventLoopP99Ms],
    ['errors', (r) => num(r.errors), (r) => r.errors],
    ['note', (r) => r.note ?? '', (r) => r.note],
  ];
  const used = cols.filter(([, , has]) => file.results.some((r) => has(r) !== null && has(r) !== undefined));
  const lines = [
    `# ${title}`,
    '',
    ...formatMachine(file.machine).split('\n').map((l) => `- ${l}`),
    '',
    `| ${used.map(([h]) => h).join(' | ')} |`,
    `| ${used.map(([h]) => (['scenario', 'driver', 'version', 'protocol', 'compression', 'note'].includes(h) ? '---' : '---:')).join(' | ')} |`,
    ...file.results.map((r) => `| ${used.map(([, f]) => f(r)).join(' | ')} |`),
    '',
  ];
  return lines.join('\n');
}
