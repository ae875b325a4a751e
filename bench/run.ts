// `npm run bench -- [--suite NAME[,NAME]] [--quick] [--json FILE] [--runs N] [--seconds S]
//   [--concurrency 1,64,...] [--drivers a,b] [--max-other-load CORES] [--max-attempts N]`
// Prints the machine and how long each suite will take first, installs or starts what a suite
// needs (comparison drivers, the local Cassandra), runs each suite (bench/suites/<name>.ts), and writes
// bench/results/<suite>.json + <suite>.md + <suite>.svg (full runs only; --quick writes only what
// --json asks). `npm run bench:chart` redraws the SVGs from the JSON files alone.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { chartsFor } from './lib/chart.js';
import { INSTALL_HINT, ensureBenchDependencies } from './lib/drivers.js';
import { formatMachine, machineInfo } from './lib/machine.js';
import { DEFAULT_MAX_OTHER_CORES } from './lib/machine-load.js';
import { ratioTable, setupLines, toMarkdown, type ResultFile, type ResultRow } from './lib/result.js';
import type { Suite, SuiteContext, SuiteOutput } from './lib/suite.js';

const BENCH_DIR = new URL('.', import.meta.url).pathname;
const SUITES_DIR = join(BENCH_DIR, 'suites');
const RESULTS_DIR = join(BENCH_DIR, 'results');

const available = readdirSync(SUITES_DIR)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();

const USAGE = `usage: npm run bench -- [--suite NAME[,NAME]] [--quick] [--json FILE]
  [--runs N] [--seconds S] [--concurrency 1,64,256] [--drivers cqlwire,cassandra-driver,python-driver,async-cassandra,bare-socket]
  [--max-other-load CORES] [--max-attempts N] [--rev COMMIT]
suites: ${available.join(', ')}
--runs/--seconds/--concurrency/--drivers: the client suite (runs/seconds also codec); defaults as in README.
--max-other-load: repeat a run when other processes took more than this many cores of our CPUs
  (default ${DEFAULT_MAX_OTHER_CORES}); --max-attempts: at most this many attempts per run (default 3).
--rev: measure cqlwire built from that commit (git archive into a temp dir) instead of the working tree.
Comparison drivers are not root dependencies: they are installed into bench/node_modules
(npm ci in bench/) on the first run; the Python ones into bench/.venv (bench/python/setup.sh).`;

