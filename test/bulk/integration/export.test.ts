// The export / import CLI on the real node: CSV and NDJSON round trips of awkward values
// (quotes, commas and line breaks in text, bigints, blobs, timestamps, lists, nulls), and an
// export interrupted after a checkpoint, resumed by appending, without duplicates or gaps; and the
// `cqlwire` command itself, in a process of its own, piping a table out and back in.
import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/commands/bulk.js';
import { exportTable } from '../../../src/bulk/export.js';
import type { Client, ScanCheckpoint } from '../../../src/index.js';
import { contactPoints } from '../../integration/env.js';
import { connect, createKeyspace, ddl, dropKeyspace, uniqueKeyspace } from '../../integration/helpers.js';

const ks = uniqueKeyspace('bulkio');
let client: Client;
const dir = mkdtempSync(join(tmpdir(), 'cqlwire-export-'));
const COLS = '(id int PRIMARY KEY, name text, n bigint, b blob, ts timestamp, l list<int>)';

/** Runs the CLI with a string as stdin; resolves with its exit code and output. */
async function cli(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await main([...args, '--contact-points', contactPoints().join(',')], { stdin: Readable.from([stdin]), stdout, stderr });
  return { code, out, err };
}

const sorted = (text: string): string[] => text.split('\n').filter(Boolean).sort();

/**
 * Runs the `cqlwire` command (src/cli.ts, the package's bin once built) in a process of its own,
 * through tsx: dist/ may be rebuilt meanwhile by the packaging tests, which check the built bin.
 */
async function bin(args: string[], stdin = ''): Promise<{ code: number | null; out: string; err: string }> {
  const cli = new URL('../../../src/cli.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args, '--contact-points', contactPoints().join(',')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  child.stdin.end(stdin);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return { code, out, err };
}

describe('export / import', () => {
  beforeAll(async () => {
    client = await connect();
    await createKeyspace(client, ks);
    await ddl(client, `CREATE TABLE ${ks}.src ${COLS}`, `CREATE TABLE ${ks}.csv ${COLS}`, `CREATE TABLE ${ks}.json ${COLS}`, `CREATE TABLE ${ks}.bin ${COLS}`);
    const rows = Array.from({ length: 3000 }, (_, i) => [i, i % 3 === 0 ? `a,"b"\nc${i}` : i % 3 === 1 ? null : `x${i}`, BigInt(i) ** 4n, Buffer.from([i & 255, 0, 7]), new Date(1_700_000_000_000 + i), i % 5 === 0 ? null : [i, -i]]);
    const r = await client.executeConcurrent(`INSERT INTO ${ks}.src (id, name, n, b, ts, l) VALUES (?, ?, ?, ?, ?, ?)`, rows);
    expect(r.failed).toBe(0);
  }, 120_000);

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    if (client) {
      await dropKeyspace(client, ks).catch(() => undefined);
      await client.close();
    }
  });

  it('CSV and NDJSON round trips give back the same table', async () => {
    const original = await cli(['export', `${ks}.src`, '--format', 'ndjson']);
    expect(original.code).toBe(0);
    expect(sorted(original.out)).toHaveLength(3000);
    for (const format of ['csv', 'ndjson'] as const) {
      const exported = await cli(['export', `${ks}.src`, '--format', format]);
      expect(exported.code).toBe(0);
      const imported = await cli(['import', `${ks}.${format === 'csv' ? 'csv' : 'json'}`, '--format', format, '--concurrency', '32'], exported.out);
      expect(imported.err).toContain('imported 3,000 rows');
      expect(imported.code).toBe(0);
      const back = await cli(['export', `${ks}.${format === 'csv' ? 'csv' : 'json'}`, '--format', 'ndjson']);
      expect(sorted(back.out)).toEqual(sorted(original.out));
    }
  }, 120_000);

  it('the cqlwire command exports to stdout and imports from stdin (in a process of its own)', async () => {
    const original = await cli(['export', `${ks}.src`, '--format', 'ndjson']);
    const exported = await bin(['export', `${ks}.src`, '--format', 'csv']);
    expect(exported.err).toMatch(/^exported 3,000 rows in [\d.]+ s \([\d,]+ rows\/s\)\n$/); // not a terminal: one closing line
    expect(exported.code).toBe(0);
    const inProcess = await cli(['export', `${ks}.src`, '--format', 'csv']);
    expect(exported.out.slice(0, exported.out.indexOf('\n'))).toBe(inProcess.out.slice(0, inProcess.out.indexOf('\n'))); // the same header
    expect(exported.out.length).toBe(inProcess.out.length); // and as much after it (rows come in scan order)
    const imported = await bin(['import', `${ks}.bin`, '--format', 'csv'], exported.out);
    expect(imported.code).toBe(0);
    expect(imported.err).toContain('imported 3,000 rows'); // stderr is not a terminal: one closing line
    const back = await bin(['export', `${ks}.bin`, '--format', 'ndjson']);
    expect(back.code).toBe(0);
    expect(sorted(back.out)).toEqual(sorted(original.out));
    const unknown = await bin(['exprot', `${ks}.src`]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown command 'exprot'");
  }, 120_000);

  it('import reports bad records with their positions and exits 1', async () => {
    const r = await cli(['import', `${ks}.json`, '--format', 'ndjson'], '{"id":1,"n":"5"}\n{"id":"x","n":"5"}\n{"id":3,"n":"5"}\n');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/record 2: /);
    expect(r.err).toContain('1 of 3 records failed');
  });

  it('an export stopped after a checkpoint and resumed (appending) has every row once', async () => {
    // A crash right after the second checkpoint (2,000 rows): what was written after that
    // checkpoint may be lost, so the output is cut there, as a crashed process leaves it.
    let written = '';
    let cut = 0;
    let checkpoint: ScanCheckpoint | undefined;
    const out = new PassThrough();
    out.on('data', (c: Buffer) => (written += c.toString()));
    let calls = 0;
    const outcome = await exportTable(client, ks, 'src', out, {
      format: 'ndjson',
      fetchSize: 100,
      parallelism: 2,
      checkpointIntervalMs: 0,
      onCheckpoint: (cp) => {
        checkpoint = JSON.parse(JSON.stringify(cp)) as ScanCheckpoint;
        cut = written.length;
        if (++calls === 2) throw new Error('crash');
      },
    }).then(
      () => 'finished',
      (e: Error) => e.message,
    );
    expect(outcome).toBe('crash');
    written = written.slice(0, cut);
    expect(written.split('\n').filter(Boolean)).toHaveLength(2000);
    const file = join(dir, 'cp.json');
    writeFileSync(file, JSON.stringify(checkpoint));
    const rest = await cli(['export', `${ks}.src`, '--format', 'ndjson', '--checkpoint', file]);
    expect(rest.code).toBe(0);
    written += rest.out;
    expect(JSON.parse(readFileSync(file, 'utf8')).splits.every((s: { done: boolean }) => s.done)).toBe(true);
    const ids = written.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: number }).id);
    expect(ids.length).toBe(3000);
    expect(new Set(ids).size).toBe(3000);
  }, 120_000);
});
