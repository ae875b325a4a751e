// A/B benchmark of cqlwire at two git revisions: does a refactor keep its performance?
//
//   node --import tsx bench/ab.ts --base <rev> [--head <rev>] --suite client|stream
//     [--repeats 5] [--concurrency 256] [--seconds 5] [--warmup-seconds 2] [--limit N] [--quick] [--json FILE]
//
// Each revision's src/ + protocol/ is taken with `git archive` (the head defaults to a snapshot of
// the working tree) into a temp dir and compiled there with this checkout's TypeScript; the load
// processes import that build through CQLWIRE_BENCH_DIST. The load scripts themselves are this
// checkout's (bench/client/load.ts, bench/stream/stream-load.ts), so both revisions run the same
// scenario. An option a revision does not know (e.g. `timeoutMs`, `requestTimeoutMs` before the
// rename) is ignored by it, which only affects timeouts no run reaches.
//
// Runs are interleaved (base, head, base, head, ...) so drift on a shared machine hits both
// alike. client: the instant responder pinned to one CPU, the load process to another.
// stream: a real Cassandra (`npm run cassandra -- start`) and bench.stream_rows, loaded (when
// missing) by bench/suites/stream.ts's loadRows; not pinned, since Cassandra shares the CPUs.
// Every run also records what else the machine did meanwhile (load average, /proc/stat busy
// time minus our own processes' CPU time), so a noisy run can be recognised.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { ROOT, loadOnce, startResponder, type LoadLine } from './lib/load-runner.js';
import { runLoad, sampleLoad, type RunLoad } from './lib/machine-load.js';
import { formatMachine, machineInfo, type MachineInfo } from './lib/machine.js';
import { allowedCpus, cpuList, hasTaskset, pinSelf } from './lib/pinning.js';
import type { StreamRunLine } from './lib/stream-row.js';

const run = promisify(execFile);

const USAGE = `usage: node --import tsx bench/ab.ts --base <rev> [--head <rev>] --suite client|stream
  [--repeats 5] [--concurrency 256] [--seconds 5] [--warmup-seconds 2] [--limit N] [--quick] [--json FILE]
--head defaults to the working tree (src/ and protocol/ as they are now, uncommitted changes included).
--quick: 2 repeats of 2 s (+1 s warm-up); stream: the first 100k rows.
stream needs Cassandra at 127.0.0.1:9042 (or CQLWIRE_CONTACT_POINTS): npm run cassandra -- start`;

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    head: { type: 'string' },
    suite: { type: 'string', default: 'client' },
    repeats: { type: 'string' },
    concurrency: { type: 'string', default: '256' },
    seconds: { type: 'string' },
    'warmup-seconds': { type: 'string' },
    limit: { type: 'string' },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

type Role = 'base' | 'head';
type SuiteName = 'client' | 'stream';

/** One side of the comparison, built. */
interface Revision {
  readonly role: Role;
  /** What the caller asked for: a rev, or `working tree`. */
  readonly spec: string;
  readonly sha: string;
  /** Uncommitted changes in src/ or protocol/ (working tree only). */
  readonly dirty: boolean;
  readonly subject: string;
  /** The built dist/src/index.js. */
  readonly dist: string;
  /** tsc reported errors but emitted (first lines), else null. */
  readonly buildWarning: string | null;
}

/** What the rest of the machine did during one run (bench/lib/machine-load.ts). */
type RunEnvironment = RunLoad;

interface RunRecord {
  readonly repeat: number;
  readonly role: Role;
  /** ops/s (client) or rows/s (stream). */
  readonly throughput: number;
  readonly cpuUsPerOp: number;
  /** Request latency p99 (client) or null (stream). */
  readonly p99Ms: number | null;
  readonly eventLoopP99Ms: number | null;
  readonly rssMb: number;
  readonly errors: number;
  readonly protocolVersion: number;
  readonly seconds: number;
  readonly environment: RunEnvironment;
}

interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

interface RevisionSummary {
  readonly role: Role;
  readonly spec: string;
  readonly sha: string;
  readonly dirty: boolean;
  readonly repeats: number;
  readonly throughput: Spread;
  readonly cpuUsPerOp: Spread;
  readonly p99Ms: Spread | null;
  readonly rssMbMax: number;
  readonly errors: number;
}

