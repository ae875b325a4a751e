// The bulk suite: loading rows with cqlwire's executeConcurrent vs cassandra-driver's vs
// async-cassandra's pattern (a semaphore-bounded set of awaited inserts; bench/bulk/async_load.py),
// at concurrency 128 and 512, and a full table scan with cqlwire's scan vs one paged SELECT vs
// cassandra-driver's eachRow per token range. One process per run (bench/bulk/bulk-run.ts, the
// Python one for async-cassandra), runs interleaved, the median by rows/s; the load average is
// sampled every second during each run. Writes bench/results/bulk/bulk.json and bulk.md.
//
//   node --import tsx bench/bulk/run.ts [--load-rows 200000] [--scan-rows 500000] [--runs 1] [--cases load,scan]
//     [--warmup-runs 1] [--load-drivers cqlwire,cassandra-driver,async-cassandra] [--host H --port P] [--out DIR]
//
// The measured runs follow `--warmup-runs` rounds of the same runs, not recorded (the loads with a
// fifth of the rows): the node's JIT compiles its read and write paths in them (the first scan
// after a load cost the node 6.2 µs per row against 2.4 µs in the scans after it), and the page
// cache and each driver's first connection are paid there.
//
// Before each run it waits (up to 5 min) until the node has no compaction or other SSTable task
// running (system_views.sstable_tasks): a run should not pay for the one before it.
//
// async-cassandra needs bench/.venv (bench/python/setup.sh, run here on first use); without it
// its rows are left out with the reason on stderr.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { Client } from '../../src/index.js';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const { values: a } = parseArgs({
  options: {
    'load-rows': { type: 'string', default: '200000' },
    'scan-rows': { type: 'string', default: '500000' },
    runs: { type: 'string', default: '1' },
    'warmup-runs': { type: 'string', default: '1' },
    // Which cases to run: `scan` alone repeats the three scans quickly (the load runs take minutes).
    cases: { type: 'string', default: 'load,scan' },
    // async-cassandra's loads take ~5 min each at 1M rows: leave it out to repeat the others.
    'load-drivers': { type: 'string', default: 'cqlwire,cassandra-driver,async-cassandra' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9042' },
    // Where bulk.json and bulk.md go (a trial run elsewhere keeps the recorded results).
    out: { type: 'string', default: 'bench/results/bulk' },
  },
});
const host = a.host;
const port = a.port;

interface Line {
  case: string;
  driver: string;
  version: string;
  rows: number;
  seconds: number;
  rowsPerSec: number;
  cpuUsPerRow: number;
  peakRssMb: number;
  checksum: number;
  concurrency?: number;
  /** Which of the `--runs` repeats (0-based): the run-by-run ratios pair lines of one repeat. */
  run?: number;
  loadBefore?: number;
  /** CPU of the local Cassandra process per row during the run, when it runs here. */
  nodeCpuUsPerRow?: number;
  /** Mean and peak of the 1-minute load average sampled during the run. */
  loadDuring?: { mean: number; max: number };
}

const PYTHON = join(ROOT, 'bench/.venv/bin/python');

/** The local Cassandra's pid (the launcher's node), when one runs here: its CPU is read per run. */
async function cassandraPid(): Promise<number | null> {
  try {
    const { stdout } = await run('pgrep', ['-f', 'org.apache.cassandra.service.CassandraDaemon']);
    const pids = stdout.trim().split('\n').filter((x) => x !== '');
    return pids.length === 1 ? Number(pids[0]) : null;
  } catch {
    return null;
  }
}

