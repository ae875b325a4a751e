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
  /** Extra: failed requests (load suites; the client suite counts them over all its runs, the others in the median repeat). */
  readonly errors?: number | null;
  /** Extra: free-text note (e.g. why a driver could not run). */
  readonly note?: string | null;
  /** Extra: range of CPU µs/op and of p99 over the runs (the median is `cpuUsPerOp` / `p99Ms`). */
  readonly cpuUsPerOpMin?: number | null;
  readonly cpuUsPerOpMax?: number | null;
  readonly p99MsMin?: number | null;
  readonly p99MsMax?: number | null;
  /** Extra: 1-minute load average, lowest and highest seen at the start or end of a run. */
  readonly loadAvg1Min?: number | null;
  readonly loadAvg1Max?: number | null;
  /** Extra: CPU other processes took on our CPUs during the runs, in cores: median and worst run. */
  readonly otherCoresMedian?: number | null;
  readonly otherCoresMax?: number | null;
  /** Extra: runs repeated because of other load, and runs still above the limit after the last attempt. */
  readonly repeatedRuns?: number | null;
  readonly noisyRuns?: number | null;
  /** Extra: CPUs the measured process was allowed on, read back from /proc (the pinning in effect). */
  readonly cpus?: string | null;
}

/** How a suite's runs were made: printed with the results and stored in the JSON file. */
export interface RunSetup {
  /** The command that produced the file. */
  readonly command: string;
  /** Pinning as planned and as read back, or why there was none. */
  readonly pinning: string;
  /** Interleaved runs per contestant and scenario. */
  readonly runs: number;
  /** Length of one measured run, s. */
  readonly seconds: number;
  /** Other load (cores, on our CPUs) above which a run was repeated. */
  readonly maxOtherCores: number;
  /** Attempts per run at most. */
  readonly maxAttempts: number;
  /** Anything else a reader needs (driver settings changed from defaults, ...). */
  readonly notes: readonly string[];
}

/** Median and range of the run-by-run ratios of two contestants. */
export interface RatioSpread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** `a` against `b` in one scenario, each ratio taken run by run (run i of a / run i of b). */
export interface RatioRow {
  readonly scenario: string;
  readonly a: string;
  readonly b: string;
  readonly opsPerSec: RatioSpread | null;
  readonly cpuUsPerOp: RatioSpread | null;
  readonly p99Ms: RatioSpread | null;
}

/** One kept run, with the load it saw. */
export interface RunRow {
  readonly scenario: string;
  readonly driver: string;
  readonly run: number;
  readonly attempts: number;
  readonly noisy: boolean;
  readonly opsPerSec: number;
  readonly cpuUsPerOp: number;
  readonly p99Ms: number | null;
  readonly loadAvg1Before: number;
  readonly loadAvg1After: number;
  /** Busy share of each of our CPUs, %. */
  readonly cpuBusyPct: Readonly<Record<string, number>>;
  readonly ownCores: number;
  readonly irqCores: number;
  readonly otherCores: number;
  readonly otherMachineCores: number;
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
  if (f.cpuUsPerOpMin !== undefined) Object.assign(row, { cpuUsPerOpMin: round(f.cpuUsPerOpMin), cpuUsPerOpMax: round(f.cpuUsPerOpMax) });
  if (f.p99MsMin !== undefined) Object.assign(row, { p99MsMin: round(f.p99MsMin), p99MsMax: round(f.p99MsMax) });
  if (f.loadAvg1Min !== undefined) Object.assign(row, { loadAvg1Min: f.loadAvg1Min, loadAvg1Max: f.loadAvg1Max });
  if (f.otherCoresMedian !== undefined) Object.assign(row, { otherCoresMedian: f.otherCoresMedian, otherCoresMax: f.otherCoresMax });
  if (f.repeatedRuns !== undefined) Object.assign(row, { repeatedRuns: f.repeatedRuns, noisyRuns: f.noisyRuns ?? 0 });
  if (f.cpus !== undefined) Object.assign(row, { cpus: f.cpus });
  return row;
}

