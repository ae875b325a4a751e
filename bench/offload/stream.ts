// One run of the offload scenario (issue 6), in its own process: stream N rows of ~1 KB or
// ~50 KB from the real node with compression none|lz4 and 0|1|2 offload workers, while the
// application keeps a 1 ms timer running, and print one JSON line (OffloadResult) on stdout.
// Progress goes to stderr.
//
//   node --import tsx bench/offload/stream.ts --rows 1000000 --row-bytes 1024 --compression lz4
//     --workers 2 [--seconds-limit 60] [--min-bytes B] [--fetch-size F] [--protocol 4|5]
//     [--host 127.0.0.1] [--port 9042] [--warmup-rows R] [--yield-after-ms MS] [--text lorem|words]
//
// Data: keyspace bench_offload, one table per row size and text (rows_<bytes>[_words]): `lorem`
// repeats one sentence (LZ4 shrinks it ~200:1: decompression is nearly free), `words` is
// random made-up words (~2:1, like prose: decompression costs real CPU). Loaded once with
// DISTINCT rows (min(--rows, 20 MB / row size … 100 MB / row size), see loadRowsFor) and reused
// by later runs; the stream re-reads the table from the start until N rows went by, so 1M rows
// of 50 KB do not need 50 GB on disk. Every column of every row is read by the consumer, as an
// application would, so lazily skipped work cannot flatter a mode.
//
// Main-thread CPU per row: process.cpuUsage() counts every thread of the process, workers too,
// and Node 20 has no per-thread CPU clock (process.threadCpuUsage is Node ≥ 23.9, used when
// present). On Linux the main thread's own CPU time is read from /proc/self/task/<pid>/stat
// (utime + stime of the thread whose id is the pid: the main thread; clock ticks, 10 ms
// granularity, fine over runs of seconds). Elsewhere the fallback is
// `performance.eventLoopUtilization()` active time, which over-counts on a loaded machine (time
// the thread was runnable but preempted counts as active): `cpuMethod` says which was used.
// The process-wide figure is printed too (processCpuUsPerOp), so work moved to workers stays
// visible.
import { readFileSync } from 'node:fs';
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Client as ClientType, ClientOptions } from '../../src/index.js';

/** The JSON line this script prints. */
export interface OffloadResult {
  suite: 'offload';
  scenario: string;
  driver: 'cqlwire';
  driverVersion: string;
  protocolVersion: number;
  compression: 'none' | 'lz4';
  workers: number;
  minBytes: number | null;
  rowBytes: number;
  fetchSize: number;
  rows: number;
  seconds: number;
  rowsPerSec: number;
  /** Main-thread CPU per row, µs (see cpuMethod). */
  cpuUsPerOp: number;
  /** How main-thread CPU was measured. */
  cpuMethod: 'threadCpuUsage' | 'proc-thread-stat' | 'event-loop-utilization';
  /** Whole-process CPU (all threads, workers included) per row, µs. */
  processCpuUsPerOp: number;
  rssMb: number;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  /** Largest gap between two runs of the application's 1 ms timer, ms. */
  appTimerMaxGapMs: number;
  /** Longest main-thread GC pause and the sum of them during the measured stream, ms. */
  gcMaxMs: number;
  gcTotalMs: number;
  /** Frames decoded by workers during the measured stream. */
  offloadedFrames: number;
  /** MB of live application objects kept on the heap during the run (--app-heap-mb). */
  appHeapMb: number;
  /** The stream's yieldAfterMs (--yield-after-ms); null for the default. */
  yieldAfterMs: number | null;
  /** True when --seconds-limit stopped the stream before --rows. */
  truncated: boolean;
  /** The payload text (--text): `lorem` (LZ4 ~200:1) or `words` (~2:1). */
  text: 'lorem' | 'words';
}

const { values: a } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    'row-bytes': { type: 'string', default: '1024' },
    compression: { type: 'string', default: 'none' },
    workers: { type: 'string', default: '0' },
    'seconds-limit': { type: 'string', default: '120' },
    'min-bytes': { type: 'string' },
    'fetch-size': { type: 'string' },
    'warmup-rows': { type: 'string' },
    'yield-after-ms': { type: 'string' },
    'app-heap-mb': { type: 'string', default: '0' },
    text: { type: 'string', default: 'lorem' },
    protocol: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9042' },
  },
});

