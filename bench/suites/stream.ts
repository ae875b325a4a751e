// `stream` suite: one query returning 1M rows (bench.stream_rows: p int, c int, id bigint,
// payload text of ~60 bytes), every page consumed through each driver's streaming API:
// rows/s, CPU µs per row, peak RSS and event-loop p99 (bench/stream/stream-load.ts, one process
// per run). Node drivers only: the Python side of this suite is not written yet.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '../../src/index.js';
import { benchPackageVersion } from '../lib/drivers.js';
import { ROOT, buildCqlwire } from '../lib/load-runner.js';
import type { ResultRow } from '../lib/result.js';
import { medianByRowsPerSec, streamResultRow, type StreamRunLine } from '../lib/stream-row.js';
import type { Suite, SuiteContext } from '../lib/suite.js';

const run = promisify(execFile);

async function loadRows(host: string, port: number, rows: number, log: (l: string) => void): Promise<void> {
  await using client = await Client.connect({ contactPoints: [`${host}:${port}`], requestTimeoutMs: 60_000 });
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
  driverVersions: async () => ({ 'cassandra-driver': benchPackageVersion('cassandra-driver') }),
  async run(ctx: SuiteContext): Promise<ResultRow[]> {
    const [host, portText] = (process.env.CQLWIRE_CONTACT_POINTS ?? '127.0.0.1:9042').split(',')[0]!.split(':');
    const port = Number(portText ?? 9042);
    const count = ctx.quick ? 100_000 : 1_000_000;
    await loadRows(host!, port, count, ctx.log);
    const dist = await buildCqlwire(ctx.log);
    const out: ResultRow[] = [];
    for (const driver of ['cqlwire', 'cassandra-driver']) {
      const lines: StreamRunLine[] = [];
      for (let i = 0; i < (ctx.quick ? 1 : 3); i++) {
        const { stdout } = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/stream/stream-load.ts'), '--driver', driver, '--host', host!, '--port', String(port)], {
          cwd: ROOT,
          env: { ...process.env, CQLWIRE_BENCH_DIST: dist },
          timeout: 20 * 60_000,
        });
        lines.push(JSON.parse(stdout.trim().split('\n').pop()!));
      }
      const m = medianByRowsPerSec(lines);
      if (m.rows !== count) throw new Error(`${driver} streamed ${m.rows} rows, expected ${count}`);
      ctx.log(`  ${driver}: ${Math.round(m.rowsPerSec)} rows/s, ${m.cpuUsPerOp.toFixed(2)} µs/row, peak RSS ${Math.round(m.rssMb)} MB, loop p99 ${m.eventLoopP99Ms.toFixed(1)} ms`);
      out.push(streamResultRow({ suite: 'stream', scenario: `stream ${count} rows`, driver, compression: 'none', workers: driver === 'cqlwire' ? 0 : null }, lines));
    }
    return out;
  },
};
export default suite;
