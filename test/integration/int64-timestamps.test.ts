// The `int64` and `timestampAs` client options against the real node: bigint and counter
// columns, bigints inside list, set, map, tuple and a UDT, read with each int64 mode (inline and
// with an offload worker); timestamps beyond a JS Date's range (8.64e15 ms) written as bigint
// milliseconds and read back exactly with timestampAs: 'bigint'. Values beyond 2^53 throughout,
// which a JS number would round.
import Long from 'long';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Client, ClientOptions } from '../../src/index.js';
import type { OffloadPool } from '../../src/offload/pool.js';
import { connect, createKeyspace, ddl, dropKeyspace, uniqueKeyspace } from './helpers.js';

const KS = uniqueKeyspace('it_int64');
const BIG = 2n ** 62n + 12_345n;
const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;
const COUNT = 2n ** 55n + 3n;
const DATE_MAX_MS = 8_640_000_000_000_000n;
const TIMESTAMPS = [DATE_MAX_MS + 1n, -DATE_MAX_MS - 1n, MAX, MIN];
let admin: Client;

beforeAll(async () => {
  admin = await connect();
  await createKeyspace(admin, KS);
  await admin.useKeyspace(KS);
  await ddl(
    admin,
    'CREATE TYPE point (id bigint, label text)',
    'CREATE TABLE ints (k int PRIMARY KEY, b bigint, l list<bigint>, s set<bigint>, m map<bigint, bigint>, t tuple<bigint>, u frozen<point>)',
    'CREATE TABLE counts (k int PRIMARY KEY, n counter)',
    'CREATE TABLE times (k int PRIMARY KEY, ts timestamp, tl list<timestamp>)',
  );
  const insert = await admin.prepare('INSERT INTO ints (k, b, l, s, m, t, u) VALUES (?, ?, ?, ?, ?, ?, ?)');
  await admin.execute(insert, [1, BIG, [BIG, MIN, MAX], new Set([MIN, BIG]), new Map([[BIG, MIN], [MAX, 1n]]), [BIG], { id: MAX, label: 'p' }]);
  await admin.execute('UPDATE counts SET n = n + ? WHERE k = 1', [COUNT], { prepare: true });
}, 300_000);

afterAll(async () => {
  if (admin) {
    await dropKeyspace(admin, KS);
    await admin.close();
  }
});

const expectedInts = {
  b: BIG,
  l: [BIG, MIN, MAX],
  s: [MIN, BIG],
  m: [[BIG, MIN], [MAX, 1n]],
  t: [BIG],
  u: { id: MAX, label: 'p' },
};

/** A row of `ints` with every 64-bit integer turned into a bigint by `toBig` (checking its kind). */
function intsAsBigints(row: Record<string, unknown>, toBig: (v: unknown) => bigint): unknown {
  const u = row.u as Record<string, unknown>;
  return {
    b: toBig(row.b),
    l: (row.l as unknown[]).map(toBig),
    s: [...(row.s as Iterable<unknown>)].map(toBig),
    m: [...(row.m as Map<unknown, unknown>)].map(([k, v]) => [toBig(k), toBig(v)]),
    t: (row.t as unknown[]).map(toBig),
    u: { id: toBig(u.id), label: u.label },
  };
}

const asBigint = (v: unknown): bigint => {
  if (typeof v !== 'bigint') throw new Error(`expected a bigint, got ${typeof v}`);
  return v;
};
const asLong = (v: unknown): bigint => {
  if (!(v instanceof Long)) throw new Error('expected a Long');
  return BigInt(v.toString());
};
/** A custom factory: the decimal text of the value, built from its halves. */
const decimal = (low: number, high: number): string => ((BigInt(high) << 32n) | BigInt(low >>> 0)).toString();
const asDecimal = (v: unknown): bigint => {
  if (typeof v !== 'string') throw new Error(`expected a string, got ${typeof v}`);
  return BigInt(v);
};

