// `stream` suite: one query returning 1M rows (bench.stream_rows: p int, c int, id bigint,
// payload text of ~60 bytes; 100k with --quick), every page (fetch size 5000) consumed through
// each driver's streaming API: rows/s, CPU µs per row, peak RSS and event-loop p99, one process
// per run, 3 runs per driver interleaved across drivers (1 with --quick), the median by rows/s,
// and cqlwire's run-by-run ratio to cassandra-driver.
// - cqlwire (`client.stream`) and cassandra-driver (`client.stream` readable):
//   bench/stream/stream-load.ts.
// - async-cassandra (`execute_stream` + StreamConfig(fetch_size), asyncio; loop lag from a 1 ms
//   probe task) and python-driver (the DataStax Python driver's ResultSet paging, no event loop:
//   p99 null): bench/python/stream.py in bench/.venv. Skipped, with a note, when the venv
//   cannot be set up (bench/python/setup.sh).
// Every run reads every column of every row into a checksum; all drivers must agree on it.
// Then the same for the first tenth of the rows (`LIMIT`), to show peak RSS does not grow
// with the row count.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '../../src/index.js';
import { existsSync } from 'node:fs';
import { CASSANDRA_START_SECONDS, cassandraTarget, ensureCassandra, releaseCassandra } from '../lib/cassandra.js';
import { PYTHON, ROOT, buildCqlwire, ensurePython, loadDriverVersions, pythonMissingNote } from '../lib/load-runner.js';
import { resultRow } from '../lib/result.js';
import type { ResultRow } from '../lib/result.js';
import { medianByRowsPerSec, streamResultRow, type StreamRunLine } from '../lib/stream-row.js';
import type { Suite, SuiteContext } from '../lib/suite.js';

const run = promisify(execFile);

const DRIVERS = ['cqlwire', 'cassandra-driver', 'async-cassandra', 'python-driver'] as const;
type StreamDriver = (typeof DRIVERS)[number];
const isPython = (d: StreamDriver): boolean => d === 'async-cassandra' || d === 'python-driver';

/** One line of stream-load.ts or stream.py: the fields streamResultRow reads, plus the checksum of the rows read. */
interface StreamLine extends StreamRunLine {
  checksum: number;
}

