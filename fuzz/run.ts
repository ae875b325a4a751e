// `npm run fuzz [-- options]`: time-boxed fuzzing of every protocol/ decoder. See fuzz/README.md.
import { readFileSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { MAX_INPUT, runOne, writeCorpus, writeCrash, type Crash, type FuzzReport } from './engine.js';
import { TARGETS, type FuzzTarget } from './targets.js';
import type { WorkerInput } from './worker.js';

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

/** Run one target in a worker; a case that stops making progress for hangMs is a 'hang' crash. */
function runInWorker(target: FuzzTarget, ms: number, seed: number, hangMs: number): Promise<FuzzReport> {
  const shared = new SharedArrayBuffer(8 + MAX_INPUT);
  const header = new Int32Array(shared, 0, 2);
  const data: WorkerInput = { target: target.name, ms, seed, shared };
  const worker = new Worker(new URL('./worker-bootstrap.mjs', import.meta.url), { workerData: data });
  return new Promise((resolve, reject) => {
    let lastCount = -1;
    let lastChange = performance.now();
    let settled = false;
    const timer = setInterval(() => {
      const count = Atomics.load(header, 0);
      if (count !== lastCount) {
        lastCount = count;
        lastChange = performance.now();
        return;
      }
      if (performance.now() - lastChange < hangMs) return;
      settled = true;
      clearInterval(timer);
      const input = Buffer.from(new Uint8Array(shared, 8, Atomics.load(header, 1)));
      const crash: Crash = { target: target.name, kind: 'hang', input, detail: `no progress for ${hangMs} ms (input being run when it stopped)` };
      void worker.terminate().then(() => resolve({ target: target.name, cases: count, outcomes: 0, pool: 0, crash }));
    }, 250);
    worker.once('message', (r: FuzzReport) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      const crash = r.crash === undefined ? undefined : { ...r.crash, input: Buffer.from(r.crash.input) };
      resolve({ ...r, crash });
    });
    worker.once('error', (err) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      const cases = Atomics.load(header, 0);
      if (cases === 0) {
        reject(err); // the harness itself failed to start
        return;
      }
      // An error escaping the loop itself (e.g. out of memory in the worker): keep the last input.
      const input = Buffer.from(new Uint8Array(shared, 8, Atomics.load(header, 1)));
      const kind = (err as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : 'exception';
      resolve({ target: target.name, cases, outcomes: 0, pool: 0, crash: { target: target.name, kind, input, detail: `worker died: ${err.stack ?? String(err)}` } });
    });
    worker.once('exit', (code) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      reject(new Error(`fuzz worker for ${target.name} exited with code ${code} without a report`));
    });
  });
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
