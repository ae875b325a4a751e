// Runs a target's fuzz loop in a worker thread and watches it: a case that stops making
// progress (an infinite loop cannot be interrupted from inside) becomes a 'hang' crash with the
// input that was running. Used by the CLI and the CI smoke test.
import { Worker } from 'node:worker_threads';
import { MAX_INPUT, type Crash, type FuzzReport } from './engine.js';
import type { FuzzTarget } from './targets.js';
import type { WorkerInput } from './worker.js';

/**
 * Fuzz `target` for `ms` in a worker; resolves with its report, or with a 'hang' crash when no
 * case finished for `hangMs`, or an 'exception'/'memory' crash if the worker itself died.
 */
export function runInWorker(target: FuzzTarget, ms: number, seed: number, hangMs: number): Promise<FuzzReport> {
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