// ---------------------------------------------------------------------------------------------
// cleanup: temp dirs, the responder and our own CPU affinity go back even when a step throws or
// the run is interrupted.

const cleanups: (() => void)[] = [];
function cleanup(): void {
  for (const c of cleanups.splice(0).reverse()) {
    try {
      c();
    } catch (err) {
      console.error(`cleanup: ${String(err)}`);
    }
  }
}
/** Our direct children (tsc, load processes, the responder), from their /proc parent pids. */
function childPids(): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid) out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * On Ctrl-C / SIGTERM: stop our children first and wait for them, so a tsc still emitting
 * cannot recreate the temp dir after it is removed; then clean up.
 */
async function interrupted(signal: string): Promise<void> {
  console.error(`ab: ${signal}: stopping child processes and cleaning up`);
  const kids = childPids();
  for (const pid of kids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && kids.some(running)) await new Promise((r) => setTimeout(r, 50));
  cleanup();
  process.exit(130);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void interrupted(signal));

// ---------------------------------------------------------------------------------------------
// revisions

function git(...argv: string[]): string {
  return execFileSync('git', argv, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 }).trim();
}

/** What a revision's build needs: its package.json gives the dist its `"type": "module"`. */
const BUILD_PATHS = ['src', 'protocol', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

/** Put the sources of `spec` (a rev, or the working tree when undefined) into `dir`. */
function checkout(spec: string | undefined, dir: string): { sha: string; dirty: boolean; subject: string } {
  mkdirSync(dir, { recursive: true });
  if (spec === undefined) {
    // A copy, not the tree itself: other people edit it while the runs go on.
    for (const p of BUILD_PATHS) cpSync(join(ROOT, p), join(dir, p), { recursive: true });
    const sha = git('rev-parse', 'HEAD');
    return { sha, dirty: git('status', '--porcelain', '--', 'src', 'protocol') !== '', subject: git('log', '-1', '--format=%s', sha) };
  }
  let sha: string;
  try {
    sha = git('rev-parse', '--verify', '--quiet', `${spec}^{commit}`);
  } catch {
    throw new Error(`'${spec}' is not a commit of this repository`);
  }
  const tar = spawnSync('git', ['archive', '--format=tar', sha, ...BUILD_PATHS], { cwd: ROOT, maxBuffer: 1 << 28 });
  if (tar.status !== 0) throw new Error(`git archive ${spec}: ${tar.stderr.toString().trim()}`);
  const untar = spawnSync('tar', ['-x', '-C', dir], { input: tar.stdout });
  if (untar.status !== 0) throw new Error(`tar: ${untar.stderr.toString().trim()}`);
  return { sha, dirty: false, subject: git('log', '-1', '--format=%s', sha) };
}

/** Compile `dir` with this checkout's tsc (and @types/node, through a node_modules link). */
async function build(role: Role, spec: string | undefined, dir: string, log: (l: string) => void): Promise<Revision> {
  const src = checkout(spec, dir);
  const modules = join(dir, 'node_modules');
  symlinkSync(join(ROOT, 'node_modules'), modules, 'dir');
  // Unlinked before the temp dir is removed, so nothing can ever reach into the real node_modules.
  cleanups.push(() => existsSync(modules) && unlinkSync(modules));
  const label = spec ?? 'working tree';
  log(`building ${role} (${label}, ${src.sha.slice(0, 10)}${src.dirty ? ' + uncommitted changes' : ''}) ...`);
  let buildWarning: string | null = null;
  try {
    await run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(dir, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')], { cwd: dir, maxBuffer: 1 << 24 });
  } catch (err) {
    // tsc emits despite type errors; such a build is still measurable, but the caller must know.
    const out = String((err as { stdout?: string }).stdout || err).trim();
    buildWarning = out.split('\n').slice(0, 5).join('\n');
    if (!existsSync(join(dir, 'dist/src/index.js'))) throw new Error(`build of ${role} (${label}) failed:\n${buildWarning}`);
    log(`  warning: tsc reported errors for ${role} (${label}); measuring what it emitted:\n${buildWarning}`);
  }
  return { role, spec: label, sha: src.sha, dirty: src.dirty, subject: src.subject, dist: join(dir, 'dist/src/index.js'), buildWarning };
}

// ---------------------------------------------------------------------------------------------
// CPU pinning (client suite): bench/lib/pinning.ts. This script pins itself before it spawns the
// responder and the load processes, which inherit the affinity they are forked with; it then
// shares the client's CPU, but only idles in a wait while a load process runs.

/** The pid of our child process whose command line mentions `needle` (the responder). */
function childPid(needle: string): number | null {
  for (const pid of childPids()) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle)) return pid;
    } catch {
      // the process ended while we looked
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// suites: each returns a function that performs one measured run of one revision

type OneRun = (rev: Revision) => Promise<Omit<RunRecord, 'repeat' | 'role' | 'environment'>>;

interface Prepared {
  readonly runOnce: OneRun;
  /** Pids whose CPU counts as ours in the environment figures. */
  readonly pids: readonly number[];
  /** CPUs whose busy share is printed per run. */
  readonly shownCpus: readonly number[];
  /** One untimed run per revision first (none where the load script warms up itself). */
  readonly warmUp: boolean;
  readonly unit: 'ops/s' | 'rows/s';
  readonly setup: Readonly<Record<string, unknown>>;
}

async function prepareClient(o: { concurrency: number; seconds: number; warmupSeconds: number }, log: (l: string) => void): Promise<Prepared> {
  const allowed = allowedCpus();
  let pin: { client: number; server: number } | null = null;
  let pinning: string;
  if (allowed.length < 2) pinning = `not pinned: only ${allowed.length} CPU available`;
  else if (!hasTaskset()) pinning = 'not pinned: taskset not found';
  else {
    pin = { client: allowed[0]!, server: allowed[1]! };
    pinning = `responder on CPU ${pin.server}, load process on CPU ${pin.client} (taskset)`;
  }
  log(`pinning: ${pinning}`);
  if (pin !== null) {
    const restore = allowed.join(',');
    cleanups.push(() => pinSelf(restore));
    pinSelf(String(pin.server));
  }
  const responder = await startResponder();
  cleanups.push(responder.stop);
  const responderPid = childPid('bench/client/responder.ts');
  if (pin !== null) pinSelf(String(pin.client));
  // Read back, so the log shows the pinning took effect rather than that it was asked for.
  const where = responderPid !== null ? ` (pid ${responderPid}, CPUs ${cpuList(responderPid) ?? '?'})` : '';
  log(`responder listening on 127.0.0.1:${responder.port}${where}; load processes start on CPUs ${cpuList('self') ?? '?'}`);
  const runOnce: OneRun = async (rev) => {
    const l: LoadLine = await loadOnce({ driver: 'cqlwire', host: '127.0.0.1', port: responder.port, op: 'select', concurrency: o.concurrency, seconds: o.seconds, warmupSeconds: o.warmupSeconds, cqlwireDist: rev.dist });
    return { throughput: l.opsPerSec, cpuUsPerOp: l.cpuUsPerOp, p99Ms: l.p99Ms, eventLoopP99Ms: l.eventLoopP99Ms, rssMb: l.rssMb, errors: l.errors, protocolVersion: l.protocolVersion, seconds: l.seconds };
  };
  return {
    runOnce,
    pids: responderPid !== null ? [responderPid] : [],
    shownCpus: pin !== null ? [pin.client, pin.server] : allowed,
    warmUp: false,
    unit: 'ops/s',
    setup: { server: 'bench/client/responder.ts (instant responder)', op: 'select', concurrency: o.concurrency, seconds: o.seconds, warmupSeconds: o.warmupSeconds, pinning },
  };
}

/** stream-load.ts's output line. */
interface StreamLine extends StreamRunLine {
  checksum: number;
  seconds: number;
}

/** The part of any revision's Client this script needs (older builds have other typings). */
interface MinimalClient {
  execute(cql: string): Promise<{ one(): Record<string, unknown> | null | undefined }>;
  close(): Promise<void>;
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 3000 });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('timeout', () => done(false));
    s.once('error', () => done(false));
  });
}

