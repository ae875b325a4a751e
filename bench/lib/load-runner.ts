// Runs load processes (bench/client/load.ts for Node drivers, bench/python/load.py for the Python
// ones), each scenario repeated, and reduces them to result rows (median by ops/s, spread).
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { benchPackageVersion } from './drivers.js';
import type { LoadResult } from '../client/load.js';
import { resultRow, type ResultRow } from './result.js';

const run = promisify(execFile);
export const ROOT = new URL('../../', import.meta.url).pathname;
/** The interpreter of the Python drivers' virtualenv (bench/python/setup.sh). */
export const PYTHON = join(ROOT, 'bench/.venv/bin/python');

/** Drivers of the load suites, as the issue names them. */
export type LoadDriver = 'cqlwire' | 'cassandra-driver' | 'async-cassandra' | 'python-driver';
export const LOAD_DRIVERS: readonly LoadDriver[] = ['cqlwire', 'cassandra-driver', 'async-cassandra', 'python-driver'];

/** One JSON line of a load process: bench/client/load.ts `LoadResult` (the Python ones have no event-loop figure). */
export type LoadLine = Omit<LoadResult, 'eventLoopP99Ms'> & { eventLoopP99Ms: number | null };

/** Build the compiled package once so cqlwire runs as users run it (not through tsx). */
export async function buildCqlwire(log: (l: string) => void): Promise<string> {
  log('building cqlwire (npm run build) ...');
  await run('npm', ['run', '-s', 'build'], { cwd: ROOT });
  return join(ROOT, 'dist/src/index.js');
}

/** Create the Python virtualenv (bench/python/setup.sh) when it is missing; false if that fails. */
export async function ensurePython(log: (l: string) => void): Promise<boolean> {
  if (existsSync(PYTHON)) return true;
  log('setting up the Python drivers (bash bench/python/setup.sh) ...');
  try {
    await run('bash', [join(ROOT, 'bench/python/setup.sh')], { cwd: ROOT, maxBuffer: 1 << 24 });
    return existsSync(PYTHON);
  } catch (err) {
    log(`python setup failed: ${String(err).slice(0, 300)}`);
    return false;
  }
}

/** Versions of the load drivers that are installed. */
export async function loadDriverVersions(): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = { 'cassandra-driver': benchPackageVersion('cassandra-driver') };
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

/** Start the minimal responder in its own process; resolves with its port and a stop function. */
export async function startResponder(): Promise<{ port: number; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/client/responder.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /listening (\d+)/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`responder exited (${code})`)));
  });
  return { port, stop: () => child.kill('SIGTERM') };
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
}

/** One load process; rejects with its stderr when it fails. */
export async function loadOnce(s: LoadScenario): Promise<LoadLine> {
  const args = ['--host', s.host, '--port', String(s.port), '--op', s.op, '--concurrency', String(s.concurrency), '--seconds', String(s.seconds), '--warmup-seconds', String(s.warmupSeconds), '--compression', s.compression ?? 'none'];
  const python = s.driver === 'async-cassandra' || s.driver === 'python-driver';
  const cmd = python ? PYTHON : process.execPath;
  const argv = python ? [join(ROOT, 'bench/python/load.py'), '--driver', s.driver, ...args] : ['--import', 'tsx', join(ROOT, 'bench/client/load.ts'), '--driver', s.driver, ...args];
  const env = { ...process.env, ...(s.cqlwireDist ? { CQLWIRE_BENCH_DIST: s.cqlwireDist } : {}) };
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
