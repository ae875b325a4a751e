// One run of the `stream` suite in its own process: one query returning every row of
// bench.stream_rows (1M rows by default, loaded by the suite), all pages consumed with the
// driver's own streaming API, every column of every row read. Prints one JSON line.
//
//   node --import tsx bench/stream/stream-load.ts --driver cqlwire|cassandra-driver [--host H --port P --fetch-size F --limit N]
import { createRequire } from 'node:module';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { CassandraDriverModule } from '../lib/cassandra-driver-types.js';

const { values: a } = parseArgs({
  options: {
    driver: { type: 'string', default: 'cqlwire' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9042' },
    'fetch-size': { type: 'string', default: '5000' },
    /** Read only the first N rows (`LIMIT N`): the same stream, shorter, to compare peak RSS. */
    limit: { type: 'string' },
  },
});
const QUERY = 'SELECT p, c, id, payload FROM bench.stream_rows' + (a.limit !== undefined ? ` LIMIT ${Number(a.limit)}` : '');
const fetchSize = Number(a['fetch-size']);

type Row = Record<string, unknown>;
interface Streamer {
  version: string;
  protocolVersion: number;
  each(onRow: (row: Row) => void): Promise<void>;
  close(): Promise<void>;
}

async function cqlwire(): Promise<Streamer> {
  const dist = process.env.CQLWIRE_BENCH_DIST;
  const { Client, DRIVER_VERSION } = (dist ? await import(dist) : await import('../../src/index.js')) as typeof import('../../src/index.js');
  const client = await Client.connect({ contactPoints: [`${a.host}:${a.port}`], timeoutMs: 60_000, heartbeatIntervalMs: 0 });
  return {
    version: DRIVER_VERSION,
    protocolVersion: client.protocolVersion ?? 0,
    async each(onRow) {
      for await (const row of client.stream(QUERY, [], { fetchSize, prepare: true })) onRow(row);
    },
    close: () => client.close(),
  };
}

async function cassandraDriver(): Promise<Streamer> {
  const require = createRequire(new URL('../package.json', import.meta.url));
  const cassandra = require('cassandra-driver') as CassandraDriverModule;
  const client = new cassandra.Client({
    contactPoints: [`${a.host}:${a.port}`],
    localDataCenter: 'datacenter1',
    isMetadataSyncEnabled: false,
    protocolOptions: { port: Number(a.port) },
    socketOptions: { readTimeout: 60_000 },
    pooling: { heartBeatInterval: 0 },
  });
  await client.connect();
  const version = (require('cassandra-driver/package.json') as { version: string }).version;
  return {
    version,
    protocolVersion: 4,
    async each(onRow) {
      // The documented way to consume a large result lazily: the stream() readable (pages fetched on demand).
      // Its typings say EventEmitter; at runtime it is a Readable (object mode), so async-iterable.
      const stream = client.stream(QUERY, [], { prepare: true, fetchSize, autoPage: true }) as unknown as AsyncIterable<Row>;
      for await (const row of stream) onRow(row);
    },
    close: () => client.shutdown(),
  };
}

async function main(): Promise<void> {
  const s = a.driver === 'cassandra-driver' ? await cassandraDriver() : await cqlwire();
  const loop = monitorEventLoopDelay({ resolution: 1 });
  let rows = 0;
  let checksum = 0;
  let peakRss = 0;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await s.each((row) => {
    rows++;
    checksum += (row['c'] as number) + String(row['payload']).length + (row['id'] === null ? 0 : 1);
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  clearInterval(rssTimer);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  await s.close();
  process.stdout.write(
    JSON.stringify({
      driver: a.driver,
      driverVersion: s.version,
      protocolVersion: s.protocolVersion,
      rows,
      checksum,
      seconds,
      rowsPerSec: rows / seconds,
      cpuUsPerOp: (cpu.user + cpu.system) / rows,
      rssMb: peakRss / 2 ** 20,
      eventLoopP99Ms: Math.max(0, loop.percentile(99) / 1e6 - 1),
    }) + '\n',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`stream-load: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
