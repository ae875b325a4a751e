// Every CQL type written and read back against the real node, as a simple statement (types
// guessed or hinted) and prepared, with protocol v5 and v4. Also checks the JS type each CQL
// type reads as (the mapping the README documents), null vs unset, empty values and extremes.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BigDecimal, Client, CqlwireError, Duration, LocalDate, LocalTime, UNSET, type DataType } from '../../src/index.js';
import { DataTypes } from '../../protocol/index.js';
import { connect, createKeyspace, ddl, dropKeyspace, uniqueKeyspace } from './helpers.js';

const KS = uniqueKeyspace('it_types');
let admin: Client;

beforeAll(async () => {
  admin = await connect();
  await createKeyspace(admin, KS);
  await admin.useKeyspace(KS);
  await ddl(
    admin,
    `CREATE TABLE scalars (k int PRIMARY KEY, a ascii, bi bigint, bl blob, bo boolean, d date, dec decimal,
       dbl double, dur duration, f float, ip inet, i int, si smallint, t text, tm time, ts timestamp,
       tu timeuuid, ti tinyint, u uuid, vi varint)`,
    'CREATE TABLE counters (k int PRIMARY KEY, c counter)',
    'CREATE TYPE address (street text, zip int)',
    'CREATE TYPE person (name text, addr frozen<address>, phones list<text>)',
    `CREATE TABLE colls (k int PRIMARY KEY, li list<int>, st set<text>, mp map<text, int>,
       tp tuple<int, text, double>, addr address, fperson frozen<person>,
       vf vector<float, 3>, vt vector<text, 3>, nested map<text, frozen<list<int>>>,
       lom list<frozen<map<int, text>>>, sot set<frozen<tuple<int, text>>>, tsu set<timeuuid>)`,
  );
}, 120_000);

afterAll(async () => {
  if (admin) {
    await dropKeyspace(admin, KS);
    await admin.close();
  }
});

/** A value to write, what must read back, and the hint a simple statement needs (when guessing is not enough). */
interface Case {
  readonly col: string;
  readonly value: unknown;
  readonly expected?: unknown;
  readonly hint?: DataType;
  /** Check of the JS type the column reads as. */
  readonly js: (v: unknown) => boolean;
}

const isString = (v: unknown): boolean => typeof v === 'string';
const isNumber = (v: unknown): boolean => typeof v === 'number';
const isBigint = (v: unknown): boolean => typeof v === 'bigint';

