// One load run of one driver against one server, in its own process so CPU and RSS are the
// driver's alone. Prints one JSON line (LoadResult) on stdout.
//
//   node --import tsx bench/client/load.ts --driver cqlwire|cassandra-driver|bare-socket --host 127.0.0.1 --port P
//     --op select|insert --concurrency C --seconds S [--warmup-seconds W] [--protocol 4|5] [--compression none|lz4]
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { CassandraDriverModule } from '../lib/cassandra-driver-types.js';
import { OWN_PIDS_ENV, sampleLoad, sampleToJson, type LoadSampleJson } from '../lib/machine-load.js';

export interface LoadResult {
  driver: string;
  driverVersion: string;
  protocolVersion: number;
  op: string;
  concurrency: number;
  ops: number;
  errors: number;
  firstError: string | null;
  seconds: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  cpuUsPerOp: number;
  /** The kernel's share of `cpuUsPerOp` (system time): socket reads, writes and polling, which no driver code removes. */
  systemUsPerOp: number;
  rssMb: number;
  eventLoopP99Ms: number;
  /** CPUs the process was allowed to run on, read back from /proc (null where there is none). */
  cpusAllowed: string | null;
  /** Driver settings changed from their defaults for this run (e.g. cassandra-driver's per-connection limit), or null. */
  tuned: string | null;
  /**
   * /proc readings at the start and end of the measured part (not the start-up or warm-up), with
   * this process and the pids in $CQLWIRE_BENCH_OWN_PIDS as ours: the harness turns them into
   * the other load during exactly the measured seconds. Null where /proc cannot be read.
   */
  loadSamples: [LoadSampleJson, LoadSampleJson] | null;
}

/** A driver as the load loop sees it: one awaited request. */
interface Target {
  version: string;
  protocolVersion: number;
  /** Settings changed from the driver's defaults, or null. */
  tuned: string | null;
  run(key: number): Promise<unknown>;
  close(): Promise<void>;
}