/** The JSON file of a run. */
export interface ResultFile {
  /** Where it ran. */
  readonly machine: MachineInfo;
  /** One row per scenario and driver. */
  readonly results: readonly ResultRow[];
  /** How the runs were made (suites with interleaved, load-checked runs). */
  readonly setup?: RunSetup;
  /** Run-by-run ratios between the first contestant and each other one. */
  readonly ratios?: readonly RatioRow[];
  /** Every kept run with the machine's load during it. */
  readonly runs?: readonly RunRow[];
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
    ['p99 ms min–max', (r) => range(r.p99MsMin, r.p99MsMax, 3), (r) => r.p99MsMin],
    ['p99.9 ms', (r) => num(r.p999Ms, 3), (r) => r.p999Ms],
    ['CPU µs/op', (r) => num(r.cpuUsPerOp, 2), (r) => r.cpuUsPerOp],
    ['CPU µs/op min–max', (r) => range(r.cpuUsPerOpMin, r.cpuUsPerOpMax, 2), (r) => r.cpuUsPerOpMin],
    ['process CPU µs/op', (r) => num(r.processCpuUsPerOp, 2), (r) => r.processCpuUsPerOp],
    ['offloaded frames', (r) => num(r.offloadedFrames), (r) => r.offloadedFrames],
    ['RSS MB', (r) => num(r.rssMb), (r) => r.rssMb],
    ['event loop p99 ms', (r) => num(r.eventLoopP99Ms, 2), (r) => r.eventLoopP99Ms],
    ['errors', (r) => num(r.errors), (r) => r.errors],
    ['CPUs (read back)', (r) => r.cpus ?? '–', (r) => r.cpus],
    ['load avg 1 min', (r) => range(r.loadAvg1Min, r.loadAvg1Max, 2), (r) => r.loadAvg1Min],
    ['other processes, cores (median / worst run)', (r) => (r.otherCoresMedian == null ? '–' : `${r.otherCoresMedian.toFixed(2)} / ${(r.otherCoresMax ?? 0).toFixed(2)}`), (r) => r.otherCoresMedian],
    ['runs repeated / still noisy', (r) => (r.repeatedRuns == null ? '–' : `${r.repeatedRuns} / ${r.noisyRuns ?? 0}`), (r) => r.repeatedRuns],
    ['note', (r) => r.note ?? '', (r) => r.note],
  ];
  const used = cols.filter(([, , has]) => file.results.some((r) => has(r) !== null && has(r) !== undefined));
  const lines = [
    `# ${title}`,
    '',
    ...formatMachine(file.machine).split('\n').map((l) => `- ${l}`),
    '',
    `| ${used.map(([h]) => h).join(' | ')} |`,
    `| ${used.map(([h]) => (['scenario', 'driver', 'version', 'protocol', 'compression', 'note', 'CPUs (read back)'].includes(h) ? '---' : '---:')).join(' | ')} |`,
    ...file.results.map((r) => `| ${used.map(([, f]) => f(r)).join(' | ')} |`),
    '',
  ];
  if (file.setup !== undefined) lines.splice(lines.indexOf('', 2), 0, ...setupLines(file.setup).map((l) => `- ${l}`));
  if (file.ratios !== undefined && file.ratios.length > 0) lines.push(...ratioTable(file.ratios), '');
  if (file.runs !== undefined && file.runs.length > 0) lines.push(...runTable(file.runs), '');
  return lines.join('\n');
}

function range(min: number | null | undefined, max: number | null | undefined, digits: number): string {
  if (min == null || max == null) return '–';
  return `${num(min, digits)}–${num(max, digits)}`;
}

/** The setup as lines (markdown list items without the dash, console lines). */
export function setupLines(s: RunSetup): string[] {
  return [
    `command: \`${s.command}\``,
    `pinning: ${s.pinning}`,
    `runs: ${s.runs} per driver and scenario, interleaved across drivers, ${s.seconds} s each; a run during which other processes took more than ${s.maxOtherCores} cores of our CPUs was repeated (at most ${s.maxAttempts} attempts, the quietest kept)`,
    ...s.notes,
  ];
}

const ratio = (r: RatioSpread | null, digits = 2): string => (r === null ? '–' : `${r.median.toFixed(digits)} (${r.min.toFixed(digits)}–${r.max.toFixed(digits)})`);

/** Ratios table: median of the run-by-run ratios, and their range. */
export function ratioTable(ratios: readonly RatioRow[]): string[] {
  return [
    '| scenario | ratio | ops/s | CPU µs/op | p99 ms |',
    '| --- | --- | ---: | ---: | ---: |',
    ...ratios.map((r) => `| ${r.scenario} | ${r.a} / ${r.b} | ${ratio(r.opsPerSec)} | ${ratio(r.cpuUsPerOp)} | ${ratio(r.p99Ms)} |`),
  ];
}

function runTable(runs: readonly RunRow[]): string[] {
  const cpus = [...new Set(runs.flatMap((r) => Object.keys(r.cpuBusyPct)))];
  return [
    `| scenario | run | driver | ops/s | CPU µs/op | p99 ms | attempts | load avg before→after | busy ${cpus.join(' / ')} % | ours / irq / other cores |`,
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | --- | --- | --- |',
    ...runs.map(
      (r) =>
        `| ${r.scenario} | ${r.run} | ${r.driver} | ${num(r.opsPerSec)} | ${num(r.cpuUsPerOp, 2)} | ${num(r.p99Ms, 3)} | ${r.attempts}${r.noisy ? ' (noisy)' : ''} | ` +
        `${r.loadAvg1Before.toFixed(2)}→${r.loadAvg1After.toFixed(2)} | ${cpus.map((c) => (r.cpuBusyPct[c] ?? 0).toFixed(0)).join(' / ')} | ${r.ownCores.toFixed(2)} / ${r.irqCores.toFixed(2)} / ${r.otherCores.toFixed(2)} |`,
    ),
  ];
}