const KEYSPACE = 'bench_offload';
const EVENT_LOOP_RESOLUTION_MS = 1;
const rowsWanted = Number(a.rows);
const rowBytes = Number(a['row-bytes']);
const workers = Number(a.workers);
const compression = a.compression === 'lz4' ? 'lz4' : 'none';
const secondsLimit = Number(a['seconds-limit']);
/** The payload text: `lorem` repeats one sentence (LZ4 shrinks it ~200×), `words` is random prose-like words (~2×). */
const text = a.text === 'words' ? 'words' : 'lorem';
const table = text === 'lorem' ? `rows_${rowBytes}` : `rows_${rowBytes}_words`;
/** About 5 MB pages by default: 5000 rows of 1 KB, 100 rows of 50 KB. */
const fetchSize = a['fetch-size'] !== undefined ? Number(a['fetch-size']) : Math.max(1, Math.min(5000, Math.floor((5 << 20) / rowBytes)));
const yieldAfterMs = a['yield-after-ms'] !== undefined ? Number(a['yield-after-ms']) : undefined;
const warmupRows = a['warmup-rows'] !== undefined ? Number(a['warmup-rows']) : Math.min(rowsWanted, fetchSize * 4);

function log(line: string): void {
  process.stderr.write(`offload-bench: ${line}\n`);
}

/** Distinct rows stored for a row size: enough for several pages, at most ~100 MB on the node. */
function loadRowsFor(bytes: number): number {
  return Math.max(fetchSize * 4, Math.min(rowsWanted, Math.floor((bytes <= 4096 ? 20 : 100) * 1e6 / bytes)));
}

const SYLLABLES = ['an', 'be', 'co', 'de', 'el', 'fa', 'gi', 'ho', 'in', 'ju', 'ka', 'lo', 'me', 'no', 'or', 'pa', 'qu', 're', 'sa', 'ti', 'un', 've', 'wa', 'xe', 'yo', 'za', 'th', 'st', 'ch', 'ing'];
/** 600 made-up words of 1–4 syllables. */
const VOCABULARY = Array.from({ length: 600 }, (_, k) => {
  let x = (k * 2654435761) >>> 0;
  let w = '';
  for (let j = 0; j <= k % 4; j++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    w += SYLLABLES[(x >>> 16) % SYLLABLES.length];
  }
  return w;
});

/** Deterministic text of about `bytes` bytes for row `i` (see `text`). */
function payload(i: number, bytes: number): string {
  const head = `${i}:`;
  if (text === 'lorem') return head + 'lorem ipsum dolor sit amet, consectetur adipiscing elit '.repeat(Math.ceil(bytes / 56)).slice(0, Math.max(0, bytes - head.length));
  const parts = [head];
  let x = (i * 2654435761 + 12345) >>> 0;
  for (let n = head.length; n < bytes; ) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const w = VOCABULARY[(x >>> 8) % VOCABULARY.length]!;
    parts.push(w);
    n += w.length + 1;
  }
  return parts.join(' ').slice(0, bytes);
}

async function loadModule(): Promise<typeof import('../../src/index.js')> {
  // The compiled package when the harness built one (CQLWIRE_BENCH_DIST); the sources otherwise.
  const dist = process.env.CQLWIRE_BENCH_DIST;
  return (dist ? await import(dist) : await import('../../src/index.js')) as typeof import('../../src/index.js');
}

