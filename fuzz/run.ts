// `npm run fuzz [-- options]`: time-boxed fuzzing of every protocol/ decoder. See fuzz/README.md.
import { readFileSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { runOne, writeCorpus, writeCrash } from './engine.js';
import { runInWorker } from './supervisor.js';
import { TARGETS, type FuzzTarget } from './targets.js';

const USAGE = `usage: npm run fuzz -- [--seconds N] [--target NAME[,NAME]] [--seed N] [--hang-seconds N]
       npm run fuzz -- --repro FILE [--target NAME]   run one saved input and print the outcome
       npm run fuzz -- --update-corpus                 rewrite fuzz/corpus/ from the encoders
       npm run fuzz -- --list
targets: ${TARGETS.map((t) => t.name).join(', ')}`;

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    target: { type: 'string', multiple: true },
    seed: { type: 'string' },
    'hang-seconds': { type: 'string', default: '10' },
    repro: { type: 'string' },
    'update-corpus': { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function selectTargets(): FuzzTarget[] {
  const names = (args.target ?? []).flatMap((t) => t.split(',')).filter((t) => t !== '');
  if (names.length === 0) return [...TARGETS];
  return names.map((n) => TARGETS.find((t) => t.name === n) ?? fail(`unknown target '${n}'\n${USAGE}`));
}

function reproCommand(target: string, file: string): string {
  return `npm run fuzz -- --target ${target} --repro ${relative(process.cwd(), file)}`;
}

async function main(): Promise<number> {
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.list) {
    for (const t of TARGETS) console.log(`${t.name.padEnd(10)} ${t.description}`);
    return 0;
  }
  const targets = selectTargets();
  if (args['update-corpus']) {
    for (const t of targets) console.log(`${t.name}: wrote ${writeCorpus(t)} seed files to fuzz/corpus/${t.name}/`);
    return 0;
  }
  if (args.repro !== undefined) {
    const file = args.repro;
    const name = args.target?.[0] ?? basename(file).split('-')[0];
    const target = TARGETS.find((t) => t.name === name) ?? fail(`cannot tell the target of ${file}: pass --target`);
    const input = readFileSync(file);
    const { label, crash } = runOne(target, input);
    if (crash === undefined) {
      console.log(`${target.name}: no crash (${label})`);
      return 0;
    }
    console.log(`${target.name}: ${crash.kind}\n${crash.detail}`);
    return 1;
  }

  const seconds = Number(args.seconds);
  if (!(seconds > 0)) fail(`--seconds must be a positive number\n${USAGE}`);
  const seed = args.seed !== undefined ? Number(args.seed) >>> 0 : (Date.now() ^ process.pid) >>> 0;
  const hangMs = Number(args['hang-seconds']) * 1000;
  const perTarget = (seconds * 1000) / targets.length;
  console.log(`fuzzing ${targets.length} target(s) for ${seconds} s in total, seed ${seed} (random mutation, no coverage guidance)`);

  let crashes = 0;
  for (const [i, t] of targets.entries()) {
    const r = await runInWorker(t, perTarget, (seed + i) >>> 0, hangMs);
    const rate = Math.round(r.cases / (perTarget / 1000));
    if (r.crash === undefined) {
      console.log(`${t.name.padEnd(9)} ok     ${String(r.cases).padStart(9)} cases (${rate}/s), ${r.outcomes} distinct outcomes, pool ${r.pool}`);
      continue;
    }
    crashes++;
    const file = writeCrash(r.crash);
    console.log(`${t.name.padEnd(9)} CRASH  ${r.crash.kind} after ${r.cases} cases`);
    console.log(r.crash.detail.split('\n').slice(0, 12).map((l) => `    ${l}`).join('\n'));
    console.log(`    input saved to ${relative(process.cwd(), file)} (${r.crash.input.length} bytes)`);
    console.log(`    reproduce: ${reproCommand(t.name, file)}`);
  }
  return crashes === 0 ? 0 : 1;
}

process.exitCode = await main();
