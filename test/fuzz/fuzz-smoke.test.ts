// CI smoke run of the fuzz targets (fuzz/): each target for ~2 s through the same supervisor,
// worker and engine as `npm run fuzz`, from its committed corpus (a hang is caught by the
// supervisor's watchdog, not left to block the test runner). A crash fails with the saved input
// and a repro line.
import { relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadCorpus, writeCrash } from '../../fuzz/engine.js';
import { runInWorker } from '../../fuzz/supervisor.js';
import { TARGETS } from '../../fuzz/targets.js';

const MS = Number(process.env.CQLWIRE_FUZZ_MS ?? 2000);
const SEED = Number(process.env.CQLWIRE_FUZZ_SEED ?? 20261125) >>> 0;

describe('fuzz smoke', () => {
  test('every target has committed seed files', () => {
    for (const t of TARGETS) expect(loadCorpus(t.name).length, t.name).toBeGreaterThan(0);
  });

  test.each(TARGETS.map((t) => [t.name, t] as const))('%s: no crash in a short run', async (_name, target) => {
    const report = await runInWorker(target, MS, SEED, 10_000);
    if (report.crash !== undefined) {
      const file = writeCrash(report.crash);
      const repro = `npm run fuzz -- --target ${target.name} --repro ${relative(process.cwd(), file)}`;
      expect.fail(`${report.crash.kind} in ${target.name} after ${report.cases} cases (seed ${SEED}); reproduce: ${repro}\n${report.crash.detail}`);
    }
    // The loop really ran: seeds plus mutated inputs, and it saw more than one outcome.
    expect(report.cases).toBeGreaterThan(target.seeds().length);
    expect(report.outcomes).toBeGreaterThan(1);
  });
});
