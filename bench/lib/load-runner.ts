// Runs load processes (bench/client/load.ts for Node drivers, bench/python/load.py for the Python
// ones), each scenario repeated, and reduces them to result rows (median by ops/s, spread).
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { benchPackageVersion } from './drivers.js';
import { OWN_PIDS_ENV } from './machine-load.js';
import { cpuList, pinnedCommand } from './pinning.js';
import type { LoadResult } from '../client/load.js';
import { resultRow, type ResultRow } from './result.js';

const run = promisify(execFile);
export const ROOT = new URL('../../', import.meta.url).pathname;
/** The interpreter of the Python drivers' virtualenv (bench/python/setup.sh). */
export const PYTHON = join(ROOT, 'bench/.venv/bin/python');

/** Drivers of the load suites, as the issue names them. */
/**
 * `bare-socket` is no driver: one socket sending a pre-built EXECUTE and matching answers by
 * stream id (bench/client/load.ts), the floor under every Node driver's figures.
 */
export type LoadDriver = 'cqlwire' | 'cassandra-driver' | 'async-cassandra' | 'python-driver' | 'bare-socket';
export const LOAD_DRIVERS: readonly LoadDriver[] = ['cqlwire', 'cassandra-driver', 'async-cassandra', 'python-driver', 'bare-socket'];

/** One JSON line of a load process: bench/client/load.ts `LoadResult` (the Python ones have no event-loop figure). */
export type LoadLine = Omit<LoadResult, 'eventLoopP99Ms' | 'cpusAllowed' | 'tuned' | 'loadSamples' | 'systemUsPerOp'> & {
  eventLoopP99Ms: number | null;
  systemUsPerOp?: number;
  cpusAllowed?: string | null;
  tuned?: string | null;
  loadSamples?: LoadResult['loadSamples'];
};

/** Which code a build measured: `<sha>` for a rev, or the working tree's HEAD and whether src/ or protocol/ had uncommitted changes. */
export async function describeBuild(rev?: string): Promise<string> {
  const { stdout: sha } = await run('git', ['rev-parse', '--verify', `${rev ?? 'HEAD'}^{commit}`], { cwd: ROOT });
  if (rev !== undefined) return `cqlwire built from ${rev} = ${sha.trim().slice(0, 10)}`;
  const { stdout: dirty } = await run('git', ['status', '--porcelain', '--', 'src', 'protocol'], { cwd: ROOT });
  return `cqlwire built from the working tree at ${sha.trim().slice(0, 10)}${dirty.trim() !== '' ? ' with uncommitted changes in src/ or protocol/' : ''}`;
}

/**
 * Build the compiled package once so cqlwire runs as users run it (not through tsx). With `rev`,
 * that commit's src/ and protocol/ (git archive) are compiled in a temp dir instead of the working
 * tree, so a measurement names the exact code it ran and is not upset by edits in progress.
 */
export async function buildCqlwire(log: (l: string) => void, rev?: string): Promise<string> {
  if (rev === undefined) {
    log('building cqlwire from the working tree (npm run build) ...');
    await run('npm', ['run', '-s', 'build'], { cwd: ROOT });
    return join(ROOT, 'dist/src/index.js');
  }
  const { stdout: sha } = await run('git', ['rev-parse', '--verify', `${rev}^{commit}`], { cwd: ROOT });
  const dir = mkdtempSync(join(os.tmpdir(), 'cqlwire-bench-'));
  process.once('exit', () => {
    // The node_modules link goes first, so removing the dir can never reach into the real one.
    if (existsSync(join(dir, 'node_modules'))) unlinkSync(join(dir, 'node_modules'));
    rmSync(dir, { recursive: true, force: true });
  });
  log(`building cqlwire at ${rev} (${sha.trim().slice(0, 10)}) in ${dir} ...`);
  const tar = spawnSync('git', ['archive', '--format=tar', sha.trim(), 'src', 'protocol', 'tsconfig.json', 'tsconfig.build.json', 'package.json'], { cwd: ROOT, maxBuffer: 1 << 28 });
  if (tar.status !== 0) throw new Error(`git archive ${rev}: ${tar.stderr.toString().trim()}`);
  const untar = spawnSync('tar', ['-x', '-C', dir], { input: tar.stdout });
  if (untar.status !== 0) throw new Error(`tar: ${untar.stderr.toString().trim()}`);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(dir, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')], { cwd: dir, maxBuffer: 1 << 24 });
  return join(dir, 'dist/src/index.js');
}

/** Why the Python drivers could not be installed, once setup.sh has failed in this process. */
let pythonFailure: string | undefined;

/**
 * Create the Python virtualenv (bench/python/setup.sh: python-driver, async-cassandra) when it
 * is missing; false, with the reason printed, if that fails. Tried once per process.
 */
export async function ensurePython(log: (l: string) => void): Promise<boolean> {
  if (existsSync(PYTHON)) return true;
  if (pythonFailure !== undefined) return false;
  log('installing the Python comparison drivers into bench/.venv (bash bench/python/setup.sh: pip from PyPI, about a minute) ...');
  try {
    const { stdout, stderr } = await run('bash', [join(ROOT, 'bench/python/setup.sh')], { cwd: ROOT, maxBuffer: 1 << 24, timeout: 15 * 60_000 });
    for (const line of `${stderr}${stdout}`.trim().split('\n')) if (line !== '') log(`  ${line}`);
    if (existsSync(PYTHON)) return true;
    pythonFailure = 'setup.sh finished but bench/.venv/bin/python is missing';
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message?: string };
    const detail = `${e.stderr ?? ''}${e.stdout ?? ''}`.trim().split('\n').filter((l) => l !== '').slice(-4).join(' | ');
    pythonFailure = detail || (e.message ?? String(err)).slice(0, 300);
  }
  log(`python-driver and async-cassandra will be skipped: bench/python/setup.sh failed: ${pythonFailure}`);
  log('  (it needs python3 >= 3.9 with venv and pip access to PyPI; run `bash bench/python/setup.sh` to see the full output)');
  return false;
}