const SCALARS: readonly Case[] = [
  { col: 'a', value: 'plain ascii ~!', js: isString },
  { col: 'a', value: '', js: isString },
  { col: 'bi', value: 9223372036854775807n, js: isBigint },
  { col: 'bi', value: -9223372036854775808n, js: isBigint },
  { col: 'bi', value: 0n, js: isBigint },
  { col: 'bl', value: Buffer.from([0, 1, 2, 254, 255]), js: Buffer.isBuffer },
  { col: 'bl', value: Buffer.alloc(0), js: Buffer.isBuffer },
  { col: 'bo', value: true, js: (v) => typeof v === 'boolean' },
  { col: 'bo', value: false, js: (v) => typeof v === 'boolean' },
  { col: 'd', value: LocalDate.of(2024, 2, 29), js: (v) => v instanceof LocalDate },
  { col: 'd', value: LocalDate.of(1969, 7, 20), js: (v) => v instanceof LocalDate },
  { col: 'd', value: new LocalDate(LocalDate.MIN_DAYS), js: (v) => v instanceof LocalDate },
  { col: 'd', value: new LocalDate(LocalDate.MAX_DAYS), js: (v) => v instanceof LocalDate },
  {
    col: 'dec',
    value: BigDecimal.fromString('123456789012345678901234567890.123456789012345678901234567890'),
    js: (v) => v instanceof BigDecimal,
  },
  { col: 'dec', value: new BigDecimal(-(10n ** 40n) - 7n, 300), js: (v) => v instanceof BigDecimal },
  { col: 'dec', value: new BigDecimal(15n, -5), js: (v) => v instanceof BigDecimal },
  { col: 'dbl', value: 1.5, js: isNumber },
  { col: 'dbl', value: Number.NaN, js: isNumber },
  { col: 'dbl', value: Number.POSITIVE_INFINITY, js: isNumber },
  { col: 'dbl', value: Number.NEGATIVE_INFINITY, js: isNumber },
  { col: 'dbl', value: -0, js: isNumber },
  { col: 'dbl', value: Number.MAX_VALUE, js: isNumber },
  { col: 'dbl', value: Number.MIN_VALUE, js: isNumber },
  // A whole number is guessed as int: a double column needs the hint.
  { col: 'dbl', value: 3, hint: DataTypes.double, js: isNumber },
  { col: 'dur', value: new Duration(14, 3, 4_000_000_123n), js: (v) => v instanceof Duration },
  { col: 'dur', value: Duration.fromString('-1y2mo3d4h5m6s7ms8us9ns'), js: (v) => v instanceof Duration },
  { col: 'f', value: 3.1415927, expected: Math.fround(3.1415927), hint: DataTypes.float, js: isNumber },
  { col: 'f', value: 0.1, expected: Math.fround(0.1), hint: DataTypes.float, js: isNumber },
  { col: 'f', value: 3.4028234663852886e38, hint: DataTypes.float, js: isNumber },
  { col: 'f', value: Number.NaN, hint: DataTypes.float, js: isNumber },
  { col: 'f', value: -0, hint: DataTypes.float, js: isNumber },
  { col: 'ip', value: '192.168.10.254', hint: DataTypes.inet, js: isString },
  { col: 'ip', value: '::1', hint: DataTypes.inet, js: isString },
  { col: 'ip', value: '2001:db8::ff00:42:8329', hint: DataTypes.inet, js: isString },
  { col: 'i', value: 2147483647, js: isNumber },
  { col: 'i', value: -2147483648, js: isNumber },
  { col: 'si', value: 32767, hint: DataTypes.smallint, js: isNumber },
  { col: 'si', value: -32768, hint: DataTypes.smallint, js: isNumber },
  { col: 't', value: 'héllo wörld 🌍 \u0000 end', js: isString },
  { col: 't', value: '', js: isString },
  { col: 'tm', value: LocalTime.of(23, 59, 59, 999_999_999), js: (v) => v instanceof LocalTime },
  { col: 'tm', value: LocalTime.of(0, 0), js: (v) => v instanceof LocalTime },
  { col: 'ts', value: new Date('2024-05-06T07:08:09.123Z'), js: (v) => v instanceof Date },
  { col: 'ts', value: new Date('1969-07-20T20:17:40.001Z'), js: (v) => v instanceof Date },
  { col: 'ts', value: new Date(-1), js: (v) => v instanceof Date },
  { col: 'ts', value: new Date('0001-01-01T00:00:00.000Z'), js: (v) => v instanceof Date },
  { col: 'tu', value: '50554d6e-29bb-11e5-b345-feff819cdc9f', hint: DataTypes.timeuuid, js: isString },
  { col: 'ti', value: 127, hint: DataTypes.tinyint, js: isNumber },
  { col: 'ti', value: -128, hint: DataTypes.tinyint, js: isNumber },
  { col: 'u', value: randomUUID(), hint: DataTypes.uuid, js: isString },
  { col: 'vi', value: 2n ** 200n + 12345n, hint: DataTypes.varint, js: isBigint },
  { col: 'vi', value: -(2n ** 130n), hint: DataTypes.varint, js: isBigint },
  { col: 'vi', value: 0n, hint: DataTypes.varint, js: isBigint },
];

function expectSame(actual: unknown, expected: unknown): void {
  if (typeof expected === 'number') {
    expect(typeof actual).toBe('number');
    // Object.is: NaN equals NaN, and -0 differs from 0.
    expect(Object.is(actual, expected), `${String(actual)} vs ${String(expected)}`).toBe(true);
  } else {
    expect(actual).toStrictEqual(expected);
  }
}