const { values: args } = parseArgs({
  options: {
    suite: { type: 'string', multiple: true },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    runs: { type: 'string' },
    seconds: { type: 'string' },
    concurrency: { type: 'string' },
    drivers: { type: 'string' },
    'max-other-load': { type: 'string' },
    'max-attempts': { type: 'string' },
    rev: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

async function loadSuite(name: string): Promise<Suite> {
  if (!available.includes(name)) {
    console.error(`unknown suite '${name}'\n${USAGE}`);
    process.exit(2);
  }
  const mod = (await import(`./suites/${name}.ts`)) as { default: Suite };
  return mod.default;
}

/** A positive number option, or exit with the usage. */
function positive(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`bad --${name}: ${v}\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

const list = (v: string | undefined): string[] | undefined => v?.split(',').map((s) => s.trim()).filter((s) => s !== '');

function duration(seconds: number): string {
  return seconds < 90 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
}

async function main(): Promise<number> {
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const names = (args.suite ?? []).flatMap((s) => s.split(',')).filter((s) => s !== '');
  const ctx: SuiteContext = {
    quick: args.quick,
    log: (l) => console.log(l),
    ...(args.runs !== undefined ? { runs: Math.round(positive('runs', args.runs)!) } : {}),
    ...(args.seconds !== undefined ? { seconds: positive('seconds', args.seconds)! } : {}),
    ...(args.concurrency !== undefined ? { concurrency: list(args.concurrency)!.map((c) => Math.round(positive('concurrency', c)!)) } : {}),
    ...(args.drivers !== undefined ? { drivers: list(args.drivers)! } : {}),
    maxOtherCores: positive('max-other-load', args['max-other-load']) ?? DEFAULT_MAX_OTHER_CORES,
    maxAttempts: Math.round(positive('max-attempts', args['max-attempts']) ?? 3),
    ...(args.rev !== undefined ? { rev: args.rev } : {}),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
  };
  const suites = await Promise.all((names.length > 0 ? names : available).map(loadSuite));

  // How long, before anything slow happens (installs, builds, a Cassandra start).
  let total = 0;
  for (const s of suites) {
    const e = s.estimate(ctx);
    total += e.seconds;
    console.log(`${s.name}: about ${duration(e.seconds)}${e.note ? ` (${e.note})` : ''}`);
  }
  if (suites.length > 1) console.log(`all: about ${duration(total)}`);

  ensureBenchDependencies((line) => console.log(line));
  const prepared: Suite[] = [];
  const cleanupAll = async (): Promise<void> => {
    for (const s of prepared.splice(0).reverse()) {
      try {
        await s.cleanup?.(ctx);
      } catch (err) {
        console.error(`${s.name} cleanup: ${String(err)}`);
      }
    }
  };
  // Ctrl-C must not leave a Cassandra this run started behind.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`bench: ${signal}: cleaning up`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
  try {
    return await runSuites(suites, ctx, prepared);
  } finally {
    await cleanupAll();
  }
}

async function runSuites(suites: readonly Suite[], ctx: SuiteContext, prepared: Suite[]): Promise<number> {
  for (const s of suites) {
    prepared.push(s);
    await s.prepare?.(ctx);
  }
  const drivers: Record<string, string | null> = {};
  for (const s of suites) Object.assign(drivers, await s.driverVersions());
  const machine = machineInfo(drivers);
  console.log(formatMachine(machine));
  if (Object.values(drivers).some((v) => v === null)) console.log(`note: ${INSTALL_HINT}`);
  console.log(args.quick ? 'mode: quick (short repeats; results not written to bench/results/)' : 'mode: full');
  console.log('');

  const all: ResultRow[] = [];
  for (const suite of suites) {
    console.log(`== ${suite.name}: ${suite.description}`);
    const started = performance.now();
    const out = await suite.run(ctx);
    const output: SuiteOutput = Array.isArray(out) ? { results: out } : (out as SuiteOutput);
    const rows = output.results;
    all.push(...rows);
    console.log(`${suite.name} took ${duration((performance.now() - started) / 1000)}`);
    if (output.setup !== undefined) for (const l of setupLines(output.setup)) console.log(l);
    if (output.ratios !== undefined && output.ratios.length > 0) console.log(ratioTable(output.ratios).join('\n'));
    if (!args.quick) {
      mkdirSync(RESULTS_DIR, { recursive: true });
      const file: ResultFile = { machine, ...output };
      writeFileSync(join(RESULTS_DIR, `${suite.name}.json`), `${JSON.stringify(file, null, 2)}\n`);
      writeFileSync(join(RESULTS_DIR, `${suite.name}.md`), toMarkdown(`bench: ${suite.name}`, file));
      const svg = chartsFor(file).get(suite.name);
      if (svg !== undefined) writeFileSync(join(RESULTS_DIR, `${suite.name}.svg`), svg);
      console.log(`wrote bench/results/${suite.name}.json, .md${svg !== undefined ? ' and .svg' : ''}`);
    }
    console.log('');
  }
  if (args.json !== undefined) {
    if (!existsSync(dirname(args.json))) mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(args.json, `${JSON.stringify({ machine, results: all } satisfies ResultFile, null, 2)}\n`);
    console.log(`wrote ${args.json}`);
  }
  console.log(toMarkdown('results', { machine, results: all }).split('\n').filter((l) => l.startsWith('|')).join('\n'));
  return 0;
}

try {
  process.exitCode = await main();
} catch (err) {
  // A message, not a stack trace: most failures here are set-up problems a user can fix (no
  // Cassandra, no network for the installs). BENCH_DEBUG=1 shows the stack.
  console.error(`bench: ${err instanceof Error ? (process.env.BENCH_DEBUG ? (err.stack ?? err.message) : err.message) : String(err)}`);
  process.exitCode = 1;
}
