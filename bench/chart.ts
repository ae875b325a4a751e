// `npm run bench:chart -- [FILE.json ...]`
// Redraws the SVG chart of each results file (default: every bench/results/*.json) without
// running any benchmark: bench/results/<suite>.json → bench/results/<suite>.svg. A file holding
// several suites (from `npm run bench -- --json FILE`) gives FILE-<suite>.svg per suite.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { chartsFor } from './lib/chart.js';
import type { ResultFile } from './lib/result.js';

const RESULTS_DIR = join(new URL('.', import.meta.url).pathname, 'results');

const files = process.argv.slice(2).filter((a) => a !== '--');
const inputs =
  files.length > 0
    ? files
    : readdirSync(RESULTS_DIR)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => join(RESULTS_DIR, f));

let failed = 0;
for (const path of inputs) {
  let file: ResultFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as ResultFile;
    if (!Array.isArray(file.results) || typeof file.machine !== 'object' || file.machine === null) throw new Error('not a results file ({ machine, results })');
  } catch (err) {
    console.error(`${path}: ${(err as Error).message}`);
    failed++;
    continue;
  }
  const charts = chartsFor(file);
  const stem = join(dirname(path), basename(path, '.json'));
  for (const [suite, svg] of charts) {
    const out = charts.size === 1 ? `${stem}.svg` : `${stem}-${suite}.svg`;
    writeFileSync(out, svg);
    console.log(`wrote ${out} (${file.results.filter((r) => r.suite === suite).length} rows)`);
  }
  if (charts.size === 0) console.log(`${path}: no results, no chart`);
}
process.exitCode = failed > 0 ? 1 : 0;