describe.each([5, 4] as const)('protocol v%i', (version) => {
  let client: Client;
  const base = version * 10_000;

  beforeAll(async () => {
    client = await connect({ protocolVersion: version, keyspace: KS });
    expect(client.protocolVersion).toBe(version);
  });
  afterAll(async () => {
    await client?.close();
  });

  it('writes and reads every scalar type as a simple statement (guessed or hinted types)', async () => {
    for (let n = 0; n < SCALARS.length; n++) {
      const c = SCALARS[n]!;
      const k = base + n;
      await client.execute(`INSERT INTO scalars (k, ${c.col}) VALUES (?, ?)`, [k, c.value], { hints: [undefined, c.hint] });
      const simple = (await client.execute(`SELECT ${c.col} FROM scalars WHERE k = ?`, [k])).one();
      const prepared = (await client.execute(`SELECT ${c.col} FROM scalars WHERE k = ?`, [k], { prepare: true })).one();
      const expected = c.expected ?? c.value;
      expect(simple, `${c.col} #${n}`).not.toBeNull();
      expectSame(simple![c.col], expected);
      expectSame(prepared![c.col], expected);
      expect(c.js(simple![c.col]), `JS type of ${c.col}`).toBe(true);
    }
  });

  it('writes and reads every scalar type prepared (types from the server, no hints)', async () => {
    for (let n = 0; n < SCALARS.length; n++) {
      const c = SCALARS[n]!;
      const k = base + 1000 + n;
      await client.execute(`INSERT INTO scalars (k, ${c.col}) VALUES (?, ?)`, [k, c.value], { prepare: true });
      const row = (await client.execute(`SELECT ${c.col} FROM scalars WHERE k = ?`, [k], { prepare: true })).one();
      expectSame(row![c.col], c.expected ?? c.value);
    }
  });

  it('accepts the alternative JS inputs of prepared values (strings, numbers, Date)', async () => {
    const k = base + 2000;
    await client.execute(
      'INSERT INTO scalars (k, bi, d, dec, tm, ts, vi, dur) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [k, 42, '1900-01-02', '-0.000123', '12:34:56.789', 1_700_000_000_000, 123, '1h30m'],
      { prepare: true },
    );
    const row = (await client.execute('SELECT bi, d, dec, tm, ts, vi, dur FROM scalars WHERE k = ?', [k], { prepare: true })).one()!;
    expect(row['bi']).toBe(42n);
    expect(String(row['d'])).toBe('1900-01-02');
    expect(String(row['dec'])).toBe('-0.000123');
    expect(String(row['tm'])).toBe('12:34:56.789000000');
    expect(row['ts']).toStrictEqual(new Date(1_700_000_000_000));
    expect(row['vi']).toBe(123n);
    expect(row['dur']).toStrictEqual(new Duration(0, 0, 5_400_000_000_000n));
  });

  it('accepts the other JS inputs the type table documents (prepared)', async () => {
    const k = base + 2100;
    const uuid = randomUUID();
    await client.execute(
      'INSERT INTO scalars (k, bi, vi, ts, tm, dur, u, ip, bl, dec) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        k,
        '-9223372036854775808', // bigint from a decimal string
        '-123456789012345678901234567890', // varint from a string
        -86_400_000n, // timestamp: bigint milliseconds
        3_723_000_000_004n, // time: bigint nanoseconds of the day
        'P1DT2H', // ISO 8601 duration
        Buffer.from(uuid.replace(/-/g, ''), 'hex'), // uuid: 16 bytes
        new Uint8Array([10, 0, 0, 1]), // inet: 4 bytes
        new Uint8Array([1, 2, 3]).buffer, // blob: ArrayBuffer
        12345n, // decimal from a bigint
      ],
      { prepare: true },
    );
    const row = (await client.execute('SELECT bi, vi, ts, tm, dur, u, ip, bl, dec FROM scalars WHERE k = ?', [k], { prepare: true })).one()!;
    expect(row).toStrictEqual({
      bi: -9223372036854775808n,
      vi: -123456789012345678901234567890n,
      ts: new Date(-86_400_000),
      tm: new LocalTime(3_723_000_000_004n),
      dur: new Duration(0, 1, 7_200_000_000_000n),
      u: uuid,
      ip: '10.0.0.1',
      bl: Buffer.from([1, 2, 3]),
      dec: new BigDecimal(12345n, 0),
    });
    // date from a Date (its UTC day), bigint from a Long-like { low, high } (npm long)
    const k1 = base + 2101;
    await client.execute('INSERT INTO scalars (k, d, bi) VALUES (?, ?, ?)', [k1, new Date('1950-03-04T23:59:59.999Z'), { low: -1, high: 0x7fffffff }], { prepare: true });
    const row1 = (await client.execute('SELECT d, bi FROM scalars WHERE k = ?', [k1], { prepare: true })).one()!;
    expect(row1).toStrictEqual({ d: LocalDate.of(1950, 3, 4), bi: 9223372036854775807n });
    // map from a plain object (text keys), vector<float> from an array of numbers, list from a Set
    const k2 = base + 5;
    await client.execute('INSERT INTO colls (k, mp, vf, li) VALUES (?, ?, ?, ?)', [k2, { a: 1, b: 2 }, [1, 2.5, -3], new Set([3, 4])], { prepare: true });
    const row2 = (await client.execute('SELECT mp, vf, li FROM colls WHERE k = ?', [k2], { prepare: true })).one()!;
    expect(row2).toStrictEqual({
      mp: new Map([
        ['a', 1],
        ['b', 2],
      ]),
      vf: new Float32Array([1, 2.5, -3]),
      li: [3, 4],
    });
  });

  it('counter: UPDATE increments and decrements, reads as bigint', async () => {
    const k = base;
    await client.execute('UPDATE counters SET c = c + ? WHERE k = ?', [5n, k]);
    await client.execute('UPDATE counters SET c = c + ? WHERE k = ?', [9007199254740993n, k], { prepare: true });
    await client.execute('UPDATE counters SET c = c - ? WHERE k = ?', [2, k], { prepare: true });
    const row = (await client.execute('SELECT c FROM counters WHERE k = ?', [k])).one()!;
    expect(row['c']).toBe(9007199254740996n);
  });

  it('null deletes a column, UNSET (or undefined) leaves it unchanged', async () => {
    const k = base + 3000;
    await client.execute('INSERT INTO scalars (k, t, i, bl) VALUES (?, ?, ?, ?)', [k, 'keep', 7, Buffer.from('x')]);
    // simple statement
    await client.execute('INSERT INTO scalars (k, t, i, bl) VALUES (?, ?, ?, ?)', [k, UNSET, null, undefined]);
    let row = (await client.execute('SELECT t, i, bl FROM scalars WHERE k = ?', [k])).one()!;
    expect(row).toStrictEqual({ t: 'keep', i: null, bl: Buffer.from('x') });
    // prepared, positional and named
    await client.execute('UPDATE scalars SET t = ?, i = ?, bl = ? WHERE k = ?', [UNSET, 8, null, k], { prepare: true });
    row = (await client.execute('SELECT t, i, bl FROM scalars WHERE k = ?', [k])).one()!;
    expect(row).toStrictEqual({ t: 'keep', i: 8, bl: null });
    await client.execute('UPDATE scalars SET t = :t, i = :i WHERE k = :k', { k, t: null }, { prepare: true });
    row = (await client.execute('SELECT t, i, bl FROM scalars WHERE k = ?', [k])).one()!;
    // t deleted by null, i left as it was (not named = unset)
    expect(row).toStrictEqual({ t: null, i: 8, bl: null });
  });

  it('named parameters of a simple statement (types guessed per name)', async () => {
    const k = base + 3200;
    await client.execute('INSERT INTO scalars (k, t, bi, bo) VALUES (:k, :t, :bi, :bo)', { bo: true, k, t: 'named', bi: -5n });
    const row = (await client.execute('SELECT t, bi, bo FROM scalars WHERE k = :key', { key: k })).one();
    expect(row).toStrictEqual({ t: 'named', bi: -5n, bo: true });
  });

  it('set<timeuuid> with hints, and a non-frozen UDT field update', async () => {
    const k = base + 4;
    const ids = ['50554d6e-29bb-11e5-b345-feff819cdc9f', '00000000-0000-1000-8000-000000000000'];
    await client.execute('INSERT INTO colls (k, tsu, addr) VALUES (?, ?, ?)', [k, ids, { street: 'a', zip: 1 }], {
      hints: [undefined, DataTypes.set(DataTypes.timeuuid), DataTypes.udt(KS, 'address', [{ name: 'street', type: DataTypes.text }, { name: 'zip', type: DataTypes.int }])],
    });
    await client.execute('UPDATE colls SET addr.zip = ? WHERE k = ?', [2, k], { prepare: true });
    const row = (await client.execute('SELECT tsu, addr FROM colls WHERE k = ?', [k], { prepare: true })).one()!;
    // timeuuids sort by their timestamp: 1582-10-15 (all-zero time) first
    expect(row['tsu']).toStrictEqual([ids[1], ids[0]]);
    expect(row['addr']).toStrictEqual({ street: 'a', zip: 2 });
  });

  it('empty strings and empty blobs are not null', async () => {
    const k = base + 3100;
    await client.execute('INSERT INTO scalars (k, t, a, bl) VALUES (?, ?, ?, ?)', [k, '', '', Buffer.alloc(0)], { prepare: true });
    const row = (await client.execute('SELECT t, a, bl FROM scalars WHERE k = ?', [k])).one()!;
    expect(row['t']).toBe('');
    expect(row['a']).toBe('');
    expect(Buffer.isBuffer(row['bl'])).toBe(true);
    expect((row['bl'] as Buffer).length).toBe(0);
  });

  it('collections, tuples, UDTs (nested, frozen), vectors and nested collections round-trip', async () => {
    const values = {
      li: [3, 1, 2, 1],
      st: ['b', 'a', 'c'],
      mp: new Map([
        ['x', 1],
        ['y', -2],
      ]),
      tp: [1, 'one', 1.5],
      addr: { street: 'Main St', zip: 12345 },
      fperson: { name: 'Ada', addr: { street: 'Elm', zip: 1 }, phones: ['+1', '+2'] },
      vf: new Float32Array([0.5, -1.25, 3.1415927]),
      vt: ['a', '', 'ccc'],
      nested: new Map([
        ['p', [1, 2]],
        ['q', []],
      ]),
      lom: [new Map([[1, 'one']]), new Map([[2, 'two'], [3, 'three']])],
      sot: [
        [1, 'a'],
        [2, 'b'],
      ],
    };
    const cols = Object.keys(values);
    const expected = {
      ...values,
      // sets read back sorted (server order) as arrays
      st: ['a', 'b', 'c'],
      vf: new Float32Array([0.5, -1.25, Math.fround(3.1415927)]),
      // an empty frozen list is an empty list, not null
      nested: values.nested,
    };
    const k = base;
    const marks = cols.map(() => '?').join(', ');
    await client.execute(`INSERT INTO colls (k, ${cols.join(', ')}) VALUES (?, ${marks})`, [k, ...cols.map((c) => values[c as keyof typeof values])], { prepare: true });
    const row = (await client.execute(`SELECT ${cols.join(', ')} FROM colls WHERE k = ?`, [k], { prepare: true })).one()!;
    for (const c of cols) expect(row[c], c).toStrictEqual(expected[c as keyof typeof expected]);
    // JS shapes
    expect(Array.isArray(row['li'])).toBe(true);
    expect(Array.isArray(row['st'])).toBe(true);
    expect(row['mp']).toBeInstanceOf(Map);
    expect(Array.isArray(row['tp'])).toBe(true);
    expect(Object.getPrototypeOf(row['addr'])).toBe(Object.prototype);
    expect(row['vf']).toBeInstanceOf(Float32Array);
    expect(Array.isArray(row['vt'])).toBe(true);

    // The same through a simple statement: guessable ones guessed, the rest hinted.
    const k2 = base + 1;
    const hints: (DataType | undefined)[] = [
      undefined,
      undefined, // li: list<int>
      DataTypes.set(DataTypes.text),
      undefined, // mp: map<text, int>
      DataTypes.tuple(DataTypes.int, DataTypes.text, DataTypes.double),
      DataTypes.udt(KS, 'address', [
        { name: 'street', type: DataTypes.text },
        { name: 'zip', type: DataTypes.int },
      ]),
      DataTypes.udt(KS, 'person', [
        { name: 'name', type: DataTypes.text },
        { name: 'addr', type: DataTypes.udt(KS, 'address', [{ name: 'street', type: DataTypes.text }, { name: 'zip', type: DataTypes.int }]) },
        { name: 'phones', type: DataTypes.list(DataTypes.text) },
      ]),
      undefined, // vf: Float32Array → vector<float, 3>
      DataTypes.vector(DataTypes.text, 3),
      DataTypes.map(DataTypes.text, DataTypes.list(DataTypes.int)),
      undefined, // lom: list<map<int, text>>
      DataTypes.set(DataTypes.tuple(DataTypes.int, DataTypes.text)),
    ];
    await client.execute(`INSERT INTO colls (k, ${cols.join(', ')}) VALUES (?, ${marks})`, [k2, ...cols.map((c) => values[c as keyof typeof values])], { hints });
    const row2 = (await client.execute(`SELECT ${cols.join(', ')} FROM colls WHERE k = ?`, [k2])).one()!;
    for (const c of cols) expect(row2[c], c).toStrictEqual(expected[c as keyof typeof expected]);
  });

  it('accepts a JS Set for set<...>, partial UDTs (missing fields are null) and null tuple items', async () => {
    const k = base + 2;
    await client.execute('INSERT INTO colls (k, st, addr, tp) VALUES (?, ?, ?, ?)', [k, new Set(['z', 'y']), { zip: 9 }, [7, null, null]], { prepare: true });
    const row = (await client.execute('SELECT st, addr, tp FROM colls WHERE k = ?', [k], { prepare: true })).one()!;
    expect(row['st']).toStrictEqual(['y', 'z']);
    expect(row['addr']).toStrictEqual({ street: null, zip: 9 });
    expect(row['tp']).toStrictEqual([7, null, null]);
  });

  it('empty collections read back as null (Cassandra stores none), null collections are null', async () => {
    const k = base + 3;
    await client.execute('INSERT INTO colls (k, li, st, mp) VALUES (?, ?, ?, ?)', [k, [], new Set(), new Map()], { prepare: true });
    const row = (await client.execute('SELECT li, st, mp, tp FROM colls WHERE k = ?', [k], { prepare: true })).one()!;
    expect(row).toStrictEqual({ li: null, st: null, mp: null, tp: null });
  });

  it('a value of the wrong JS type is a typed error, and the connection stays usable', async () => {
    const err = await client.execute('INSERT INTO scalars (k, i) VALUES (?, ?)', [base + 4000, 'not an int'], { prepare: true }).catch((e: unknown) => e);
    expect(CqlwireError.is(err)).toBe(true);
    expect((err as CqlwireError).code).toBe('ERR_PROTOCOL_ENCODE');
    const err2 = await client.execute('INSERT INTO scalars (k, i) VALUES (?, ?)', [base + 4000, { some: 'object' }]).catch((e: unknown) => e);
    expect(CqlwireError.is(err2)).toBe(true);
    expect((err2 as CqlwireError).code).toBe('ERR_PROTOCOL_ENCODE');
    // a value out of range for its type
    const err3 = await client.execute('INSERT INTO scalars (k, ti) VALUES (?, ?)', [base + 4000, 128], { prepare: true }).catch((e: unknown) => e);
    expect((err3 as CqlwireError).code).toBe('ERR_PROTOCOL_ENCODE');
    // guessed type that the server rejects: a server error with its code
    const err4 = await client.execute('INSERT INTO scalars (k, dbl) VALUES (?, ?)', [base + 4000, 3]).catch((e: unknown) => e);
    expect(CqlwireError.is(err4)).toBe(true);
    expect((err4 as CqlwireError).code).toBe('ERR_SERVER_INVALID');
    expect((await client.execute('SELECT k FROM scalars WHERE k = ?', [base + 4000])).rows).toStrictEqual([]);
  });
});

