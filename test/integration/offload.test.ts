// The offload stage against the real node: the same rows with and without worker threads, for
// a representative set of CQL types (scalars, collections, UDT, tuple, vector, blob, text,
// bigint, decimal, duration) and for a multi-page stream, on v5 and v4, with and without LZ4,
// simple and prepared. The offload clients use a low threshold so every page goes to a worker
// (checked through the pool's counter).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BigDecimal, Client, Duration, LocalDate, LocalTime, type ClientOptions } from '../../src/index.js';
import type { OffloadPool } from '../../src/offload/pool.js';
import { connect, createKeyspace, ddl, dropKeyspace, uniqueKeyspace } from './helpers.js';

const KS = uniqueKeyspace('it_offload');
const TYPED_ROWS = 400;
const PARTITIONS = 8;
const PER_PARTITION = 1000;
let admin: Client;

function pool(client: Client): OffloadPool {
  return (client as unknown as { offload: OffloadPool }).offload;
}

function typedRow(k: number): unknown[] {
  const hex = k.toString(16).padStart(12, '0');
  const nul = k % 11 === 0; // some rows with null cells
  return [
    k,
    nul ? null : `ascii-${k}`,
    BigInt(k) * -1_000_000_000_007n,
    nul ? null : Buffer.alloc(k % 64, k & 0xff),
    k % 2 === 0,
    LocalDate.of(1970 + (k % 100), 1 + (k % 12), 1 + (k % 28)),
    new BigDecimal(BigInt(k) * 123_456_789n - 5n, k % 20),
    k / 7,
    new Duration(k % 13, k % 29, BigInt(k) * 1_000_003n),
    Math.fround(k / 3),
    k % 3 === 0 ? `10.0.${k % 256}.1` : `2001:db8::${hex.slice(-4)}`,
    k * 31,
    (k % 60000) - 30000,
    `text é ✓ ${k} ${'lorem ipsum '.repeat(k % 30)}`,
    LocalTime.of(k % 24, k % 60, k % 60, k * 1000),
    new Date(1_700_000_000_000 + k * 1000),
    `50554d6e-29bb-11e5-b345-${hex}`,
    (k % 256) - 128,
    `00000000-0000-4000-8000-${hex}`,
    BigInt(k) ** 5n - 10n ** 20n,
    nul ? null : [k, k + 1, k + 2],
    new Set([`s${k}`, `t${k % 5}`]),
    new Map([
      [`m${k}`, BigInt(k)],
      ['z', -1n],
    ]),
    [k, `tuple ${k}`],
    { street: `street ${k}`, zip: k * 3 },
    [k / 2, -k, 0.5],
  ];
}

beforeAll(async () => {
  admin = await connect();
  await createKeyspace(admin, KS);
  await admin.useKeyspace(KS);
  await ddl(
    admin,
    'CREATE TYPE address (street text, zip int)',
    `CREATE TABLE typed (k int PRIMARY KEY, a ascii, bi bigint, bl blob, bo boolean, d date, dec decimal,
       dbl double, dur duration, f float, ip inet, i int, si smallint, t text, tm time, ts timestamp,
       tu timeuuid, ti tinyint, u uuid, vi varint, li list<int>, st set<text>, mp map<text, bigint>,
       tp tuple<int, text>, addr frozen<address>, vf vector<float, 3>)`,
    'CREATE TABLE rows (p int, c int, payload text, PRIMARY KEY (p, c))',
  );
  const insertTyped = await admin.prepare(
    'INSERT INTO typed (k, a, bi, bl, bo, d, dec, dbl, dur, f, ip, i, si, t, tm, ts, tu, ti, u, vi, li, st, mp, tp, addr, vf) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  for (let k0 = 0; k0 < TYPED_ROWS; k0 += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, i) => admin.execute(insertTyped, typedRow(k0 + i))));
  }
  const insertRow = await admin.prepare('INSERT INTO rows (p, c, payload) VALUES (?, ?, ?)');
  for (let p = 0; p < PARTITIONS; p++) {
    for (let c0 = 0; c0 < PER_PARTITION; c0 += 100) {
      const statements = [];
      for (let c = c0; c < c0 + 100; c++) statements.push({ query: insertRow, params: [p, c, `${p}:${c}:`.padEnd(300, 'abcdefghij')] });
      await admin.batch(statements, { type: 'unlogged' });
    }
  }
}, 300_000);

afterAll(async () => {
  if (admin) {
    await dropKeyspace(admin, KS);
    await admin.close();
  }
});

describe.each([
  [5, 'none'],
  [5, 'lz4'],
  [4, 'none'],
  [4, 'lz4'],
] as const)('protocol v%i, compression %s', (protocolVersion, compression) => {
  let inline: Client;
  let offloaded: Client;

  beforeAll(async () => {
    const base: Partial<ClientOptions> = { protocolVersion, compression, keyspace: KS };
    inline = await connect({ ...base, offload: { workers: 0 } });
    offloaded = await connect({ ...base, offload: { workers: 2, minBytes: 1024 } });
  });

  afterAll(async () => {
    await inline?.close();
    await offloaded?.close();
  });

  test.each([false, true])('every type reads back the same with and without offload (prepare: %s)', async (prepare) => {
    const q = 'SELECT * FROM typed';
    const before = pool(offloaded).completed;
    const expected = await inline.execute(q, undefined, { prepare, fetchSize: 5000 });
    const actual = await offloaded.execute(q, undefined, { prepare, fetchSize: 5000 });
    expect(pool(offloaded).completed).toBeGreaterThan(before);
    expect(expected.rows).toHaveLength(TYPED_ROWS);
    expect(actual.rows).toStrictEqual(expected.rows);
    expect(actual.columns).toStrictEqual(expected.columns);
    // Spot-check the JS shapes survive the worker path (classes, Buffer, Date).
    const row = actual.rows.find((r) => r['k'] === 5)!;
    expect(row['dec']).toBeInstanceOf(BigDecimal);
    expect(row['dur']).toBeInstanceOf(Duration);
    expect(row['d']).toBeInstanceOf(LocalDate);
    expect(row['tm']).toBeInstanceOf(LocalTime);
    expect(Buffer.isBuffer(row['bl'])).toBe(true);
    expect(row['ts']).toBeInstanceOf(Date);
  });

  test('a multi-page stream yields the same rows in the same order with and without offload', async () => {
    const q = 'SELECT p, c, payload FROM rows';
    const collect = async (client: Client): Promise<unknown[]> => {
      const out: unknown[] = [];
      for await (const row of client.stream(q, undefined, { fetchSize: 700, prepare: true })) out.push(row);
      return out;
    };
    const before = pool(offloaded).completed;
    const expected = await collect(inline);
    const actual = await collect(offloaded);
    expect(expected).toHaveLength(PARTITIONS * PER_PARTITION);
    expect(actual).toStrictEqual(expected);
    // v4: every page (all above minBytes). v5: the full pages (~217 KB, several segments); the
    // last one (300 rows, ~93 KB) fits one segment, already inflated on arrival: stays inline.
    const fullPages = Math.floor((PARTITIONS * PER_PARTITION) / 700);
    expect(pool(offloaded).completed - before).toBe(protocolVersion === 4 ? fullPages + 1 : fullPages);
  });
});
