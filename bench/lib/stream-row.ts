// Result row of a streaming scenario (stream and offload suites): the median repeat by rows/s,
// peak RSS over all repeats.
import { resultRow, type ResultRow } from './result.js';

/** What a streaming run reports (bench/stream/stream-load.ts, bench/offload/stream.ts). */
export interface StreamRunLine {
  driverVersion: string;
  protocolVersion: number;
  rows: number;
  rowsPerSec: number;
  cpuUsPerOp: number;
  rssMb: number;
  /** null where the driver runs no event loop (python-driver). */
  eventLoopP99Ms: number | null;
  /** All threads' CPU per row, where cpuUsPerOp is the main thread's (offload). */
  processCpuUsPerOp?: number;
  /** Frames decoded by offload workers (offload). */
  offloadedFrames?: number;
}

/** The median repeat by rows/s. */
export function medianByRowsPerSec<T extends StreamRunLine>(lines: readonly T[]): T {
  const sorted = [...lines].sort((a, b) => a.rowsPerSec - b.rowsPerSec);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** One row for repeats of one streaming scenario. */
export function streamResultRow(
  f: { suite: string; scenario: string; driver: string; compression: string; workers: number | null },
  lines: readonly StreamRunLine[],
): ResultRow {
  const m = medianByRowsPerSec(lines);
  return resultRow({
    ...f,
    rowsPerSec: m.rowsPerSec,
    cpuUsPerOp: m.cpuUsPerOp,
    rowsPerSecMin: Math.min(...lines.map((l) => l.rowsPerSec)),
    rowsPerSecMax: Math.max(...lines.map((l) => l.rowsPerSec)),
    ...(m.processCpuUsPerOp !== undefined ? { processCpuUsPerOp: m.processCpuUsPerOp } : {}),
    ...(m.offloadedFrames !== undefined ? { offloadedFrames: m.offloadedFrames } : {}),
    rssMb: Math.max(...lines.map((l) => l.rssMb)),
    eventLoopP99Ms: m.eventLoopP99Ms,
    repeats: lines.length,
    driverVersion: m.driverVersion,
    protocolVersion: m.protocolVersion,
  });
}
