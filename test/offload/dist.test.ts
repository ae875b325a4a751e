// The offload pool from compiled JavaScript (as users run the package): the worker is found as
// worker.js next to pool.js and runs without tsx. Builds the sources into a temporary directory
// (tsc, about 10–30 s) and runs a plain `node` process against it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
let out: string;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'cqlwire-offload-dist-'));
  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out, '--declaration', 'false', '--declarationMap', 'false', '--sourceMap', 'false'], {
    cwd: ROOT,
    stdio: 'pipe',
    timeout: 180_000,
  });
}, 200_000);

afterAll(() => {
  if (out !== undefined) rmSync(out, { recursive: true, force: true });
});

test('dist: OffloadPool starts worker.js without tsx and decodes the same rows as decodeRows', () => {
  expect(existsSync(join(out, 'src/offload/worker.js'))).toBe(true);
  const script = `
    import { OffloadPool } from './src/offload/pool.js';
    import { decodeResultRows } from './src/results/page-rows.js';
    import { Opcode, FrameFlag, rowsResultFromValues, encodeResponseBody, compressV4Body, lz4Compressor, decodeRows } from './protocol/index.js';
    import { isDeepStrictEqual } from 'node:util';
    const columns = [{ keyspace: 'k', table: 't', name: 'id', type: { kind: 'bigint' } }, { keyspace: 'k', table: 't', name: 'v', type: { kind: 'list', element: { kind: 'text' } } }];
    const result = rowsResultFromValues({ columnCount: 2, columns }, Array.from({ length: 500 }, (_, i) => [BigInt(i), ['a' + i, 'é']]));
    const body = encodeResponseBody({ opcode: Opcode.RESULT, result }, 4);
    const pool = new OffloadPool({ workers: 1, minBytes: 0 });
    const env = await pool.decode({ version: 4, isResponse: true, flags: FrameFlag.COMPRESSION, stream: 1, opcode: Opcode.RESULT, body: compressV4Body(lz4Compressor, body) }, 1 << 28);
    const rows = await decodeResultRows(env.message.result, env.message.result.metadata.columns);
    await pool.close();
    console.log(JSON.stringify({ same: isDeepStrictEqual(rows, decodeRows(result)), rows: rows.length, completed: pool.completed }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: out, encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr).toBe('');
  expect(JSON.parse(r.stdout.trim())).toEqual({ same: true, rows: 500, completed: 1 });
  // V8 and process-wide flags are common in production and must not reach the worker, which
  // rejects them (ERR_WORKER_INVALID_EXEC_ARGV).
  const flagged = spawnSync(process.execPath, ['--max-old-space-size=512', '--max-semi-space-size=32', '--input-type=module', '-e', script], { cwd: out, encoding: 'utf8', timeout: 60_000 });
  expect(flagged.stderr).toBe('');
  expect(JSON.parse(flagged.stdout.trim())).toEqual({ same: true, rows: 500, completed: 1 });
});
