// A small app bundled with esbuild streams offloaded pages: the offload worker is found although
// the bundle is run from a directory without node_modules. esbuild does not follow
// `new URL('./worker.js', import.meta.url)`, so the app names the worker's place itself
// (`offload.workerUrl`) and the worker module is bundled as a second entry point next to it.

import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { projectWithPackage, ROOT } from './installed-package.js';

const APP = `
import { Client } from 'cqlwire';
import { DataTypes } from 'cqlwire/protocol';
import { FakeServer, pagedReply } from 'cqlwire/testing';

// ~2.2 KB per row: 100-row pages of ~220 KB, well above minBytes (and over two v5 segments).
const columns = [
  { name: 'i', type: DataTypes.int },
  { name: 'payload', type: DataTypes.text },
];
const text = (i) => {
  let s = '', x = i + 1;
  while (s.length < 2200) { x = (x * 1103515245 + 12345) >>> 0; s += x.toString(36); }
  return s.slice(0, 2200);
};
const rows = Array.from({ length: 1000 }, (_, i) => [i, text(i)]);
const server = await FakeServer.start();
server.when('SELECT * FROM big', pagedReply(columns, rows));
const client = await Client.connect({
  contactPoints: [server.contactPoint],
  heartbeatIntervalMs: 0,
  offload: { workers: 1, minBytes: 16 * 1024, workerUrl: new URL('./cqlwire-offload-worker.js', import.meta.url) },
});
try {
  let count = 0, ok = true;
  for (let round = 0; round < 3; round++) {
    let i = 0;
    for await (const row of client.stream('SELECT * FROM big', [], { fetchSize: 100 })) {
      if (row.i !== i || row.payload !== rows[i][1]) ok = false;
      i++;
      count++;
    }
  }
  console.log(JSON.stringify({ count, ok }));
} finally {
  await client.close();
  await server.close();
}
`;

describe('esbuild bundle with offload workers', () => {
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'cqlwire-esbuild-'));
    writeFileSync(join(projectWithPackage(work), 'app.js'), APP);
  }, 300_000);

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  test('the bundled app streams 3 × 1000 rows through the worker, run where there is no node_modules', async () => {
    const esbuild = await import('esbuild');
    const app = join(work, 'app');
    const out = join(work, 'out');
    await esbuild.build({
      absWorkingDir: app,
      entryPoints: { app: join(app, 'app.js'), 'cqlwire-offload-worker': join(work, 'pkg/dist/src/offload/worker.js') },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outdir: out,
      logLevel: 'silent',
    });
    // Somewhere the package cannot be found: only the two bundled files.
    const run = join(work, 'run');
    mkdirSync(run);
    for (const f of ['app.js', 'cqlwire-offload-worker.js']) cpSync(join(out, f), join(run, f));
    writeFileSync(join(run, 'package.json'), JSON.stringify({ type: 'module' }));
    const r = spawnSync(process.execPath, ['app.js'], { cwd: run, encoding: 'utf8', timeout: 120_000 });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(r.stdout)).toEqual({ count: 3000, ok: true });
  }, 180_000);
});