const { values: a } = parseArgs({
  options: {
    driver: { type: 'string', default: 'cqlwire' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9042' },
    op: { type: 'string', default: 'select' },
    concurrency: { type: 'string', default: '256' },
    seconds: { type: 'string', default: '5' },
    'warmup-seconds': { type: 'string', default: '2' },
    protocol: { type: 'string' },
    compression: { type: 'string', default: 'none' },
    keyspace: { type: 'string', default: 'bench' },
    table: { type: 'string', default: 'kv' },
    /** Run exactly this many measured requests instead of `seconds` (for allocation counts). */
    ops: { type: 'string' },
  },
});

const VALUE = Buffer.alloc(100, 0x61);
/** cassandra-driver 4.x's `pooling.maxRequestsPerConnection` for protocol v3+. */
const CD_DEFAULT_MAX_REQUESTS = 2048;
const selectCql = `SELECT key, value FROM ${a.keyspace}.${a.table} WHERE key = ?`;
const insertCql = `INSERT INTO ${a.keyspace}.${a.table} (key, value) VALUES (?, ?)`;

async function cqlwireTarget(): Promise<Target> {
  // The compiled package (as users run it) when the harness built one; the sources otherwise.
  const dist = process.env.CQLWIRE_BENCH_DIST;
  const { Client, DRIVER_VERSION } = (dist ? await import(dist) : await import('../../src/index.js')) as typeof import('../../src/index.js');
  const client = await Client.connect({
    contactPoints: [`${a.host}:${a.port}`],
    ...(a.protocol ? { protocolVersion: Number(a.protocol) as 4 | 5 } : {}),
    compression: a.compression === 'lz4' ? 'lz4' : 'none',
    timeoutMs: 30_000,
    heartbeatIntervalMs: 0,
  });
  const ps = await client.prepare(a.op === 'select' ? selectCql : insertCql);
  const run = a.op === 'select' ? (k: number) => client.execute(ps, [k]) : (k: number) => client.execute(ps, [k, VALUE]);
  return { version: DRIVER_VERSION, protocolVersion: client.protocolVersion ?? 0, tuned: null, run, close: () => client.close() };
}

async function cassandraDriverTarget(): Promise<Target> {
  const require = createRequire(new URL('../package.json', import.meta.url));
  // bench/node_modules/cassandra-driver (installed by the bench setup, not a dependency of cqlwire)
  const cassandra = require('cassandra-driver') as CassandraDriverModule;
  // Its default of 2048 requests per connection (protocol v3+) rejects the rest with
  // BusyConnectionError; above that, raise it to the protocol's 32768 stream ids so the run
  // measures the driver's cost rather than its refusals.
  const raise = Number(a.concurrency) > CD_DEFAULT_MAX_REQUESTS;
  const client = new cassandra.Client({
    contactPoints: [`${a.host}:${a.port}`],
    localDataCenter: 'datacenter1',
    isMetadataSyncEnabled: false,
    protocolOptions: { port: Number(a.port), ...(a.protocol ? { maxVersion: Number(a.protocol) } : {}) },
    socketOptions: { readTimeout: 30_000 },
    pooling: { heartBeatInterval: 0, ...(raise ? { maxRequestsPerConnection: 32768 } : {}) },
  });
  await client.connect();
  const cql = a.op === 'select' ? selectCql : insertCql;
  const run = a.op === 'select' ? (k: number) => client.execute(cql, [k], { prepare: true }) : (k: number) => client.execute(cql, [k, VALUE], { prepare: true });
  await run(0);
  const version = (require('cassandra-driver/package.json') as { version: string }).version;
  const pv = (client as unknown as { controlConnection?: { protocolVersion?: number } }).controlConnection?.protocolVersion ?? 4;
  return { version, protocolVersion: pv, tuned: raise ? `pooling.maxRequestsPerConnection raised from ${CD_DEFAULT_MAX_REQUESTS} to 32768` : null, run, close: () => client.shutdown() };
}

/**
 * No driver: a floor to read the drivers' figures against. One `net.Socket`, protocol v4, the
 * statement prepared once; each request is a copy of one pre-built EXECUTE frame (the key not
 * even bound anew) with its stream id patched, and an answer is matched to its request by the
 * stream id in its header, nothing decoded; the frames of one tick are written together. What a request costs here is the event loop and
 * the kernel's; what a driver costs beyond it is its own.
 */
async function bareSocketTarget(): Promise<Target> {
  const socket = net.connect(Number(a.port), a.host);
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const frame = (opcode: number, stream: number, body: Buffer): Buffer => {
    const h = Buffer.alloc(9);
    h[0] = 4;
    h.writeInt16BE(stream, 2);
    h[4] = opcode;
    h.writeInt32BE(body.length, 5);
    return Buffer.concat([h, body]);
  };
  const shortString = (x: string): Buffer => {
    const b = Buffer.from(x);
    const l = Buffer.alloc(2);
    l.writeUInt16BE(b.length);
    return Buffer.concat([l, b]);
  };
  const longString = (x: string): Buffer => {
    const b = Buffer.from(x);
    const l = Buffer.alloc(4);
    l.writeInt32BE(b.length);
    return Buffer.concat([l, b]);
  };
  // Answers in order: [stream id] -> resolve; set-up answers come through the same path.
  const waiting: ((body: Buffer) => void)[] = [];
  let buffered: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    let at = 0;
    while (buffered.length - at >= 9) {
      const length = buffered.readInt32BE(at + 5);
      if (buffered.length - at < 9 + length) break;
      const stream = buffered.readInt16BE(at + 2);
      const done = waiting[stream]!;
      waiting[stream] = undefined as unknown as (body: Buffer) => void;
      done(buffered.subarray(at + 9, at + 9 + length));
      at += 9 + length;
    }
    buffered = at === buffered.length ? Buffer.alloc(0) : buffered.subarray(at);
  });
  const ask = (f: Buffer, stream: number): Promise<Buffer> =>
    new Promise((resolve) => {
      waiting[stream] = resolve;
      socket.write(f);
    });
  // STARTUP (READY), then PREPARE: the RESULT body is [int kind=4][short bytes id]...
  await ask(frame(0x01, 0, Buffer.concat([Buffer.from([0, 1]), shortString('CQL_VERSION'), shortString('3.0.0')])), 0);
  const prepared = await ask(frame(0x09, 0, longString(a.op === 'select' ? selectCql : insertCql)), 0);
  const id = prepared.subarray(6, 6 + prepared.readUInt16BE(4));
  const idBytes = Buffer.concat([Buffer.from([0, id.length]), id]);
  // [consistency ONE][flags: values | skip metadata][1 or 2 values]
  const key = Buffer.from([0, 0, 0, 4, 0, 0, 0, 7]);
  const values = a.op === 'select' ? Buffer.concat([Buffer.from([0, 1]), key]) : Buffer.concat([Buffer.from([0, 2]), key, Buffer.from([0, 0, 0, VALUE.length]), VALUE]);
  const template = frame(0x0a, 0, Buffer.concat([idBytes, Buffer.from([0, 1, 0x03]), values]));
  const free: number[] = Array.from({ length: 32768 }, (_, i) => 32767 - i);
  // The frames of one tick go out in one write, as the drivers coalesce theirs.
  const size = template.length;
  let out = Buffer.allocUnsafe(size * 64);
  let used = 0;
  const flush = (): void => {
    socket.write(out.subarray(0, used));
    out = Buffer.allocUnsafe(out.length);
    used = 0;
  };
  const run = (): Promise<unknown> => {
    const stream = free.pop()!;
    if (used + size > out.length) {
      const bigger = Buffer.allocUnsafe(out.length * 2);
      out.copy(bigger, 0, 0, used);
      out = bigger;
    }
    if (used === 0) process.nextTick(flush);
    template.copy(out, used);
    out.writeInt16BE(stream, used + 2);
    used += size;
    return new Promise<void>((resolve) => {
      waiting[stream] = () => {
        free.push(stream);
        resolve();
      };
    });
  };
  return { version: process.version, protocolVersion: 4, tuned: null, run, close: async () => void socket.destroy() };
}