/** The reason the Python drivers are missing, for a result row's note. */
export function pythonMissingNote(): string {
  return pythonFailure !== undefined ? `not installed: bench/python/setup.sh failed (${pythonFailure.slice(0, 150)})` : 'not installed (bench/python/setup.sh)';
}

/** Versions of the load drivers that are installed. */
export async function loadDriverVersions(): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = { 'cassandra-driver': benchPackageVersion('cassandra-driver'), 'bare-socket': `node:net on Node ${process.version}` };
  if (existsSync(PYTHON)) {
    try {
      const { stdout } = await run(PYTHON, ['-c', 'import importlib.metadata as m, sys; print(m.version("cassandra-driver")); print(m.version("async-cassandra")); print(sys.version.split()[0])']);
      const [py, ac, version] = stdout.trim().split('\n');
      out['python-driver'] = `cassandra-driver ${py} (CPython ${version})`;
      out['async-cassandra'] = `${ac} on cassandra-driver ${py}`;
    } catch {
      out['python-driver'] = null;
      out['async-cassandra'] = null;
    }
  } else {
    out['python-driver'] = null;
    out['async-cassandra'] = null;
  }
  return out;
}

/** A started responder process. */
export interface Responder {
  readonly port: number;
  readonly pid: number;
  /** Its CPU affinity read back from /proc once it listens (the pinning in effect). */
  readonly cpus: string | undefined;
  stop(): void;
}

/** Start the instant responder (bench/client/responder.ts) in its own process, on `cpu` when given (taskset). */
export async function startResponder(cpu?: number): Promise<Responder> {
  const [cmd, argv] = pinnedCommand(cpu, process.execPath, ['--import', 'tsx', join(ROOT, 'bench/client/responder.ts')]);
  const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /listening (\d+)/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`responder exited (${code})`)));
  });
  const pid = child.pid!;
  return { port, pid, cpus: cpuList(pid), stop: () => child.kill('SIGTERM') };
}

export interface LoadScenario {
  driver: LoadDriver;
  host: string;
  port: number;
  op: 'select' | 'insert';
  concurrency: number;
  seconds: number;
  warmupSeconds: number;
  compression?: 'none' | 'lz4';
  /** Path of the compiled cqlwire entry (from {@link buildCqlwire}). */
  cqlwireDist?: string;
  /** Run the load process on this CPU (taskset). */
  cpu?: number;
  /** Our other processes (the responder): their CPU is not other load in the load process's own samples. */
  ownPids?: readonly number[];
}

/** One load process; rejects with its stderr when it fails. */
export async function loadOnce(s: LoadScenario): Promise<LoadLine> {
  const args = ['--host', s.host, '--port', String(s.port), '--op', s.op, '--concurrency', String(s.concurrency), '--seconds', String(s.seconds), '--warmup-seconds', String(s.warmupSeconds), '--compression', s.compression ?? 'none'];
  const python = s.driver === 'async-cassandra' || s.driver === 'python-driver';
  const [cmd, argv] = pinnedCommand(
    s.cpu,
    python ? PYTHON : process.execPath,
    python ? [join(ROOT, 'bench/python/load.py'), '--driver', s.driver, ...args] : ['--import', 'tsx', join(ROOT, 'bench/client/load.ts'), '--driver', s.driver, ...args],
  );
  const env = { ...process.env, ...(s.cqlwireDist ? { CQLWIRE_BENCH_DIST: s.cqlwireDist } : {}), ...(s.ownPids ? { [OWN_PIDS_ENV]: s.ownPids.join(',') } : {}) };
  const { stdout } = await run(cmd, argv, { cwd: ROOT, env, timeout: (s.seconds + s.warmupSeconds) * 1000 + 120_000, maxBuffer: 1 << 22 });
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as LoadLine;
}