async function ensureData(Client: typeof ClientType, base: ClientOptions): Promise<number> {
  const admin = await Client.connect({ ...base, timeoutMs: 60_000 });
  try {
    await admin.execute(`CREATE KEYSPACE IF NOT EXISTS ${KEYSPACE} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`, undefined, { timeoutMs: 60_000 });
    await admin.execute(`CREATE TABLE IF NOT EXISTS ${KEYSPACE}.loaded (name text PRIMARY KEY, rows int)`, undefined, { timeoutMs: 60_000 });
    await admin.execute(
      `CREATE TABLE IF NOT EXISTS ${KEYSPACE}.${table} (p int, c int, id bigint, at timestamp, score double, payload text, PRIMARY KEY (p, c))`,
      undefined,
      { timeoutMs: 60_000 },
    );
    const want = loadRowsFor(rowBytes);
    const have = (await admin.execute(`SELECT rows FROM ${KEYSPACE}.loaded WHERE name = ?`, [table])).one()?.['rows'] as number | undefined;
    if (have !== undefined && have >= want) {
      log(`reusing ${KEYSPACE}.${table} (${have} rows)`);
      return have;
    }
    log(`loading ${want} rows of ~${rowBytes} bytes into ${KEYSPACE}.${table} ...`);
    const insert = await admin.prepare(`INSERT INTO ${KEYSPACE}.${table} (p, c, id, at, score, payload) VALUES (?, ?, ?, ?, ?, ?)`);
    const perPartition = 1000;
    let next = 0;
    const t0 = performance.now();
    const writer = async (): Promise<void> => {
      while (next < want) {
        const i = next++;
        await admin.execute(insert, [Math.floor(i / perPartition), i % perPartition, BigInt(i) * 7919n, new Date(1_700_000_000_000 + i), i / 3, payload(i, rowBytes - 40)]);
      }
    };
    await Promise.all(Array.from({ length: rowBytes > 8192 ? 8 : 64 }, writer));
    await admin.execute(`INSERT INTO ${KEYSPACE}.loaded (name, rows) VALUES (?, ?)`, [table, want], { prepare: true });
    log(`loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return want;
  } finally {
    await admin.close();
  }
}

/** Reads every column of a row, as an application would. */
function consume(row: Record<string, unknown>): number {
  let n = 0;
  for (const k in row) {
    const v = row[k];
    n += typeof v === 'string' ? v.length : v === null ? 0 : 1;
  }
  return n;
}

async function streamRows(client: ClientType, count: number, deadline: number): Promise<{ rows: number; truncated: boolean; checksum: number }> {
  let rows = 0;
  let checksum = 0;
  while (rows < count) {
    let any = false;
    for await (const row of client.stream(`SELECT * FROM ${KEYSPACE}.${table}`, undefined, { fetchSize, prepare: true, ...(yieldAfterMs !== undefined ? { yieldAfterMs } : {}) })) {
      any = true;
      checksum += consume(row);
      if (++rows >= count) break;
      if ((rows & 1023) === 0 && performance.now() > deadline) return { rows, truncated: true, checksum };
    }
    if (!any) throw new Error(`${KEYSPACE}.${table} is empty`);
    if (performance.now() > deadline) return { rows, truncated: rows < count, checksum };
  }
  return { rows, truncated: false, checksum };
}

type CpuProbe = { method: OffloadResult['cpuMethod']; micros: () => number };

/** A clock of the main thread's own CPU time in µs (user + system). */
function mainThreadCpu(): CpuProbe {
  const threadCpuUsage = (process as { threadCpuUsage?: () => { user: number; system: number } }).threadCpuUsage;
  if (typeof threadCpuUsage === 'function') {
    return { method: 'threadCpuUsage', micros: () => { const u = threadCpuUsage(); return u.user + u.system; } };
  }
  const statPath = `/proc/self/task/${process.pid}/stat`;
  try {
    const read = (): number => {
      const stat = readFileSync(statPath, 'utf8');
      // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // USER_HZ is 100 on Linux
    };
    if (Number.isFinite(read())) return { method: 'proc-thread-stat', micros: read };
  } catch {
    // not Linux
  }
  return { method: 'event-loop-utilization', micros: () => performance.eventLoopUtilization().active * 1000 };
}

/**
 * State a real application keeps on its heap (caches, sessions): about `mb` MB of small live
 * objects. V8 starts a full (mark-compact) collection whenever the old generation's headroom
 * falls below the young generation's capacity (up to 2 × 16 MB), so a bare process with a
 * ~10 MB heap collects fully every few pages of a fast stream; a larger live heap does not.
 */
function applicationState(mb: number): unknown[] {
  const out: unknown[] = [];
  // ~100 bytes per entry: an object with a short string, a number and a small array.
  for (let i = 0; i < mb * 10_000; i++) out.push({ id: i, name: `entry-${i}`, tags: [i & 7, i & 15] });
  return out;
}

async function main(): Promise<void> {
  const appState = applicationState(Number(a['app-heap-mb']));
  const { Client, DRIVER_VERSION } = await loadModule();
  const base: ClientOptions = {
    contactPoints: [`${a.host}:${a.port}`],
    ...(a.protocol ? { protocolVersion: Number(a.protocol) as 4 | 5 } : {}),
    heartbeatIntervalMs: 0,
  };
  await ensureData(Client, base);
  const minBytes = a['min-bytes'] !== undefined ? Number(a['min-bytes']) : undefined;
  const client = await Client.connect({
    ...base,
    compression,
    timeoutMs: 60_000,
    offload: { workers, ...(minBytes !== undefined ? { minBytes } : {}) },
  });
  const pool = (client as unknown as { offload: { completed: number; minBytes: number } | null }).offload;
  try {
    // Warm-up: JIT, prepared statement, worker start-up (workers start with the first large
    // frame and take frames once loaded: warm up until one has answered).
    await streamRows(client, warmupRows, Infinity);
    for (let i = 0; i < 20 && workers > 0 && (pool?.completed ?? 0) === 0; i++) await streamRows(client, warmupRows, Infinity);
    // The application: a 1 ms timer whose worst gap shows how long the loop was held.
    let last = performance.now();
    let maxGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      if (now - last > maxGap) maxGap = now - last;
      last = now;
    }, 1);
    let gcMax = 0;
    let gcTotal = 0;
    const gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        gcTotal += e.duration;
        if (e.duration > gcMax) gcMax = e.duration;
      }
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    // Node's histogram records the whole sampling interval, resolution included (an idle loop
    // reads ≈ the resolution): sample every 1 ms and subtract it, so 0 means no delay.
    const delay = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
    delay.enable();
    const offloaded0 = pool?.completed ?? 0;
    const probe = mainThreadCpu();
    const main0 = probe.micros();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await streamRows(client, rowsWanted, t0 + secondsLimit * 1000);
    const elapsedMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const mainCpu = probe.micros() - main0;
    delay.disable();
    clearInterval(timer);
    gcObserver.disconnect();
    const result: OffloadResult = {
      suite: 'offload',
      scenario: `stream-${rowBytes >= 1024 ? `${Math.round(rowBytes / 1024)}kb` : `${rowBytes}b`}${text === 'lorem' ? '' : `-${text}`}`,
      driver: 'cqlwire',
      driverVersion: DRIVER_VERSION,
      protocolVersion: client.protocolVersion ?? 0,
      compression,
      workers,
      minBytes: pool?.minBytes ?? null,
      rowBytes,
      fetchSize,
      rows: r.rows,
      seconds: elapsedMs / 1000,
      rowsPerSec: r.rows / (elapsedMs / 1000),
      cpuUsPerOp: r.rows > 0 ? mainCpu / r.rows : 0,
      cpuMethod: probe.method,
      processCpuUsPerOp: r.rows > 0 ? (cpu.user + cpu.system) / r.rows : 0,
      rssMb: process.memoryUsage.rss() / (1024 * 1024),
      eventLoopP99Ms: Math.max(0, delay.percentile(99) / 1e6 - EVENT_LOOP_RESOLUTION_MS),
      eventLoopMaxMs: Math.max(0, delay.max / 1e6 - EVENT_LOOP_RESOLUTION_MS),
      appTimerMaxGapMs: maxGap,
      gcMaxMs: gcMax,
      gcTotalMs: gcTotal,
      offloadedFrames: (pool?.completed ?? 0) - offloaded0,
      truncated: r.truncated,
      appHeapMb: Number(a['app-heap-mb']),
      yieldAfterMs: yieldAfterMs ?? null,
      text,
    };
    if (appState.length < 0) throw new Error('unreachable: keeps the application state alive');
    if (r.checksum <= 0) throw new Error('consumer saw no data');
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await client.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`offload-bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