/** This process's CPU affinity as the kernel has it (shows whether taskset pinning took effect). */
function cpusAllowed(): string | null {
  try {
    return /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

function procSample(pids: readonly number[]): LoadSampleJson | null {
  try {
    return sampleToJson(sampleLoad(pids));
  } catch {
    return null; // no /proc (not Linux)
  }
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function drive(t: Target, concurrency: number, seconds: number, record: boolean, maxOps = Infinity) {
  const latencies: number[] = [];
  let ops = 0;
  let errors = 0;
  let firstError: string | null = null;
  const deadline = performance.now() + seconds * 1000;
  let key = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline && ops + errors < maxOps) {
      const t0 = performance.now();
      try {
        await t.run(key++ & 0xffff);
        ops++;
        if (record) latencies.push(performance.now() - t0);
      } catch (err) {
        errors++;
        firstError ??= `${(err as Error).name}: ${(err as Error).message}`.slice(0, 300);
        // A driver that rejects at once would spin: back off a little, as a caller would.
        await new Promise((r) => setTimeout(r, 1));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ops, errors, firstError, latencies };
}

async function main(): Promise<void> {
  const target = a.driver === 'cassandra-driver' ? await cassandraDriverTarget() : a.driver === 'bare-socket' ? await bareSocketTarget() : await cqlwireTarget();
  const concurrency = Number(a.concurrency);
  await drive(target, concurrency, Number(a['warmup-seconds']), false);
  // Sampled every 1 ms; Node's histogram includes the sampling interval, subtracted below.
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const ownPids = (process.env[OWN_PIDS_ENV] ?? '').split(',').filter((p) => p !== '').map(Number);
  const sample0 = procSample(ownPids);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = a.ops ? await drive(target, concurrency, Infinity, true, Number(a.ops)) : await drive(target, concurrency, Number(a.seconds), true);
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const sample1 = procSample(ownPids);
  loop.disable();
  const sorted = Float64Array.from(r.latencies).sort();
  const result: LoadResult = {
    driver: a.driver!,
    driverVersion: target.version,
    protocolVersion: target.protocolVersion,
    op: a.op!,
    concurrency,
    ops: r.ops,
    errors: r.errors,
    firstError: r.firstError,
    seconds: elapsed,
    opsPerSec: r.ops / elapsed,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    p999Ms: percentile(sorted, 0.999),
    cpuUsPerOp: r.ops > 0 ? (cpu.user + cpu.system) / r.ops : 0,
    systemUsPerOp: r.ops > 0 ? cpu.system / r.ops : 0,
    rssMb: process.resourceUsage().maxRSS / 1024,
    eventLoopP99Ms: Math.max(0, loop.percentile(99) / 1e6 - 1),
    cpusAllowed: cpusAllowed(),
    tuned: target.tuned,
    loadSamples: sample0 !== null && sample1 !== null ? [sample0, sample1] : null,
  };
  await target.close();
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`load: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