describe('large values', () => {
  // v5 frames above 128 KiB span several segments; v4 LZ4 compresses whole frames.
  for (const [version, compression] of [
    [5, 'none'],
    [5, 'lz4'],
    [4, 'none'],
    [4, 'lz4'],
  ] as const) {
    it(`blobs and text up to 3 MB round-trip (v${version}, compression ${compression})`, async () => {
      const client = await connect({ protocolVersion: version, compression, keyspace: KS });
      try {
        for (const size of [131_071, 131_072, 300_000, 3_000_000]) {
          const k = 90_000 + version * 10 + (compression === 'lz4' ? 5 : 0) + [131_071, 131_072, 300_000, 3_000_000].indexOf(size);
          const blob = randomBytes(size);
          const text = 'é'.repeat(size / 2) + (size % 2 ? 'x' : '');
          await client.execute('INSERT INTO scalars (k, bl, t) VALUES (?, ?, ?)', [k, blob, text], { prepare: true });
          const row = (await client.execute('SELECT bl, t FROM scalars WHERE k = ?', [k], { prepare: true })).one()!;
          expect(Buffer.compare(row['bl'] as Buffer, blob)).toBe(0);
          expect(row['t']).toBe(text);
        }
      } finally {
        await client.close();
      }
    });
  }
});
