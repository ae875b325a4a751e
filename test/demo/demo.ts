// `npm run demo`: the tour for a newcomer. Uses the cluster at CQLWIRE_CONTACT_POINTS, or
// 127.0.0.1:9042 when it answers, or starts the local Cassandra (test/cassandra) and stops it
// again at the end. Creates a keyspace and table, writes N rows (default 100,000) at high
// concurrency with a progress bar, streams them back, and prints throughput, latency
// percentiles and event-loop delay.
//
//   npm run demo [-- --rows N] [--concurrency C] [--keep]
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client } from '../../src/index.js';
import { parseContactPoints } from '../cassandra/contact-points.js';
import { start, stop } from '../cassandra/launcher.js';
import { optionsAnswers } from '../cassandra/probe.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '512' },
    'fetch-size': { type: 'string', default: '5000' },
    keep: { type: 'boolean', default: false },
  },
});
const ROWS = Number(args.rows);
const CONCURRENCY = Number(args.concurrency);
const FETCH_SIZE = Number(args['fetch-size']);
const KEYSPACE = 'cqlwire_demo';
const tty = process.stdout.isTTY === true;

function progress(label: string, done: number, total: number, startedMs: number): void {
  const width = 30;
  const filled = Math.round((done / total) * width);
  const rate = done / ((performance.now() - startedMs) / 1000);
  const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${Math.round(rate)}/s`;
  if (tty) process.stdout.write(`\r${line}`);
  else if (done === total || done % Math.max(1, Math.floor(total / 10)) === 0) console.log(line);
}

async function findCluster(): Promise<{ contactPoints: string[]; stopAfter: boolean }> {
  const env = process.env.CQLWIRE_CONTACT_POINTS;
  if (env) return { contactPoints: parseContactPoints(env), stopAfter: false };
  if (await optionsAnswers({ host: '127.0.0.1', port: 9042, timeoutMs: 2000 })) {
    return { contactPoints: ['127.0.0.1:9042'], stopAfter: false };
  }
  console.log('No Cassandra answers on 127.0.0.1:9042: starting a local node (JDK + Maven Central jars)...');
  const started = await start({ log: (l) => console.log(`  ${l}`) });
  return { contactPoints: started.contactPoints, stopAfter: !args.keep };
}

function ms(v: number): string {
  return `${v.toFixed(2)} ms`;
}

async function main(): Promise<void> {
  const cluster = await findCluster();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  try {
    await using client = await Client.connect({ contactPoints: cluster.contactPoints, compression: 'lz4' });
    console.log(`connected to ${cluster.contactPoints.join(', ')} (protocol v${client.protocolVersion}, lz4)`);

    await client.execute(`CREATE KEYSPACE IF NOT EXISTS ${KEYSPACE} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    await client.execute(`DROP TABLE IF EXISTS ${KEYSPACE}.readings`);
    await client.execute(
      `CREATE TABLE ${KEYSPACE}.readings (sensor int, seq int, taken_at timestamp, value double, note text, PRIMARY KEY (sensor, seq))`,
    );
    const insert = await client.prepare(`INSERT INTO ${KEYSPACE}.readings (sensor, seq, taken_at, value, note) VALUES (?, ?, ?, ?, ?)`);

    // Write: CONCURRENCY workers share one counter; each awaits its own request.
    loopDelay.enable();
    let next = 0;
    let written = 0;
    const writeStart = performance.now();
    const worker = async (): Promise<void> => {
      for (let i = next++; i < ROWS; i = next++) {
        await client.execute(insert, [i % 100, i, new Date(1_700_000_000_000 + i), Math.sin(i), `reading ${i}`], { idempotent: true });
        written++;
        if (written % 1000 === 0 || written === ROWS) progress('write ', written, ROWS, writeStart);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ROWS) }, worker));
    const writeSecs = (performance.now() - writeStart) / 1000;
    loopDelay.disable();
    if (tty) process.stdout.write('\n');
    const writeLatency = client.metrics().session.latency;
    const writeLoopP99 = loopDelay.percentile(99) / 1e6;

    // Read back: one streaming query over all partitions, page by page with backpressure.
    loopDelay.reset();
    loopDelay.enable();
    const readStart = performance.now();
    let read = 0;
    let checksum = 0;
    for await (const row of client.stream<{ seq: number; value: number }>(`SELECT seq, value FROM ${KEYSPACE}.readings`, [], {
      fetchSize: FETCH_SIZE,
      onPage: (p) => progress('stream', p.rowsSoFar, ROWS, readStart),
    })) {
      read++;
      checksum += row.seq;
    }
    const readSecs = (performance.now() - readStart) / 1000;
    loopDelay.disable();
    if (tty) process.stdout.write('\n');
    const expected = (ROWS * (ROWS - 1)) / 2;

    console.log('');
    console.log(`wrote ${written} rows in ${writeSecs.toFixed(2)} s: ${Math.round(written / writeSecs)} rows/s at concurrency ${CONCURRENCY}`);
    console.log(
      `  latency p50 ${ms(writeLatency.p50Ms)}, p99 ${ms(writeLatency.p99Ms)}, p99.9 ${ms(writeLatency.p999Ms)}, max ${ms(writeLatency.maxMs)}; event-loop delay p99 ${ms(writeLoopP99)}`,
    );
    console.log(
      `read ${read} rows in ${readSecs.toFixed(2)} s: ${Math.round(read / readSecs)} rows/s (fetch size ${FETCH_SIZE}); event-loop delay p99 ${ms(loopDelay.percentile(99) / 1e6)}`,
    );
    if (read !== ROWS || checksum !== expected) {
      throw new Error(`read back ${read} rows (checksum ${checksum}), expected ${ROWS} (checksum ${expected})`);
    }
    console.log('every row read back intact');
  } finally {
    if (cluster.stopAfter) {
      console.log('stopping the local node...');
      await stop();
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