function contactPoint(): { host: string; port: number } {
  // The stream suite's contact point, so both find the same node.
  const [host, port] = (process.env.CQLWIRE_CONTACT_POINTS ?? '127.0.0.1:9042').split(',')[0]!.split(':');
  return { host: host!, port: Number(port ?? 9042) };
}

async function checkCassandra(): Promise<void> {
  const { host, port } = contactPoint();
  if (!(await answers(host, port))) throw new Error(`nothing answers at ${host}:${port}: start Cassandra first (npm run cassandra -- start)`);
}

async function prepareStream(base: Revision, o: { quick: boolean; limit: number | undefined }, log: (l: string) => void): Promise<Prepared> {
  const { host, port } = contactPoint();
  // Read the row count bench/suites/stream.ts records when it loads the table, with the base
  // build (the working tree's src/ may be mid-edit).
  const { Client } = (await import(base.dist)) as { Client: { connect(o: Record<string, unknown>): Promise<MinimalClient> } };
  const client = await Client.connect({ contactPoints: [`${host}:${port}`], timeoutMs: 30_000 });
  let loaded: number | undefined;
  let why = 'no stream_rows entry in bench.loaded';
  try {
    const v = (await client.execute("SELECT rows FROM bench.loaded WHERE name = 'stream_rows'")).one()?.['rows'];
    loaded = typeof v === 'number' ? v : undefined;
  } catch (err) {
    why = err instanceof Error ? err.message : String(err);
  } finally {
    await client.close();
  }
  if (loaded === undefined) {
    // As many rows as the stream suite would load. Imported only here: it runs the working
    // tree's src/, which should not be needed when the table is there.
    const count = o.quick ? 100_000 : 1_000_000;
    log(`bench.stream_rows is not loaded (${why}); loading ${count} rows as bench/suites/stream.ts does ...`);
    const { loadRows } = await import('./suites/stream.js');
    await loadRows(host, port, count, log);
    loaded = count;
  }
  const rows = Math.min(loaded, o.limit ?? (o.quick ? 100_000 : loaded));
  log(`bench.stream_rows holds ${loaded} rows; each run streams ${rows}${rows < loaded ? ' (LIMIT)' : ''}, fetch size 5000`);
  let expected: { checksum: number; who: string } | undefined;
  const runOnce: OneRun = async (rev) => {
    const argv = ['--import', 'tsx', join(ROOT, 'bench/stream/stream-load.ts'), '--driver', 'cqlwire', '--host', host, '--port', String(port), ...(rows < loaded ? ['--limit', String(rows)] : [])];
    const { stdout } = await run(process.execPath, argv, { cwd: ROOT, env: { ...process.env, CQLWIRE_BENCH_DIST: rev.dist }, timeout: 20 * 60_000, maxBuffer: 1 << 22 });
    const l = JSON.parse(stdout.trim().split('\n').pop()!) as StreamLine;
    // Both revisions must read the same rows, or the comparison is of different work.
    if (l.rows !== rows) throw new Error(`${rev.role} streamed ${l.rows} rows, expected ${rows}`);
    expected ??= { checksum: l.checksum, who: rev.role };
    if (l.checksum !== expected.checksum) throw new Error(`${rev.role} read rows with checksum ${l.checksum}, ${expected.who} ${expected.checksum}`);
    return { throughput: l.rowsPerSec, cpuUsPerOp: l.cpuUsPerOp, p99Ms: null, eventLoopP99Ms: l.eventLoopP99Ms, rssMb: l.rssMb, errors: 0, protocolVersion: l.protocolVersion, seconds: l.seconds };
  };
  return {
    runOnce,
    pids: [],
    shownCpus: allowedCpus(),
    warmUp: true,
    unit: 'rows/s',
    setup: { server: `Cassandra at ${host}:${port}`, table: 'bench.stream_rows', rows, fetchSize: 5000, pinning: 'not pinned (Cassandra shares the CPUs); other load includes Cassandra' },
  };
}

