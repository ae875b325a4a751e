// Typed JSON / CSV-field forms of column values (what export writes, import reads): through
// JSON text and back, and through a CSV field and back, every value is the one written, with
// null kept apart from the empty string. Values compared after encoding for their CQL type,
// which is what reaches the server.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeValue, parseCqlType } from '../../protocol/index.js';
import type { Metadata } from '../../src/cluster/metadata.js';
import { valueText } from '../../src/bulk/text-values.js';
import { Duration } from '../../src/index.js';

const noUdts = { keyspace: () => undefined } as unknown as Metadata;

/** A map's entries in key order: the server sorts them, and a JSON object reorders integer keys. */
function sorted(v: unknown): unknown {
  if (!(v instanceof Map)) return v;
  const key = (k: unknown): string => JSON.stringify(k, (_, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));
  return new Map([...v].sort(([a], [b]) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)));
}

const int64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
const duration = fc
  .tuple(fc.nat({ max: 2 ** 31 - 1 }), fc.nat({ max: 2 ** 31 - 1 }), fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }), fc.boolean())
  .map(([m, d, n, neg]) => (neg ? new Duration(-m, -d, -n) : new Duration(m, d, n)));

/** [CQL type, values of it] */
const CASES: [string, fc.Arbitrary<unknown>][] = [
  ['text', fc.option(fc.string(), { nil: null })],
  ['bigint', int64],
  ['varint', fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n })],
  ['double', fc.double()],
  ['duration', duration],
  ['list<bigint>', fc.array(int64)],
  ['set<duration>', fc.array(duration)],
  ['map<int, bigint>', fc.array(fc.tuple(fc.integer(), int64)).map((e) => new Map(e))],
  ['map<bigint, text>', fc.array(fc.tuple(int64, fc.string())).map((e) => new Map(e))],
  ['map<double, blob>', fc.array(fc.tuple(fc.double(), fc.uint8Array())).map((e) => new Map(e.map(([k, v]) => [k, Buffer.from(v)])))],
  ['frozen<map<frozen<tuple<int, text>>, list<bigint>>>', fc.array(fc.tuple(fc.tuple(fc.integer(), fc.string()), fc.array(int64))).map((e) => new Map(e))],
  ['tuple<bigint, text, duration>', fc.tuple(fc.option(int64, { nil: null }), fc.option(fc.string(), { nil: null }), fc.option(duration, { nil: null }))],
  ['list<timestamp>', fc.array(fc.date({ noInvalidDate: true }))],
];

describe('typed text forms of values', () => {
  for (const [type, values] of CASES) {
    it(`${type}: JSON and CSV field round trips give the same encoded value`, () => {
      const t = valueText(type, 'ks', noUdts);
      const dt = parseCqlType(type);
      fc.assert(
        fc.property(values, (v) => {
          const want = encodeValue(dt, sorted(v));
          const viaJson = t.fromJson(JSON.parse(JSON.stringify(t.toJson(v))));
          expect(encodeValue(dt, sorted(viaJson))).toEqual(want);
          const viaField = t.fromField(t.toField(v));
          expect(encodeValue(dt, sorted(viaField))).toEqual(want);
        }),
        { numRuns: 200 },
      );
    });
  }

  it('text: null is a missing field, the empty string an empty one', () => {
    const t = valueText('text', 'ks', noUdts);
    expect(t.toField(null)).toBeNull();
    expect(t.toField('')).toBe('');
    expect(t.fromField(null)).toBeNull();
    expect(t.fromField('')).toBe('');
  });
});
