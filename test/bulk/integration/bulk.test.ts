// Bulk work against the real node: 200,000 rows loaded by executeConcurrent from an async
// generator with bounded memory, errors with their inputs' positions, and `scan` delivering
// every row exactly once (count and checksum against what was loaded), also when stopped at
// random points and resumed from a JSON round-tripped checkpoint.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, type Client, type ScanCheckpoint } from '../../../src/index.js';
import { connect, createKeyspace, ddl, dropKeyspace, uniqueKeyspace } from '../../integration/helpers.js';

const ROWS = 200_000;
const ks = uniqueKeyspace('bulk');
let client: Client;

/** The text value of row `id`: some rows long, so pages differ in bytes. */
const textOf = (id: number): string => `v${id}`.padEnd(id % 7 === 0 ? 200 : 8, '.');
/** An order-independent checksum of (id, v) pairs: sum of the first 6 bytes of each pair's SHA-1. */
function checksum(pairs: Iterable<readonly [number, string]>): bigint {
  let sum = 0n;
  for (const [id, v] of pairs) sum += BigInt('0x' + createHash('sha1').update(`${id}:${v}`).digest('hex').slice(0, 12));
  return sum;
}

async function* generated(n: number, pulled: { count: number }): AsyncGenerator<[number, string, bigint]> {
  for (let id = 0; id < n; id++) {
    pulled.count++;
    yield [id, textOf(id), BigInt(id) * 3n];
  }
}