/** One run of one driver in its own process. */
async function streamOnce(driver: StreamDriver, host: string, port: number, dist: string, limit?: number): Promise<StreamLine> {
  const where = ['--driver', driver, '--host', host, '--port', String(port), ...(limit !== undefined ? ['--limit', String(limit)] : [])];
  const [cmd, argv] = isPython(driver)
    ? [PYTHON, [join(ROOT, 'bench/python/stream.py'), ...where]]
    : [process.execPath, ['--import', 'tsx', join(ROOT, 'bench/stream/stream-load.ts'), ...where]];
  const { stdout } = await run(cmd, argv, { cwd: ROOT, env: { ...process.env, CQLWIRE_BENCH_DIST: dist }, timeout: 20 * 60_000, maxBuffer: 1 << 22 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as StreamLine;
}

/** Create bench.stream_rows with `rows` rows unless bench.loaded says it has them (bench/ab.ts loads it too). */
export async function loadRows(host: string, port: number, rows: number, log: (l: string) => void): Promise<void> {
  await using client = await Client.connect({ contactPoints: [`${host}:${port}`], timeoutMs: 60_000 });
  await client.execute("CREATE KEYSPACE IF NOT EXISTS bench WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await client.execute('CREATE TABLE IF NOT EXISTS bench.stream_rows (p int, c int, id bigint, payload text, PRIMARY KEY (p, c))');
  await client.execute('CREATE TABLE IF NOT EXISTS bench.loaded (name text PRIMARY KEY, rows int)');
  const have = (await client.execute("SELECT rows FROM bench.loaded WHERE name = 'stream_rows'")).one()?.['rows'];
  if (have === rows) return;
  log(`loading ${rows} rows into bench.stream_rows ...`);
  await client.execute('TRUNCATE bench.stream_rows', [], { timeoutMs: 60_000 });
  const insert = await client.prepare('INSERT INTO bench.stream_rows (p, c, id, payload) VALUES (?, ?, ?, ?)');
  let next = 0;
  await Promise.all(
    Array.from({ length: 256 }, async () => {
      for (let i = next++; i < rows; i = next++) {
        await client.execute(insert, [i % 1000, i, BigInt(i) * 7919n, `payload ${i} `.padEnd(60, 'x')], { idempotent: true });
      }
    }),
  );
  await client.execute("INSERT INTO bench.loaded (name, rows) VALUES ('stream_rows', ?)", [rows]);
}

const suite: Suite = {
  name: 'stream',
  description: 'one query returning 1M rows, all pages consumed: rows/s, peak RSS, event-loop p99',
  estimate(ctx) {
    // 1M rows at ~100–200k rows/s plus process start, 3 runs × 4 drivers; the 100k pass is short.
    const runs = ctx.quick ? 1 : 3;
    const seconds = DRIVERS.length * runs * ((ctx.quick ? 2 : 9) + 4);
    const extra = [
      ...(existsSync(PYTHON) ? [] : ['~1 min to install the Python drivers (first run)']),
      `~${CASSANDRA_START_SECONDS} s to start Cassandra if none answers`,
      `~${ctx.quick ? 10 : 60} s to load bench.stream_rows (first run)`,
    ];
    return { seconds, note: `rough; plus ${extra.join(', ')}` };
  },
  async prepare(ctx) {
    await ensureCassandra(ctx.log);
    await ensurePython(ctx.log);
  },
  async cleanup() {
    await releaseCassandra();
  },
  driverVersions: loadDriverVersions,
  async run(ctx: SuiteContext): Promise<ResultRow[]> {
    const { host, port } = cassandraTarget();
    const count = ctx.quick ? 100_000 : 1_000_000;
    await loadRows(host, port, count, ctx.log);
    const dist = await buildCqlwire(ctx.log, ctx.rev);
    const python = await ensurePython(ctx.log);
    if (!python) ctx.log(`  async-cassandra, python-driver: skipped (${pythonMissingNote()})`);
    const out: ResultRow[] = [];
    // The full table, then its first tenth: peak RSS should not grow with the row count.
    for (const rows of [count, count / 10]) {
      let expected: { driver: string; checksum: number } | undefined;
      const drivers = DRIVERS.filter((d) => python || !isPython(d));
      for (const driver of DRIVERS) {
        if (!drivers.includes(driver)) out.push(resultRow({ suite: 'stream', scenario: `stream ${rows} rows`, driver, compression: 'none', note: pythonMissingNote() }));
      }
      // Runs interleaved across drivers: the node's drift (compaction, caches) hits each alike.
      const lines = new Map<StreamDriver, StreamLine[]>(drivers.map((d) => [d, []]));
      for (let i = 0; i < (ctx.quick ? 1 : 3); i++) {
        for (const driver of drivers) {
          const line = await streamOnce(driver, host, port, dist, rows === count ? undefined : rows);
          if (line.rows !== rows) throw new Error(`${driver} streamed ${line.rows} rows, expected ${rows}`);
          expected ??= { driver, checksum: line.checksum };
          if (line.checksum !== expected.checksum) throw new Error(`${driver} read rows with checksum ${line.checksum}, ${expected.driver} ${expected.checksum}`);
          ctx.log(`  ${rows} rows, run ${i + 1}, ${driver}: ${Math.round(line.rowsPerSec)} rows/s, ${line.cpuUsPerOp.toFixed(2)} µs/row, peak RSS ${Math.round(line.rssMb)} MB`);
          lines.get(driver)!.push(line);
        }
      }
      for (const driver of drivers) {
        const mine = lines.get(driver)!;
        const m = medianByRowsPerSec(mine);
        const loop = m.eventLoopP99Ms === null ? 'no event loop' : `loop p99 ${m.eventLoopP99Ms.toFixed(1)} ms`;
        ctx.log(`  ${rows} rows, ${driver} (median): ${Math.round(m.rowsPerSec)} rows/s, ${m.cpuUsPerOp.toFixed(2)} µs/row, peak RSS ${Math.round(m.rssMb)} MB, ${loop}`);
        // Every driver with its defaults: for cqlwire, no offload workers (decoded inline).
        out.push(streamResultRow({ suite: 'stream', scenario: `stream ${rows} rows`, driver, compression: 'none', workers: driver === 'cqlwire' ? 0 : null }, mine));
      }
      // Run-by-run ratios of cqlwire to cassandra-driver (the runs next to each other).
      const a = lines.get('cqlwire');
      const b = lines.get('cassandra-driver');
      if (a && b && a.length === b.length) {
        const ratios = a.map((x, i) => x.rowsPerSec / b[i]!.rowsPerSec).sort((x, y) => x - y);
        ctx.log(`  ${rows} rows: cqlwire/cassandra-driver rows/s run by run ${ratios.map((r) => r.toFixed(2)).join(', ')} (median ${ratios[Math.floor(ratios.length / 2)]!.toFixed(2)})`);
      }
    }
    return out;
  },
};
export default suite;
