// `offload` suite (issue 6): stream rows of ~1 KB and ~50 KB from the real node with compression
// none / lz4 (two texts: lorem ~200:1, words ~2:1) and 0 / 1 / 2 offload workers while the application runs a 1 ms timer
// (bench/offload/stream.ts, one process per run). rowsPerSec, main-thread CPU µs per row,
// RSS and event-loop p99. The median of 5 interleaved repeats by rows/s.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CASSANDRA_START_SECONDS, ensureCassandra, releaseCassandra } from '../lib/cassandra.js';
import { ROOT, buildCqlwire } from '../lib/load-runner.js';
import type { ResultRow } from '../lib/result.js';
import { medianByRowsPerSec, streamResultRow } from '../lib/stream-row.js';
import type { Suite, SuiteContext } from '../lib/suite.js';

const run = promisify(execFile);

interface StreamLine {
  scenario: string;
  driverVersion: string;
  protocolVersion: number;
  compression: string;
  workers: number;
  rows: number;
  rowsPerSec: number;
  cpuUsPerOp: number;
  rssMb: number;
  eventLoopP99Ms: number;
  processCpuUsPerOp: number;
  offloadedFrames: number;
}

export async function streamOnce(args: string[], dist?: string): Promise<StreamLine> {
  const env = { ...process.env, ...(dist ? { CQLWIRE_BENCH_DIST: dist } : {}) };
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/offload/stream.ts'), ...args], { cwd: ROOT, env, timeout: 30 * 60_000, maxBuffer: 1 << 22 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as StreamLine;
}

const suite: Suite = {
  name: 'offload',
  description: 'streaming large rows with 0/1/2 offload workers, compression none/lz4: throughput, main-thread CPU, event-loop p99',
  estimate(ctx) {
    // 18 settings × 5 runs; a 1M × 1 KB run streams ~1 GB (~10 s), a 40k × 50 KB run ~2 GB (~10 s), plus loading.
    const runs = ctx.quick ? 1 : 5;
    return { seconds: 2 * 9 * runs * (ctx.quick ? 6 : 15), note: `rough: 18 settings × ${runs} runs; plus ~${CASSANDRA_START_SECONDS} s to start Cassandra if none answers, and loading the tables on the first run` };
  },
  async prepare(ctx) {
    await ensureCassandra(ctx.log);
  },
  async cleanup() {
    await releaseCassandra();
  },
  driverVersions: async () => ({}),
  async run(ctx: SuiteContext): Promise<ResultRow[]> {
    const dist = await buildCqlwire(ctx.log, ctx.rev);
    const rows: ResultRow[] = [];
    const sizes: [number, number][] = ctx.quick ? [[1024, 50_000], [51_200, 2_000]] : [[1024, 1_000_000], [51_200, 40_000]];
    for (const [rowBytes, count] of sizes) {
      // `lorem` text LZ4 shrinks ~200:1 (decompression nearly free); `words` ~2:1, like prose.
      for (const [compression, text] of [['none', 'lorem'], ['lz4', 'lorem'], ['lz4', 'words']] as const) {
        // Repeats interleave the worker counts (0, 1, 2, 0, 1, 2, ...): the server drifts over
        // minutes (compaction, JIT, page cache), and blocks of one setting would carry that drift.
        const workerCounts = [0, 1, 2];
        const linesOf = workerCounts.map((): StreamLine[] => []);
        for (let i = 0; i < (ctx.quick ? 1 : 5); i++) {
          for (const [k, workers] of workerCounts.entries()) {
            linesOf[k]!.push(await streamOnce(['--rows', String(count), '--row-bytes', String(rowBytes), '--compression', compression, '--workers', String(workers), '--text', text], dist));
          }
        }
        for (const [k, workers] of workerCounts.entries()) {
          const lines = linesOf[k]!;
          const m = medianByRowsPerSec(lines);
          const scenario = `stream ${count} x ${rowBytes >= 1024 ? `${Math.round(rowBytes / 1024)}KB` : `${rowBytes}B`}${text === 'words' ? ' words' : ''}`;
          ctx.log(`  ${scenario} ${compression} workers ${workers}: ${Math.round(m.rowsPerSec)} rows/s, main CPU ${m.cpuUsPerOp.toFixed(2)} µs/row, loop p99 ${m.eventLoopP99Ms.toFixed(1)} ms`);
          rows.push(streamResultRow({ suite: 'offload', scenario, driver: 'cqlwire', compression, workers }, lines));
        }
      }
    }
    return rows;
  },
};
export default suite;