describe('bulk work on the real node', () => {
  beforeAll(async () => {
    client = await connect();
    await createKeyspace(client, ks);
    await ddl(client, `CREATE TABLE ${ks}.t (id int PRIMARY KEY, v text, n bigint)`, `CREATE TABLE ${ks}.wide (p int, c int, v text, PRIMARY KEY (p, c))`, `CREATE TABLE ${ks}.e (id int PRIMARY KEY, v text)`);
  }, 120_000);

  afterAll(async () => {
    if (client) {
      await dropKeyspace(client, ks).catch(() => undefined);
      await client.close();
    }
  });

  it('loads 200,000 rows from an async generator, reading it only as requests complete (bounded memory)', async () => {
    const pulled = { count: 0 };
    let maxAhead = 0;
    let maxHeap = 0;
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const run = client.executeConcurrent(`INSERT INTO ${ks}.t (id, v, n) VALUES (?, ?, ?)`, generated(ROWS, pulled), {
      concurrency: 256,
      idempotent: true,
      progressIntervalMs: 50,
      onProgress: (p) => {
        maxAhead = Math.max(maxAhead, pulled.count - p.succeeded - p.failed);
        maxHeap = Math.max(maxHeap, process.memoryUsage().heapUsed - heap0);
      },
    });
    const result = await run;
    expect(result).toMatchObject({ total: ROWS, succeeded: ROWS, failed: 0, errors: [] });
    // Never more inputs taken than requests in flight plus the one being read.
    expect(maxAhead).toBeLessThanOrEqual(257);
    // The whole input (200,000 rows of arrays, strings and bigints) would be tens of MB: the
    // heap stays well under what holding it would take.
    expect(maxHeap).toBeLessThan(96 * 1024 * 1024);
    // Every id once, read back page by page: a server-side count(*) of the whole table is one
    // local read that a slow node may fail (ReadFailure) before it ends.
    const seen = new Uint8Array(ROWS);
    let wrongN = 0;
    for await (const row of client.stream<{ id: number; n: bigint }>(`SELECT id, n FROM ${ks}.t`, null, { fetchSize: 5000, timeoutMs: 60_000 })) {
      seen[row.id]!++;
      if (row.n !== BigInt(row.id) * 3n) wrongN++;
    }
    expect(seen.findIndex((x) => x !== 1)).toBe(-1);
    expect(wrongN).toBe(0);
  }, 300_000);

  it('collects server errors with the positions and values of the inputs that caused them', async () => {
    // A negative TTL is refused by the server (InvalidRequest): inputs 5, 17, 42 of 60.
    const bad = new Set([5, 17, 42]);
    const values = Array.from({ length: 60 }, (_, i) => [i, `e${i}`, bad.has(i) ? -1 : 100]);
    const result = await client.executeConcurrent(`INSERT INTO ${ks}.e (id, v) VALUES (?, ?) USING TTL ?`, values, { concurrency: 8 });
    expect(result.succeeded).toBe(57);
    expect(result.failed).toBe(3);
    expect(result.errors.map((e) => e.index).sort((a, b) => a - b)).toEqual([5, 17, 42]);
    for (const e of result.errors) {
      expect(e.params).toEqual([e.index, `e${e.index}`, -1]);
      expect(e.error).toMatchObject({ code: 'ERR_SERVER_INVALID' });
    }
    // The list form, with a statement per input.
    const mixed = await client.executeConcurrent([
      { query: `INSERT INTO ${ks}.e (id, v) VALUES (?, ?)`, params: [1000, 'a'] },
      { query: `UPDATE ${ks}.e SET v = ? WHERE id = ?`, params: ['b', 1000] },
      { query: `INSERT INTO ${ks}.e (id, v) VALUES (?, ?) USING TTL ?`, params: [1001, 'c', -5] },
    ], { concurrency: 1 });
    expect(mixed).toMatchObject({ total: 3, succeeded: 2, failed: 1 });
    expect(mixed.errors[0]!.index).toBe(2);
  });

  it('scan returns every row exactly once: count and checksum against the loaded rows', async () => {
    const expected = checksum(Array.from({ length: ROWS }, (_, id) => [id, textOf(id)] as const));
    const seen = new Uint8Array(ROWS);
    const pairs: [number, string][] = [];
    const scan = client.scan<{ id: number; v: string; n: bigint }>(ks, 't', { parallelism: 6, splitsPerHost: 16, fetchSize: 2000 });
    for await (const row of scan) {
      seen[row.id]!++;
      pairs.push([row.id, row.v]);
      if (row.n !== BigInt(row.id) * 3n) throw new Error(`row ${row.id}: n = ${row.n}`);
    }
    expect(scan.rowCount).toBe(ROWS);
    expect(seen.every((x) => x === 1)).toBe(true);
    expect(checksum(pairs)).toBe(expected);
    expect(scan.splits.done).toBe(scan.splits.total);
    expect(scan.splits.total).toBeGreaterThanOrEqual(16);
    expect(scan.checkpoint().splits.every((s) => s.done)).toBe(true);
  }, 300_000);

  it('scan stopped at random points and resumed from its checkpoint (JSON round trip) delivers each row once', async () => {
    const seen = new Uint8Array(ROWS);
    let checkpoint: ScanCheckpoint | undefined;
    let stops = 0;
    // Deterministic "random" stop points (a seeded LCG), some mid-page (page size 997).
    let seed = 12345;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let round = 0; round < 12; round++) {
      const stopAfter = round === 11 ? Infinity : 1 + rnd(40_000);
      const scan = client.scan<{ id: number }>(ks, 't', { columns: ['id'], parallelism: 4, fetchSize: 997, ...(checkpoint ? { resumeFrom: checkpoint } : {}) });
      let n = 0;
      for await (const row of scan) {
        seen[row.id]!++;
        if (++n >= stopAfter) break;
      }
      checkpoint = JSON.parse(JSON.stringify(scan.checkpoint())) as ScanCheckpoint;
      if (checkpoint.splits.every((s) => s.done)) break;
      stops++;
    }
    expect(stops).toBeGreaterThanOrEqual(3);
    const dup = seen.findIndex((x) => x > 1);
    const missing = seen.findIndex((x) => x === 0);
    expect({ dup, missing }).toEqual({ dup: -1, missing: -1 });
  }, 300_000);

  it('scan of a table with clustering rows, selected columns and a WHERE on a regular column (ALLOW FILTERING)', async () => {
    const rows: [number, number, string][] = [];
    for (let p = 0; p < 50; p++) for (let c = 0; c < 40; c++) rows.push([p, c, c % 4 === 0 ? 'keep' : 'drop']);
    const r = await client.executeConcurrent(`INSERT INTO ${ks}.wide (p, c, v) VALUES (?, ?, ?)`, rows, { concurrency: 64 });
    expect(r.failed).toBe(0);
    // Stopped in the middle of partitions (page size 7), resumed: each clustering row once.
    const seen = new Map<string, number>();
    let checkpoint: ScanCheckpoint | undefined;
    for (let round = 0; round < 50; round++) {
      const scan = client.scan<{ p: number; c: number }>(ks, 'wide', { columns: ['p', 'c'], fetchSize: 7, parallelism: 3, ...(checkpoint ? { resumeFrom: checkpoint } : {}) });
      let n = 0;
      for await (const row of scan) {
        const k = `${row.p}/${row.c}`;
        seen.set(k, (seen.get(k) ?? 0) + 1);
        if (++n === 333) break;
      }
      checkpoint = scan.checkpoint();
      if (checkpoint.splits.every((s) => s.done)) break;
    }
    expect(seen.size).toBe(2000);
    expect([...seen.values()].every((x) => x === 1)).toBe(true);
    const kept: string[] = [];
    for await (const row of client.scan<{ p: number; c: number; v: string }>(ks, 'wide', { where: 'v = ?', whereParams: ['keep'], allowFiltering: true })) {
      expect(row.v).toBe('keep');
      expect(Object.keys(row).sort()).toEqual(['c', 'p', 'v']);
      kept.push(`${row.p}/${row.c}`);
    }
    expect(kept).toHaveLength(500);
  }, 300_000);

  it('scan: an unknown table and bad options fail the iteration with InvalidArgumentError naming the option', async () => {
    const first = async (it: AsyncIterable<unknown>): Promise<unknown> => {
      for await (const x of it) return x;
      return undefined;
    };
    await expect(first(client.scan(ks, 'nope'))).rejects.toThrow(InvalidArgumentError);
    await expect(first(client.scan(ks, 't', { parallelism: 0 }))).rejects.toThrow(/options.parallelism/);
    await expect(first(client.scan(ks, 't', { columns: [] }))).rejects.toThrow(/options.columns/);
    await expect(first(client.scan(ks, 't', { resumeFrom: { version: 1, keyspace: ks, table: 'other', fetchSize: 10, splits: [] } }))).rejects.toThrow(/options.resumeFrom/);
  });
});