// ---------------------------------------------------------------------------------------------
// summary

function spread(values: readonly number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

function summarise(rev: Revision, runs: readonly RunRecord[]): RevisionSummary {
  const mine = runs.filter((r) => r.role === rev.role);
  const p99 = mine.map((r) => r.p99Ms).filter((v): v is number => v !== null);
  return {
    role: rev.role,
    spec: rev.spec,
    sha: rev.sha,
    dirty: rev.dirty,
    repeats: mine.length,
    throughput: spread(mine.map((r) => r.throughput)),
    cpuUsPerOp: spread(mine.map((r) => r.cpuUsPerOp)),
    p99Ms: p99.length > 0 ? spread(p99) : null,
    rssMbMax: Math.max(...mine.map((r) => r.rssMb)),
    errors: mine.reduce((s, r) => s + r.errors, 0),
  };
}

const int = (v: number): string => Math.round(v).toLocaleString('en-US');
const dec = (v: number, d = 2): string => v.toFixed(d);
const overlap = (a: Spread, b: Spread): boolean => a.min <= b.max && b.min <= a.max;

function markdown(suite: SuiteName, unit: string, s: readonly RevisionSummary[], runs: readonly RunRecord[], shownCpus: readonly number[]): string {
  const [base, head] = s as [RevisionSummary, RevisionSummary];
  const per = suite === 'stream' ? 'µs/row' : 'µs/op';
  const commit = (r: RevisionSummary): string => `${r.sha.slice(0, 10)}${r.dirty ? '+dirty' : ''}`;
  const tRatio = head.throughput.median / base.throughput.median;
  const cRatio = head.cpuUsPerOp.median / base.cpuUsPerOp.median;
  const lines = [
    `### ab: ${suite} (median of ${base.repeats} interleaved runs each; min–max over the runs)`,
    '',
    `| revision | commit | ${unit} | ${unit} min–max | CPU ${per} | CPU ${per} min–max |${suite === 'client' ? ' p99 ms |' : ''} errors |`,
    `|---|---|---:|---:|---:|---:|${suite === 'client' ? '---:|' : ''}---:|`,
    ...s.map((r) =>
      [
        `| ${r.role}: ${r.spec}`,
        commit(r),
        int(r.throughput.median),
        `${int(r.throughput.min)}–${int(r.throughput.max)}`,
        dec(r.cpuUsPerOp.median),
        `${dec(r.cpuUsPerOp.min)}–${dec(r.cpuUsPerOp.max)}`,
        ...(suite === 'client' ? [r.p99Ms ? dec(r.p99Ms.median) : '–'] : []),
        `${r.errors} |`,
      ].join(' | '),
    ),
    `| **head/base** | | **${dec(tRatio, 3)}** | ${overlap(base.throughput, head.throughput) ? 'ranges overlap' : 'ranges apart'} | **${dec(cRatio, 3)}** | ${overlap(base.cpuUsPerOp, head.cpuUsPerOp) ? 'ranges overlap' : 'ranges apart'} |${suite === 'client' ? ' |' : ''} |`,
    '',
    `| run | revision | ${unit} | CPU ${per} | load avg 1 min before→after | busy all / ${shownCpus.map((c) => `cpu${c}`).join(' / ')} % | ours / other processes, cores |`,
    `|---:|---|---:|---:|---|---|---:|`,
    ...runs.map((r, i) => {
      const e = r.environment;
      return `| ${i + 1} | ${r.role} | ${int(r.throughput)} | ${dec(r.cpuUsPerOp)} | ${dec(e.loadAvg1Before)}→${dec(e.loadAvg1After)} | ${[e.machineBusyPct, ...Object.values(e.cpuBusyPct)].map((v) => dec(v, 0)).join(' / ')} | ${dec(e.ownCores)} / ${dec(e.otherCores)} |`;
    }),
  ];
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.base === undefined) {
    console.error(`--base is required\n${USAGE}`);
    return 2;
  }
  const suite = args.suite as SuiteName;
  if (suite !== 'client' && suite !== 'stream') {
    console.error(`unknown suite '${args.suite}'\n${USAGE}`);
    return 2;
  }
  const quick = args.quick;
  const repeats = Number(args.repeats ?? (quick ? 2 : 5));
  const seconds = Number(args.seconds ?? (quick ? 2 : 5));
  const warmupSeconds = Number(args['warmup-seconds'] ?? (quick ? 1 : 2));
  const concurrency = Number(args.concurrency);
  const limit = args.limit !== undefined ? Number(args.limit) : undefined;
  for (const [name, v] of Object.entries({ repeats, seconds, warmupSeconds, concurrency, limit: limit ?? 1 })) {
    if (!Number.isFinite(v) || v < (name === 'warmupSeconds' ? 0 : 1)) {
      console.error(`bad --${name}: ${v}`);
      return 2;
    }
  }
  const log = (l: string): void => console.log(l);

  const machine: MachineInfo = machineInfo();
  console.log(formatMachine(machine));
  console.log(`mode: ${quick ? 'quick (smoke test of the harness; not a measurement)' : 'full'}, suite ${suite}, ${repeats} runs per revision, interleaved`);
  console.log('');

  // Fail before the builds when the server is missing.
  if (suite === 'stream') await checkCassandra();

  const tmp = mkdtempSync(join(os.tmpdir(), 'cqlwire-ab-'));
  cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
  const base = await build('base', args.base, join(tmp, 'base'), log);
  const head = await build('head', args.head, join(tmp, 'head'), log);
  const revs = [base, head] as const;
  for (const r of revs) console.log(`${r.role}: ${r.spec} = ${r.sha.slice(0, 10)}${r.dirty ? ' + uncommitted changes in src/ or protocol/' : ''} ${r.subject.slice(0, 100)}`);

  const prepared = suite === 'client' ? await prepareClient({ concurrency, seconds, warmupSeconds }, log) : await prepareStream(base, { quick, limit }, log);
  if (prepared.warmUp) {
    for (const r of revs) {
      log(`warm-up run (${r.role}, not counted) ...`);
      await prepared.runOnce(r);
    }
  }

  const runs: RunRecord[] = [];
  for (let i = 0; i < repeats; i++) {
    for (const rev of revs) {
      const before = sampleLoad(prepared.pids);
      let out: Awaited<ReturnType<OneRun>>;
      try {
        out = await prepared.runOnce(rev);
      } catch (err) {
        const stderr = String((err as { stderr?: string }).stderr || err).trim().split('\n').slice(-5).join('\n');
        throw new Error(`run ${i + 1} of ${rev.role} (${rev.spec}) failed:\n${stderr}`);
      }
      const env = runLoad(before, sampleLoad(prepared.pids), prepared.shownCpus);
      const rec: RunRecord = { repeat: i + 1, role: rev.role, ...out, environment: env };
      runs.push(rec);
      const busy = Object.entries(env.cpuBusyPct).map(([c, v]) => `${c} ${dec(v, 0)}%`).join(' ');
      log(
        `  run ${i + 1} ${rev.role.padEnd(4)} v${out.protocolVersion} ${int(out.throughput).padStart(9)} ${prepared.unit}  cpu ${dec(out.cpuUsPerOp)} µs/${suite === 'stream' ? 'row' : 'op'}` +
          `${out.p99Ms !== null ? `  p99 ${dec(out.p99Ms)} ms` : ''}  errors ${out.errors}  | load ${dec(env.loadAvg1Before)}→${dec(env.loadAvg1After)}, busy ${busy}, cores ours ${dec(env.ownCores)} others ${dec(env.otherCores)}`,
      );
    }
  }

  const summaries = revs.map((r) => summarise(r, runs));
  const [sb, sh] = summaries as [RevisionSummary, RevisionSummary];
  const md = markdown(suite, prepared.unit, summaries, runs, prepared.shownCpus);
  console.log('');
  console.log(md);
  if (summaries.some((s) => s.errors > 0)) console.log('\nnote: some runs had failed requests; see errors above.');
  for (const r of revs) if (r.buildWarning !== null) console.log(`\nnote: ${r.role} built with tsc errors:\n${r.buildWarning}`);

  const file = args.json ?? join(ROOT, `bench/results/ab/${suite}.json`);
  mkdirSync(dirname(file), { recursive: true });
  const json = {
    machine,
    mode: quick ? 'quick' : 'full',
    suite,
    unit: prepared.unit,
    setup: prepared.setup,
    revisions: revs.map(({ dist: _dist, ...r }) => r),
    summary: summaries,
    ratio: { throughput: sh.throughput.median / sb.throughput.median, cpuUsPerOp: sh.cpuUsPerOp.median / sb.cpuUsPerOp.median },
    runs,
  };
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`\nwrote ${file.startsWith(ROOT) ? file.slice(ROOT.length) : file}`);
  return 0;
}

try {
  process.exitCode = await main();
} catch (err) {
  console.error(`ab: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  cleanup();
}
