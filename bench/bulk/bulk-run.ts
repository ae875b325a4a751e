// One run of the bulk suite in its own process. Prints one JSON line: rows, seconds, rows/s,
// CPU µs per row (user + system, all threads), peak RSS, a checksum of what was read.
//
//   node --import tsx bench/bulk/bulk-run.ts --case load --driver cqlwire|cassandra-driver --rows N --concurrency C
//   node --import tsx bench/bulk/bulk-run.ts --case scan --driver cqlwire-scan|cqlwire-select|cassandra-driver-ranges
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: {
    case: { type: 'string', default: 'load' },
    driver: { type: 'string', default: 'cqlwire' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9042' },
    rows: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '128' },
    parallelism: { type: 'string', default: '8' },
    'fetch-size': { type: 'string', default: '5000' },
  },
});
const ROWS = Number(a.rows);
const CONCURRENCY = Number(a.concurrency);
const PARALLELISM = Number(a.parallelism);
const FETCH = Number(a['fetch-size']);
const INSERT = 'INSERT INTO bench.bulk_load (id, v, n) VALUES (?, ?, ?)';

/** The rows of a load: generated lazily, the same for every driver. */
function* rows(): Generator<[number, string, bigint]> {
  for (let i = 0; i < ROWS; i++) yield [i, `value ${i} `.padEnd(48, 'x'), BigInt(i) * 7919n];
}

/** The part of cassandra-driver 4.x used here (installed in bench/node_modules only). */
interface CdClient {
  connect(): Promise<void>;
  shutdown(): Promise<void>;
  metadata: { getTokenRanges(): Set<{ start: { toString(): string }; end: { toString(): string }; unwrap(): { start: { toString(): string }; end: { toString(): string } }[] }> };
  eachRow(query: string, params: unknown[], options: { prepare: boolean; fetchSize: number; autoPage: boolean }, onRow: (n: number, row: Record<string, unknown>) => void, done: (err: Error | null) => void): void;
}
interface CdModule {
  Client: new (options: Record<string, unknown>) => CdClient;
  concurrent: { executeConcurrent(client: CdClient, query: string, params: Readable | unknown[][], options: { concurrencyLevel: number; prepare?: boolean }): Promise<{ totalExecuted: number; errors: Error[] }> };
  types: { Long: { fromString(s: string): unknown } };
}

function cassandraDriver(): { cd: CdModule; client: CdClient } {
  const require = createRequire(new URL('../package.json', import.meta.url));
  const cd = require('cassandra-driver') as CdModule;
  const client = new cd.Client({ contactPoints: [`${a.host}:${a.port}`], localDataCenter: 'datacenter1', protocolOptions: { port: Number(a.port) }, socketOptions: { readTimeout: 60_000 }, pooling: { heartBeatInterval: 0 }, encoding: { useBigIntAsLong: true } });
  return { cd, client };
}

async function cqlwire(): Promise<typeof import('../../src/index.js')> {
  const dist = process.env.CQLWIRE_BENCH_DIST;
  return (dist ? await import(dist) : await import('../../src/index.js')) as typeof import('../../src/index.js');
}

async function main(): Promise<void> {
  let peakRss = 0;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);
  let done = 0;
  let checksum = 0;
  const sum = (row: Record<string, unknown>): void => {
    checksum = (checksum + Number(row['c'] ?? 0) + String(row['payload'] ?? '').length) % 2 ** 32;
    done++;
  };
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  const start = (): void => {
    cpu0 = process.cpuUsage();
    t0 = performance.now();
  };
  let version = '';
  if (a.case === 'load' && a.driver === 'cqlwire') {
    const { Client, DRIVER_VERSION } = await cqlwire();
    version = DRIVER_VERSION;
    const client = await Client.connect({ contactPoints: [`${a.host}:${a.port}`], timeoutMs: 60_000, heartbeatIntervalMs: 0 });
    start();
    const r = await client.executeConcurrent(INSERT, rows(), { concurrency: CONCURRENCY });
    if (r.failed > 0) throw new Error(`${r.failed} failed: ${r.errors[0]?.error.message}`);
    done = r.succeeded;
    await client.close();
  } else if (a.case === 'load' && a.driver === 'cassandra-driver') {
    const { cd, client } = cassandraDriver();
    version = (createRequire(new URL('../package.json', import.meta.url))('cassandra-driver/package.json') as { version: string }).version;
    await client.connect();
    start();
    // Its documented form for large inputs: a Readable of parameter arrays (not all in memory).
    const r = await cd.concurrent.executeConcurrent(client, INSERT, Readable.from(rows()), { concurrencyLevel: CONCURRENCY, prepare: true });
    if (r.errors.length > 0) throw r.errors[0]!;
    done = r.totalExecuted;
    await client.shutdown();
  } else if (a.case === 'scan' && a.driver.startsWith('cqlwire')) {
    const { Client, DRIVER_VERSION } = await cqlwire();
    version = DRIVER_VERSION;
    const client = await Client.connect({ contactPoints: [`${a.host}:${a.port}`], timeoutMs: 60_000, heartbeatIntervalMs: 0 });
    start();
    const it = a.driver === 'cqlwire-scan' ? client.scan('bench', 'bulk_scan', { parallelism: PARALLELISM, fetchSize: FETCH }) : client.stream('SELECT * FROM bench.bulk_scan', [], { fetchSize: FETCH });
    for await (const row of it) sum(row);
    await client.close();
  } else if (a.case === 'scan' && a.driver === 'cassandra-driver-ranges') {
    const { cd, client } = cassandraDriver();
    version = (createRequire(new URL('../package.json', import.meta.url))('cassandra-driver/package.json') as { version: string }).version;
    await client.connect();
    start();
    // The documented pattern: eachRow per token range (unwrapped), `parallelism` ranges at a time.
    const ranges = [...client.metadata.getTokenRanges()].flatMap((r) => r.unwrap());
    let next = 0;
    const q = 'SELECT * FROM bench.bulk_scan WHERE token(p) > ? AND token(p) <= ?';
    await Promise.all(
      Array.from({ length: PARALLELISM }, async () => {
        for (let i = next++; i < ranges.length; i = next++) {
          const r = ranges[i]!;
          await new Promise<void>((resolve, reject) =>
            client.eachRow(q, [BigInt(r.start.toString()), BigInt(r.end.toString())], { prepare: true, fetchSize: FETCH, autoPage: true }, (_n, row) => sum(row), (err) => (err ? reject(err) : resolve())),
          );
        }
      }),
    );
    await client.shutdown();
  } else throw new Error(`unknown case/driver ${a.case}/${a.driver}`);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(rssTimer);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  process.stdout.write(`${JSON.stringify({ case: a.case, driver: a.driver, version, rows: done, seconds, rowsPerSec: done / seconds, cpuUsPerRow: (cpu.user + cpu.system) / done, peakRssMb: peakRss / 2 ** 20, checksum })}\n`);
}

await main();
