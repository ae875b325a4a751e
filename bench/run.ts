// `npm run bench -- [--suite NAME[,NAME]] [--quick] [--json FILE]`
// Prints the machine first, runs each suite (bench/suites/<name>.ts), and writes
// bench/results/<suite>.json + <suite>.md + <suite>.svg (full runs only; --quick writes only what
// --json asks). `npm run bench:chart` redraws the SVGs from the JSON files alone.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { chartsFor } from './lib/chart.js';
import { INSTALL_HINT, ensureBenchDependencies } from './lib/drivers.js';
import { formatMachine, machineInfo } from './lib/machine.js';
import { toMarkdown, type ResultFile, type ResultRow } from './lib/result.js';
import type { Suite } from './lib/suite.js';

const BENCH_DIR = new URL('.', import.meta.url).pathname;
const SUITES_DIR = join(BENCH_DIR, 'suites');
const RESULTS_DIR = join(BENCH_DIR, 'results');

const available = readdirSync(SUITES_DIR)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();

const USAGE = `usage: npm run bench -- [--suite NAME[,NAME]] [--quick] [--json FILE]
suites: ${available.join(', ')}
Comparison drivers are not root dependencies: they are installed into bench/node_modules
(npm ci in bench/) on the first run; the Python ones into bench/.venv (bench/python/setup.sh).`;

const { values: args } = parseArgs({
  options: {
    suite: { type: 'string', multiple: true },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
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

async function main(): Promise<number> {
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const names = (args.suite ?? []).flatMap((s) => s.split(',')).filter((s) => s !== '');
  ensureBenchDependencies((line) => console.log(line));
  const suites = await Promise.all((names.length > 0 ? names : available).map(loadSuite));
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
    const rows = await suite.run({ quick: args.quick, log: (l) => console.log(l) });
    all.push(...rows);
    if (!args.quick) {
      mkdirSync(RESULTS_DIR, { recursive: true });
      const file: ResultFile = { machine, results: rows };
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

process.exitCode = await main();
