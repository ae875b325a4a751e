// `real` suite: prepared single-row INSERT and SELECT by key against the real Cassandra node at
// CQLWIRE_CONTACT_POINTS (first point; default 127.0.0.1:9042), at concurrency 1, 64, 256, 1024.
// Keyspace `bench` (RF 1), table kv (key int PRIMARY KEY, value blob), keys 0..65535 filled first
// so every SELECT finds its row. The drivers' runs are interleaved (see measureLoadInterleaved).
import { existsSync } from 'node:fs';
import { Client } from '../../src/index.js';
import { CASSANDRA_START_SECONDS, cassandraAnswers, cassandraTarget, ensureCassandra, releaseCassandra } from '../lib/cassandra.js';
import { LOAD_DRIVERS, PYTHON, buildCqlwire, ensurePython, loadDriverVersions, measureLoadInterleaved, pythonMissingNote } from '../lib/load-runner.js';
import { resultRow, type ResultRow } from '../lib/result.js';
import type { Suite, SuiteContext } from '../lib/suite.js';

const KEYS = 65536;
/**
 * Runs per driver and scenario. The server's speed drifts a lot on a 2-core machine shared with
 * the client (±30 % between runs of the same driver): five interleaved runs, median reported.
 */
const REPEATS = 5;

async function prepareTable(host: string, port: number, log: (l: string) => void): Promise<void> {
  await using client = await Client.connect({ contactPoints: [`${host}:${port}`] });
  await client.execute("CREATE KEYSPACE IF NOT EXISTS bench WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await client.execute('CREATE TABLE IF NOT EXISTS bench.kv (key int PRIMARY KEY, value blob)');
  const count = (await client.execute('SELECT count(*) FROM bench.kv', [], { timeoutMs: 60_000 })).one()?.['count'];
  if (count === BigInt(KEYS)) return;
  log(`filling bench.kv with ${KEYS} keys ...`);
  const insert = await client.prepare('INSERT INTO bench.kv (key, value) VALUES (?, ?)');
  const value = Buffer.alloc(100, 0x61);
  let next = 0;
  await Promise.all(Array.from({ length: 256 }, async () => {
    for (let k = next++; k < KEYS; k = next++) await client.execute(insert, [k, value]);
  }));
}

const suite: Suite = {
  name: 'real',
  description: 'prepared single-row INSERT and SELECT against the real Cassandra node',
  estimate(ctx) {
    const drivers = LOAD_DRIVERS.length;
    const runs = ctx.quick ? 1 : REPEATS;
    const seconds = ctx.quick ? 2 + 1 : 5 + 2;
    // ~2 s per process start (the Python ones take longer to import and connect).
    const total = 2 * (ctx.quick ? 2 : 4) * drivers * runs * (seconds + 2) + 30;
    const extra = [
      ...(existsSync(PYTHON) ? [] : ['~1 min to install the Python drivers (first run)']),
      `~${CASSANDRA_START_SECONDS} s to start Cassandra if none answers`,
      '~30 s to fill bench.kv (first run)',
    ];
    return { seconds: total, note: `${drivers} drivers × 2 ops × ${ctx.quick ? 2 : 4} concurrencies × ${runs} interleaved runs; plus ${extra.join(', ')}` };
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
    if (!(await cassandraAnswers())) throw new Error(`no Cassandra answers on ${host}:${port}`);
    await prepareTable(host, port, ctx.log);
    const dist = await buildCqlwire(ctx.log, ctx.rev);
    const python = await ensurePython(ctx.log);
    const rows: ResultRow[] = [];
    for (const op of ['insert', 'select'] as const) {
      for (const concurrency of ctx.quick ? [1, 256] : [1, 64, 256, 1024]) {
        const drivers = LOAD_DRIVERS.filter((d) => python || (d !== 'async-cassandra' && d !== 'python-driver'));
        rows.push(
          ...(await measureLoadInterleaved(
            'real',
            `${op} c${concurrency}`,
            drivers.map((driver) => ({ driver, host, port, op, concurrency, seconds: ctx.quick ? 2 : 5, warmupSeconds: ctx.quick ? 1 : 2, cqlwireDist: dist })),
            ctx.quick ? 1 : REPEATS,
            ctx.log,
          )),
        );
        for (const driver of LOAD_DRIVERS.filter((d) => !drivers.includes(d))) {
          rows.push(resultRow({ suite: 'real', scenario: `${op} c${concurrency}`, driver, concurrency, compression: 'none', note: pythonMissingNote() }));
        }
      }
    }
    return rows;
  },
};
export default suite;