describe.each([
  ['default', undefined, asBigint],
  ["'bigint'", 'bigint', asBigint],
  ["'long'", 'long', asLong],
  ['a factory', decimal, asDecimal],
] as const)('int64: %s', (_name, int64, toBig) => {
  describe.each([
    ['inline', {}],
    // v4: a frame of any size goes to the worker at minBytes 0 (v5 inflates single-segment frames inline).
    ['offloaded', { protocolVersion: 4, offload: { workers: 1, minBytes: 0 } }],
  ] as const)('%s', (how, extra: Partial<ClientOptions>) => {
    let client: Client;
    beforeAll(async () => {
      client = await connect({ keyspace: KS, int64, ...extra });
    });
    afterAll(async () => {
      await client?.close();
    });

    test.each([false, true])('bigint columns and bigints in list, set, map, tuple and UDT (prepare: %s)', async (prepare) => {
      const pool = (client as unknown as { offload: OffloadPool | null }).offload;
      const before = pool?.completed ?? 0;
      const read = async (): Promise<Record<string, unknown>> => (await client.execute('SELECT b, l, s, m, t, u FROM ints WHERE k = 1', undefined, { prepare })).rows[0] as Record<string, unknown>;
      let row = await read();
      if (how === 'offloaded') {
        // The worker starts with the first frame sent to it; frames are decoded inline meanwhile.
        await expect.poll(async () => ((row = await read()), pool!.completed), { timeout: 30_000, interval: 50 }).toBeGreaterThan(before);
      }
      expect(intsAsBigints(row, toBig)).toEqual(expectedInts);
      for await (const r of client.stream('SELECT b, l, s, m, t, u FROM ints WHERE k = 1', undefined, { prepare })) {
        expect(intsAsBigints(r as Record<string, unknown>, toBig)).toEqual(expectedInts);
      }
    });

    test('a counter column', async () => {
      const page = await client.execute('SELECT n FROM counts WHERE k = 1');
      expect(toBig(page.rows[0]!.n)).toBe(COUNT);
    });

    test('what a mode reads can be written back (params accept bigint, Long and numbers)', async () => {
      const row = (await client.execute('SELECT b FROM ints WHERE k = 1')).rows[0]!;
      // A factory's own values are not known to the encoder: write their bigint.
      const value = typeof row.b === 'string' ? BigInt(row.b) : row.b;
      await client.execute('UPDATE counts SET n = n + ? WHERE k = 2', [value], { prepare: true });
      const n = (await client.execute('SELECT n FROM counts WHERE k = 2')).rows[0]!.n;
      await client.execute('UPDATE counts SET n = n - ? WHERE k = 2', [value], { prepare: true });
      expect(toBig(n)).toBe(BIG);
    });
  });
});

describe('timestampAs', () => {
  test.each([false, true])("timestamps beyond a JS Date's range, written as bigint ms (prepare: %s), read back exactly with 'bigint'", async (prepare) => {
    const k = prepare ? 2 : 1;
    await admin.execute('INSERT INTO times (k, ts, tl) VALUES (?, ?, ?)', [k, DATE_MAX_MS + 1n, TIMESTAMPS], { prepare });
    const asBigint = await connect({ keyspace: KS, timestampAs: 'bigint' });
    const asDate = await connect({ keyspace: KS });
    try {
      for (const p of [false, true]) {
        const row = (await asBigint.execute('SELECT ts, tl FROM times WHERE k = ?', [k], { prepare: p })).rows[0];
        expect(row).toEqual({ ts: DATE_MAX_MS + 1n, tl: TIMESTAMPS });
      }
      // The default reads a Date, which cannot hold it.
      const dated = (await asDate.execute('SELECT ts FROM times WHERE k = ?', [k])).rows[0]!;
      expect(dated.ts).toBeInstanceOf(Date);
      expect(Number.isNaN((dated.ts as Date).getTime())).toBe(true);
      // A value a Date holds reads the same either way.
      const now = new Date('2024-02-29T12:34:56.789Z');
      await admin.execute('UPDATE times SET ts = ? WHERE k = ?', [now, k], { prepare });
      expect((await asBigint.execute('SELECT ts FROM times WHERE k = ?', [k])).rows[0]!.ts).toBe(BigInt(now.getTime()));
      expect((await asDate.execute('SELECT ts FROM times WHERE k = ?', [k])).rows[0]!.ts).toEqual(now);
    } finally {
      await asBigint.close();
      await asDate.close();
    }
  });
});