/** User + system CPU seconds of a process so far (/proc/PID/stat, in clock ticks of 1/100 s). */
function cpuSecondsOf(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Runs a child (bulk-run.ts, or async_load.py with `python`), sampling the load average meanwhile. */
async function once(args: string[], python = false): Promise<Line> {
  const load = loadavg()[0]!;
  const pid = await cassandraPid();
  const node0 = cpuSecondsOf(pid);
  const samples: number[] = [];
  const timer = setInterval(() => samples.push(loadavg()[0]!), 1000);
  try {
    const [cmd, script] = python ? [PYTHON, [join(ROOT, 'bench/bulk/async_load.py')]] : [process.execPath, ['--import', 'tsx', join(ROOT, 'bench/bulk/bulk-run.ts')]];
    const { stdout } = await run(cmd, [...script, '--host', host, '--port', port, ...args], { cwd: ROOT, timeout: 30 * 60_000, maxBuffer: 1 << 22 });
    const during = samples.length > 0 ? { mean: samples.reduce((x, y) => x + y, 0) / samples.length, max: Math.max(...samples) } : { mean: load, max: load };
    const line = JSON.parse(stdout.trim().split('\n').pop()!) as Line;
    const node1 = cpuSecondsOf(pid);
    // The node's CPU over the child's whole life (start-up and connecting included: a slight overestimate).
    const nodeCpu = node0 !== null && node1 !== null ? { nodeCpuUsPerRow: ((node1 - node0) * 1e6) / line.rows } : {};
    return { ...line, ...nodeCpu, loadBefore: load, loadDuring: during };
  } finally {
    clearInterval(timer);
  }
}

/** Whether bench/.venv has async-cassandra (set up on first use); the reason when not. */
async function pythonReady(): Promise<string | null> {
  try {
    if (!existsSync(PYTHON)) await run('bash', [join(ROOT, 'bench/python/setup.sh')], { cwd: ROOT, timeout: 10 * 60_000 });
    await run(PYTHON, ['-c', 'import async_cassandra'], { cwd: ROOT });
    return null;
  } catch (err) {
    return (err as Error).message.split('\n')[0] ?? 'unknown';
  }
}

async function main(): Promise<void> {
  const loadRows = Number(a['load-rows']);
  const scanRows = Number(a['scan-rows']);
  const runs = Number(a.runs);
  const warmups = Number(a['warmup-runs']);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: a positive integer, not ${a.runs}`);
  if (!Number.isInteger(warmups) || warmups < 0) throw new Error(`--warmup-runs: a non-negative integer, not ${a['warmup-runs']}`);
  const cases = new Set(a.cases.split(','));
  for (const c of cases) if (c !== 'load' && c !== 'scan') throw new Error(`--cases: unknown case ${c} (load, scan)`);
  await using client = await Client.connect({ contactPoints: [`${host}:${port}`], timeoutMs: 120_000 });
  await client.execute("CREATE KEYSPACE IF NOT EXISTS bench WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await client.execute('CREATE TABLE IF NOT EXISTS bench.bulk_load (id int PRIMARY KEY, v text, n bigint)');
  await client.execute('CREATE TABLE IF NOT EXISTS bench.bulk_scan (p int, c int, payload text, PRIMARY KEY (p, c))');
  await client.execute('CREATE TABLE IF NOT EXISTS bench.loaded (name text PRIMARY KEY, rows int)');
  const have = (await client.execute("SELECT rows FROM bench.loaded WHERE name = 'bulk_scan'")).one()?.['rows'];
  if (have !== scanRows) {
    process.stderr.write(`loading ${scanRows} rows into bench.bulk_scan ...\n`);
    await client.execute('TRUNCATE bench.bulk_scan', [], { timeoutMs: 120_000 });
    // 10 rows per partition: scans read partitions and clustering rows.
    const r = await client.executeConcurrent('INSERT INTO bench.bulk_scan (p, c, payload) VALUES (?, ?, ?)', (function* () {
      for (let i = 0; i < scanRows; i++) yield [Math.floor(i / 10), i, `payload ${i} `.padEnd(60, 'x')];
    })(), { concurrency: 256 });
    if (r.failed > 0) throw new Error(`load failed: ${r.errors[0]?.error.message}`);
    await client.execute("INSERT INTO bench.loaded (name, rows) VALUES ('bulk_scan', ?)", [scanRows]);
  }
  const lines: Line[] = [];
  const log = (l: Line): void => {
    const warmup = l.run !== undefined && l.run < 0;
    if (!warmup) lines.push(l);
    process.stderr.write(`${warmup ? '(warm-up) ' : ''}${l.case} ${l.driver}${l.concurrency ? ` c=${l.concurrency}` : ''}: ${Math.round(l.rowsPerSec)} rows/s, ${l.cpuUsPerRow.toFixed(1)} µs CPU/row${l.nodeCpuUsPerRow !== undefined ? ` (node ${l.nodeCpuUsPerRow.toFixed(1)})` : ""}, ${Math.round(l.peakRssMb)} MB peak RSS, ${l.seconds.toFixed(0)} s (load avg before ${l.loadBefore?.toFixed(1)}, during ${l.loadDuring?.mean.toFixed(1)} mean / ${l.loadDuring?.max.toFixed(1)} max)\n`);
  };
  const wanted = a['load-drivers'].split(',');
  for (const d of wanted) if (!['cqlwire', 'cassandra-driver', 'async-cassandra'].includes(d)) throw new Error(`--load-drivers: unknown driver ${d}`);
  const noPython = cases.has('load') && wanted.includes('async-cassandra') ? await pythonReady() : null;
  if (noPython !== null) process.stderr.write(`async-cassandra left out: ${noPython}\n`);
  const loadDrivers = wanted.filter((d) => d !== 'async-cassandra' || noPython === null);
  /** Waits until the node runs no SSTable task (compaction, flush-triggered rewrites), up to 5 min. */
  const quiet = async (): Promise<void> => {
    const until = Date.now() + 5 * 60_000;
    let said = false;
    for (;;) {
      const tasks = (await client.execute('SELECT keyspace_name, table_name, kind FROM system_views.sstable_tasks')).rows;
      if (tasks.length === 0 || Date.now() > until) {
        if (tasks.length > 0) process.stderr.write(`node still busy after 5 min (${tasks.length} SSTable tasks): running anyway\n`);
        return;
      }
      if (!said) process.stderr.write(`waiting for the node's ${tasks.map((t) => `${String(t['kind'])} of ${String(t['keyspace_name'])}.${String(t['table_name'])}`).join(', ')} ...\n`);
      said = true;
      await new Promise((r) => setTimeout(r, 2000));
    }
  };
  // Negative i: a warm-up round, logged but not recorded.
  for (let i = -warmups; i < runs; i++) {
    for (const concurrency of cases.has('load') ? [128, 512] : []) {
      for (const driver of loadDrivers) {
        await client.execute('TRUNCATE bench.bulk_load', [], { timeoutMs: 120_000 });
        await quiet();
        const args = ['--rows', String(i < 0 ? Math.max(1, Math.round(loadRows / 5)) : loadRows), '--concurrency', String(concurrency)];
        const line = driver === 'async-cassandra' ? await once(args, true) : await once(['--case', 'load', '--driver', driver, ...args]);
        log({ ...line, concurrency, run: i });
      }
    }
    for (const driver of cases.has('scan') ? ['cqlwire-scan', 'cqlwire-select', 'cassandra-driver-ranges'] : []) {
      await quiet();
      log({ ...(await once(['--case', 'scan', '--driver', driver])), run: i });
    }
  }
  const scanChecksums = new Set(lines.filter((l) => l.case === 'scan').map((l) => `${l.rows}/${l.checksum}`));
  if (scanChecksums.size > 1) process.stderr.write(`WARNING: the scans disagree: ${[...scanChecksums].join(', ')}\n`);
  const median = (xs: Line[]): Line => [...xs].sort((p, q) => p.rowsPerSec - q.rowsPerSec)[Math.floor(xs.length / 2)]!;
  const keys = [...new Set(lines.map((l) => `${l.case}|${l.driver}|${l.concurrency ?? ''}`))];
  const rowsOut = keys.map((k) => median(lines.filter((l) => `${l.case}|${l.driver}|${l.concurrency ?? ''}` === k)));
  // Ratios within one repeat (the runs of a repeat follow one another): rows/s and CPU per row.
  const ratio = (num: string, den: string, c?: number): string[] => {
    const out: string[] = [];
    for (let i = 0; i < runs; i++) {
      const pick = (d: string): Line | undefined => lines.find((l) => l.run === i && l.driver === d && l.concurrency === c);
      const x = pick(num);
      const y = pick(den);
      if (x && y) out.push(`${(x.rowsPerSec / y.rowsPerSec).toFixed(2)}× rows/s at ${(x.cpuUsPerRow / y.cpuUsPerRow).toFixed(2)}× CPU/row`);
    }
    return out;
  };
  const ratioLines = [
    ...[128, 512].map((c) => [`load c${c}: cqlwire vs cassandra-driver`, ratio('cqlwire', 'cassandra-driver', c)] as const),
    [`scan: cqlwire scan vs one paged SELECT`, ratio('cqlwire-scan', 'cqlwire-select')] as const,
    [`scan: cqlwire scan vs cassandra-driver eachRow per range`, ratio('cqlwire-scan', 'cassandra-driver-ranges')] as const,
  ]
    .filter(([, r]) => r.length > 0)
    .map(([what, r]) => `- ${what}, run by run: ${r.join('; ')}`);
  const md = [
    `${warmups > 0 ? `After ${warmups} warm-up round(s) of the same runs (loads of a fifth of the rows), not recorded: ` : ''}${cases.has('load') ? `Load ${loadRows.toLocaleString('en-US')} rows` : ''}${cases.size === 2 ? ', ' : ''}${cases.has('scan') ? `scan ${scanRows.toLocaleString('en-US')} rows` : ''}; ${runs} run(s) per case, interleaved, median by rows/s; 1-minute load average before each run and during it (mean / max of 1 s samples); each run started once the node ran no SSTable task (system_views.sstable_tasks empty, waited up to 5 min). ${new Date().toISOString()}.`,
    '',
    '| case | driver | concurrency | rows/s | CPU µs/row | node CPU µs/row | peak RSS MB | seconds | load before | load during |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rowsOut.map((l) => `| ${l.case} | ${l.driver} ${l.version} | ${l.concurrency ?? ''} | ${Math.round(l.rowsPerSec).toLocaleString('en-US')} | ${l.cpuUsPerRow.toFixed(1)} | ${l.nodeCpuUsPerRow?.toFixed(1) ?? '–'} | ${Math.round(l.peakRssMb)} | ${l.seconds.toFixed(1)} | ${l.loadBefore?.toFixed(1)} | ${l.loadDuring ? `${l.loadDuring.mean.toFixed(1)} / ${l.loadDuring.max.toFixed(1)}` : ''} |`),
    '',
    ...ratioLines,
  ].join('\n');
  const outDir = a.out.startsWith('/') ? a.out : join(ROOT, a.out);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'bulk.json'), JSON.stringify({ date: new Date().toISOString(), loadRows, scanRows, runs, lines }, null, 2) + '\n');
  writeFileSync(join(outDir, 'bulk.md'), md + '\n');
  process.stdout.write(md + '\n');
}

await main();
