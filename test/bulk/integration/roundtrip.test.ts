// Export then import must give back identical rows, for the values CSV and JSON cannot hold
// as they are: null beside the empty string, durations, bigints (and other typed values) inside
// collections, tuples and user-defined types, non-finite and negative-zero doubles. Rows are
// written on the real node, exported as CSV and as NDJSON, imported into two other tables, and
// every row read back is compared with the original (values, not text).
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportTable, importTable, type BulkFormat } from '../../../src/bulk/export.js';
import { BigDecimal, Duration, LocalDate, LocalTime, type Client } from '../../../src/index.js';
import { connect, createKeyspace, ddl, dropKeyspace, uniqueKeyspace } from '../../integration/helpers.js';

const ks = uniqueKeyspace('bulkrt');
let client: Client;

const COLS = [
  'id int PRIMARY KEY',
  't text',
  'a ascii',
  'd duration',
  'lb list<bigint>',
  'sb set<bigint>',
  'mb map<bigint, text>',
  'mi map<int, bigint>',
  'st set<timestamp>',
  'lbl list<blob>',
  'fl frozen<list<bigint>>',
  'ld list<duration>',
  'tup tuple<bigint, text, duration>',
  'ft frozen<map<frozen<tuple<int, text>>, bigint>>',
  'u frozen<pt>',
  'vi varint',
  'dbl double',
  'dec decimal',
  'dt date',
  'tm time',
  'b blob',
  'n bigint',
];
const NAMES = COLS.map((c) => c.slice(0, c.indexOf(' ')));

const BIG = (1n << 63n) - 1n;
const SMALL = -(1n << 63n);

/** Row `i`: every column null in some rows, the empty string and awkward values in others. */
function row(i: number): unknown[] {
  const k = BigInt(i);
  const pick = <T>(...xs: T[]): T => xs[i % xs.length]!;
  return [
    i,
    pick<string | null>('', null, 'text', '""', ',', 'a "b"\nc', ' ', 'null', '0x00', 'x\r\ny', 'z\r'),
    pick<string | null>('', null, 'ascii'),
    pick<Duration | null>(new Duration(1, 2, 3n), null, new Duration(-14, -3, -5_000_000_001n), new Duration(0, 0, 0n), new Duration(0, 0, BIG)),
    pick<bigint[] | null>([BIG, SMALL, 0n, k * 1_000_000_007n], null, [9_007_199_254_740_993n]),
    pick<bigint[] | null>([SMALL, -1n, BIG], null),
    pick<Map<bigint, string> | null>(new Map([[BIG, ''], [SMALL, 'x,"y"'], [k, 'z']]), null),
    pick<Map<number, bigint> | null>(new Map([[-1, BIG], [i, SMALL]]), null),
    pick<Date[] | null>([new Date(0), new Date(1_700_000_000_123 + i)], null),
    pick<Buffer[] | null>([Buffer.from([0, 255, i & 255]), Buffer.alloc(0)], null),
    pick<bigint[] | null>([], [BIG, k], null),
    pick<Duration[] | null>([new Duration(0, 1, 1n), new Duration(-1, 0, 0n)], null),
    pick<unknown[] | null>([BIG, '', new Duration(2, 0, 7n)], [null, null, null], null, [k, 'a,b', null]),
    pick<Map<unknown[], bigint> | null>(new Map([[[1, ''], BIG], [[i, 'x"y'], SMALL]]), null),
    pick<Record<string, unknown> | null>({ x: BIG, label: '', tags: [SMALL, 1n], d: new Duration(0, 0, 1n) }, { x: null, label: null, tags: null, d: null }, null),
    pick<bigint | null>(-(10n ** 40n) - k, null, 0n),
    pick<number | null>(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0.1 + i, null),
    pick<BigDecimal | null>(BigDecimal.fromString('-12.500'), BigDecimal.fromString('1E+5'), null),
    pick<LocalDate | null>(LocalDate.of(2024, 2, 29), new LocalDate(-1_000_000), null),
    pick<LocalTime | null>(LocalTime.of(23, 59, 59, 999_999_999), null),
    pick<Buffer | null>(Buffer.alloc(0), Buffer.from('ff00', 'hex'), null),
    pick<bigint | null>(BIG, SMALL, null, k),
  ];
}

const ROWS = 300;

/** Every row of a table as `{ column: value }`, by id. */
async function readAll(table: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const r of client.stream(`SELECT * FROM ${ks}.${table}`, [], { fetchSize: 100 })) rows.push({ ...(r as Record<string, unknown>) });
  return rows.sort((p, q) => (p['id'] as number) - (q['id'] as number));
}

async function roundTrip(format: BulkFormat, target: string): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  const n = await exportTable(client, ks, 'src', out, { format });
  expect(n).toBe(ROWS);
  out.end();
  const r = await importTable(client, ks, target, PassThrough.from([text]), { format, concurrency: 16 });
  expect(r.errors.map((e) => `${e.index}: ${e.error.message}`)).toEqual([]);
  expect(r.succeeded).toBe(ROWS);
  return text;
}

describe('export / import round trip of awkward values', () => {
  beforeAll(async () => {
    client = await connect();
    await createKeyspace(client, ks);
    await ddl(
      client,
      `CREATE TYPE ${ks}.pt (x bigint, label text, tags list<bigint>, d duration)`,
      ...['src', 'from_csv', 'from_ndjson'].map((t) => `CREATE TABLE ${ks}.${t} (${COLS.join(', ')})`),
    );
    const cql = `INSERT INTO ${ks}.src (${NAMES.join(', ')}) VALUES (${NAMES.map(() => '?').join(', ')})`;
    const r = await client.executeConcurrent(cql, Array.from({ length: ROWS }, (_, i) => row(i)), { concurrency: 16 });
    expect(r.errors.map((e) => e.error.message)).toEqual([]);
  }, 120_000);

  afterAll(async () => {
    if (client) {
      await dropKeyspace(client, ks).catch(() => undefined);
      await client.close();
    }
  });

  it('the source holds what the test means: empty strings apart from nulls, durations, bigints in collections', async () => {
    const src = await readAll('src');
    expect(src).toHaveLength(ROWS);
    expect(src[0]!['t']).toBe('');
    expect(src[1]!['t']).toBeNull();
    expect(src[0]!['d']).toEqual(new Duration(1, 2, 3n));
    expect(src[0]!['lb']).toEqual([BIG, SMALL, 0n, 0n]);
  });

  for (const format of ['csv', 'ndjson'] as const) {
    it(`${format}: export, then import into another table, gives back identical rows`, async () => {
      const target = `from_${format}`;
      const text = await roundTrip(format, target);
      if (format === 'csv') {
        // Columns after the key in name order (a, b, ...). Row 0: the empty string (a) is a
        // quoted empty field; row 1: null (a) is an empty field.
        expect(text.slice(0, text.indexOf('\n'))).toMatch(/^id,a,b,/);
        expect(text).toMatch(/^0,"",/m);
        expect(text).toMatch(/^1,,0xff00,/m);
      }
      const [src, back] = await Promise.all([readAll('src'), readAll(target)]);
      expect(back).toHaveLength(ROWS);
      for (let i = 0; i < ROWS; i++) expect(back[i], `row ${i}`).toStrictEqual(src[i]);
    }, 120_000);
  }
});
