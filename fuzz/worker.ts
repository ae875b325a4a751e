// Worker side of the CLI's hang guard: runs one target with fuzzTarget() and records each input
// in shared memory before running it, so the main thread can save it if the case never returns.
import { parentPort, workerData } from 'node:worker_threads';
import { fuzzTarget, loadCorpus, MAX_INPUT } from './engine.js';
import { TARGETS } from './targets.js';

/** What the CLI passes to this worker. */
export interface WorkerInput {
  /** Target name. */
  readonly target: string;
  /** Time budget. */
  readonly ms: number;
  /** PRNG seed. */
  readonly seed: number;
  /** [Int32 case counter][Int32 input length][input bytes (MAX_INPUT)]. */
  readonly shared: SharedArrayBuffer;
}

const input = workerData as WorkerInput;
const target = TARGETS.find((t) => t.name === input.target);
if (target === undefined) throw new Error(`unknown target ${input.target}`);
const header = new Int32Array(input.shared, 0, 2);
const bytes = new Uint8Array(input.shared, 8, MAX_INPUT);

const report = fuzzTarget(target, {
  ms: input.ms,
  seed: input.seed,
  corpus: loadCorpus(target.name),
  beforeCase(b) {
    bytes.set(b.subarray(0, MAX_INPUT));
    header[1] = Math.min(b.length, MAX_INPUT);
    Atomics.add(header, 0, 1);
  },
});
parentPort?.postMessage(report);