/** A scenario repeated; the row carries the median repeat (by ops/s) and the spread. */
export async function measureLoad(suite: string, scenario: string, s: LoadScenario, repeats: number, log: (l: string) => void): Promise<ResultRow> {
  const lines: LoadLine[] = [];
  try {
    for (let i = 0; i < repeats; i++) lines.push(await loadOnce(s));
  } catch (err) {
    return didNotRun(suite, scenario, s, err, log);
  }
  return summarise(suite, scenario, s, lines, log);
}

/**
 * Like {@link measureLoad} for several drivers of one scenario, with the repeats interleaved
 * (A B C D, A B C D, …) rather than one driver's repeats in a row: against a real server whose
 * speed drifts (compaction, JVM GC), every driver then sees the same conditions.
 */
export async function measureLoadInterleaved(suite: string, scenario: string, scenarios: readonly LoadScenario[], repeats: number, log: (l: string) => void): Promise<ResultRow[]> {
  const lines: LoadLine[][] = scenarios.map(() => []);
  const failed: (ResultRow | null)[] = scenarios.map(() => null);
  for (let i = 0; i < repeats; i++) {
    for (let d = 0; d < scenarios.length; d++) {
      if (failed[d] !== null) continue;
      try {
        lines[d]!.push(await loadOnce(scenarios[d]!));
      } catch (err) {
        failed[d] = didNotRun(suite, scenario, scenarios[d]!, err, log);
      }
    }
  }
  // cqlwire against cassandra-driver run by run: each pair ran next to each other.
  const a = scenarios.findIndex((s) => s.driver === 'cqlwire');
  const b = scenarios.findIndex((s) => s.driver === 'cassandra-driver');
  if (a >= 0 && b >= 0 && lines[a]!.length === lines[b]!.length && lines[a]!.length > 0) {
    const pairs = lines[a]!.map((x, i) => [x, lines[b]![i]!] as const);
    const ops = pairs.map(([x, y]) => (x.opsPerSec / y.opsPerSec).toFixed(2)).join(', ');
    const cpu = pairs.map(([x, y]) => (x.cpuUsPerOp / y.cpuUsPerOp).toFixed(2)).join(', ');
    log(`  ${scenario}: cqlwire/cassandra-driver run by run: ops/s ${ops}; CPU/op ${cpu}`);
  }
  return scenarios.map((s, d) => failed[d] ?? summarise(suite, scenario, s, lines[d]!, log));
}

function didNotRun(suite: string, scenario: string, s: LoadScenario, err: unknown, log: (l: string) => void): ResultRow {
  const msg = String((err as { stderr?: string }).stderr || err).trim().split('\n').pop()?.slice(0, 200) ?? 'failed';
  log(`  ${scenario} ${s.driver}: could not run (${msg})`);
  return resultRow({ suite, scenario, driver: s.driver, concurrency: s.concurrency, compression: s.compression ?? 'none', note: `did not run: ${msg}` });
}

/** The median run (by ops/s) of `lines` as a result row, with the spread of all of them. */
function summarise(suite: string, scenario: string, s: LoadScenario, lines: readonly LoadLine[], log: (l: string) => void): ResultRow {
  const sorted = [...lines].sort((a, b) => a.opsPerSec - b.opsPerSec);
  const m = sorted[Math.floor(sorted.length / 2)]!;
  const row = resultRow({
    suite,
    scenario,
    driver: s.driver,
    concurrency: s.concurrency,
    compression: s.compression ?? 'none',
    opsPerSec: m.opsPerSec,
    p50Ms: m.p50Ms,
    p99Ms: m.p99Ms,
    p999Ms: m.p999Ms,
    cpuUsPerOp: m.cpuUsPerOp,
    rssMb: Math.max(...lines.map((l) => l.rssMb)),
    eventLoopP99Ms: m.eventLoopP99Ms,
    opsPerSecMin: sorted[0]!.opsPerSec,
    opsPerSecMax: sorted[sorted.length - 1]!.opsPerSec,
    repeats: lines.length,
    driverVersion: m.driverVersion,
    protocolVersion: m.protocolVersion,
    errors: m.errors,
    ...(m.firstError ? { note: `first error: ${m.firstError.slice(0, 120)}` } : {}),
  });
  log(`  ${scenario.padEnd(18)} ${s.driver.padEnd(17)} v${m.protocolVersion} ${Math.round(m.opsPerSec).toString().padStart(8)} ops/s  cpu ${m.cpuUsPerOp.toFixed(2)} µs/op  p99 ${m.p99Ms.toFixed(2)} ms  errors ${m.errors}`);
  return row;
}
