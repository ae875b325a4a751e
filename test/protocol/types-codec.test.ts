import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Reader, UNSET, Writer } from '../../protocol/buffer.js';
import { ProtocolError, ProtocolErrorCode } from '../../protocol/errors.js';
import {
  compileDecoder,
  compileEncoder,
  decodeValue,
  encodeValue,
  type DecodeOptions,
} from '../../protocol/types/codec.js';
import type { DataType } from '../../protocol/types/datatype.js';
import { formatCqlType } from '../../protocol/types/option.js';
import { DataTypes as T } from '../../protocol/types/datatypes.js';
import { BigDecimal, Duration, LocalDate, LocalTime } from '../../protocol/types/values.js';
import { SIMPLE_KINDS, dataTypeArb, typedValueArb, valueArb } from './types-arbitraries.js';

function hex(t: DataType, v: unknown): string {
  const b = encodeValue(t, v);
  if (!Buffer.isBuffer(b)) throw new Error('expected bytes');
  return b.toString('hex');
}

function dec(t: DataType, hexBytes: string, opts?: DecodeOptions): unknown {
  return decodeValue(t, Buffer.from(hexBytes, 'hex'), opts);
}

function roundTrip(t: DataType, v: unknown): unknown {
  const b = encodeValue(t, v);
  if (!Buffer.isBuffer(b)) throw new Error('expected bytes');
  return decodeValue(t, b);
}

function thrown(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return e as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}

describe('round trips (fast-check)', () => {
  test.each(SIMPLE_KINDS)('%s', (kind) => {
    const t = T[kind];
    fc.assert(
      fc.property(valueArb(t), (v) => {
        expect(roundTrip(t, v)).toEqual(v);
      }),
      { numRuns: 300 },
    );
  });

  test('nested: list<map<text, set<int>>>', () => {
    const t = T.list(T.map(T.text, T.set(T.int)));
    fc.assert(
      fc.property(valueArb(t), (v) => {
        expect(roundTrip(t, v)).toEqual(v);
      }),
      { numRuns: 300 },
    );
  });

  test('vectors of every element kind (fixed and variable size)', () => {
    for (const kind of SIMPLE_KINDS) {
      if (kind === 'counter') continue; // not allowed in vectors by Cassandra, but would round-trip too
      for (const dim of [1, 3]) {
        const t = T.vector(T[kind], dim);
        fc.assert(
          fc.property(valueArb(t), (v) => {
            expect(roundTrip(t, v)).toEqual(v);
          }),
          { numRuns: 40 },
        );
      }
    }
    const nested = [T.vector(T.vector(T.float, 2), 2), T.vector(T.list(T.int), 2), T.vector(T.tuple(T.int, T.text), 2)];
    for (const t of nested) {
      fc.assert(
        fc.property(valueArb(t), (v) => {
          expect(roundTrip(t, v)).toEqual(v);
        }),
        { numRuns: 100 },
      );
    }
  });

  test('arbitrary nested types: tuples, UDTs (incl. __proto__ fields), collections, vectors', () => {
    fc.assert(
      fc.property(typedValueArb({ maxDepth: 3 }), ({ type, value }) => {
        expect(roundTrip(type, value)).toEqual(value);
      }),
      { numRuns: 1000 },
    );
  });

  test('compileEncoder writes [value]; compileDecoder reads the body', () => {
    fc.assert(
      fc.property(typedValueArb({ maxDepth: 2 }), fc.uint8Array({ maxLength: 5 }), ({ type, value }, prefix) => {
        const w = new Writer(1);
        w.raw(prefix);
        compileEncoder(type)(w, value);
        const r = new Reader(Buffer.from(w.finish()), prefix.length);
        const body = r.value();
        expect(r.remaining).toBe(0);
        if (!Buffer.isBuffer(body)) throw new Error('expected bytes');
        // Decode in place, at a non-zero offset of a larger buffer.
        expect(compileDecoder(type)(r.buf, body.byteOffset - r.buf.byteOffset, r.end)).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });
});

describe('extremes and empties', () => {
  test('numeric extremes', () => {
    expect(roundTrip(T.tinyint, -128)).toBe(-128);
    expect(roundTrip(T.tinyint, 127)).toBe(127);
    expect(roundTrip(T.smallint, -32768)).toBe(-32768);
    expect(roundTrip(T.int, -2147483648)).toBe(-2147483648);
    expect(roundTrip(T.int, 2147483647)).toBe(2147483647);
    expect(roundTrip(T.bigint, -(2n ** 63n))).toBe(-(2n ** 63n));
    expect(roundTrip(T.bigint, 2n ** 63n - 1n)).toBe(2n ** 63n - 1n);
    expect(roundTrip(T.float, 3.4028234663852886e38)).toBe(3.4028234663852886e38);
    expect(roundTrip(T.float, -Infinity)).toBe(-Infinity);
    expect(roundTrip(T.float, NaN)).toBeNaN();
    expect(Object.is(roundTrip(T.double, -0), -0)).toBe(true);
    expect(roundTrip(T.double, Number.MIN_VALUE)).toBe(Number.MIN_VALUE);
    expect(roundTrip(T.varint, 2n ** 1000n)).toBe(2n ** 1000n);
    expect(roundTrip(T.varint, -(2n ** 1000n))).toBe(-(2n ** 1000n));
    expect(roundTrip(T.time, new LocalTime(86_399_999_999_999n))).toEqual(new LocalTime(86_399_999_999_999n));
    expect(roundTrip(T.timestamp, new Date(8.64e15))).toEqual(new Date(8.64e15));
    expect(roundTrip(T.timestamp, new Date(-8.64e15))).toEqual(new Date(-8.64e15));
  });

  test('empty strings and blobs stay empty (not null)', () => {
    expect(hex(T.text, '')).toBe('');
    expect(roundTrip(T.text, '')).toBe('');
    expect(roundTrip(T.ascii, '')).toBe('');
    expect(roundTrip(T.blob, Buffer.alloc(0))).toEqual(Buffer.alloc(0));
    expect(roundTrip(T.list(T.int), [])).toEqual([]);
    expect(roundTrip(T.map(T.int, T.int), new Map())).toEqual(new Map());
    expect(roundTrip(T.list(T.text), ['', ''])).toEqual(['', '']);
  });

  test('zero-length value of a non-string type is the legacy empty value → null', () => {
    for (const t of [T.int, T.bigint, T.boolean, T.uuid, T.varint, T.decimal, T.duration, T.inet, T.date, T.list(T.int),
      T.map(T.int, T.int), T.tuple(T.int), T.udt('ks', 'u', [{ name: 'a', type: T.int }]), T.vector(T.float, 2), T.vector(T.text, 2)]) {
      expect(decodeValue(t, Buffer.alloc(0))).toBeNull();
    }
  });

  test('null vs unset vs undefined', () => {
    expect(encodeValue(T.int, null)).toBeNull();
    expect(encodeValue(T.int, undefined)).toBeNull();
    expect(encodeValue(T.int, UNSET)).toBe(UNSET);
    const w = new Writer();
    const enc = compileEncoder(T.list(T.int));
    enc(w, null);
    enc(w, UNSET);
    enc(w, undefined);
    expect(w.finish().toString('hex')).toBe('ffffffff' + 'fffffffe' + 'ffffffff');
    expect(decodeValue(T.int, null)).toBeNull();
  });
});

describe('golden bytes (spec §6, Cassandra serializers)', () => {
  test('varint table from spec §6.24', () => {
    const table: [bigint, string][] = [
      [0n, '00'], [1n, '01'], [127n, '7f'], [128n, '0080'], [129n, '0081'], [-1n, 'ff'], [-128n, '80'], [-129n, 'ff7f'],
    ];
    for (const [v, h] of table) {
      expect(hex(T.varint, v)).toBe(h);
      expect(dec(T.varint, h)).toBe(v);
    }
    expect(hex(T.varint, 2n ** 63n)).toBe('008000000000000000');
    expect(hex(T.varint, -(2n ** 63n))).toBe('8000000000000000');
    expect(hex(T.varint, 2n ** 47n)).toBe('00800000000000');
    expect(hex(T.varint, -(2n ** 47n))).toBe('800000000000');
    expect(dec(T.varint, '00ffffffffffffffff')).toBe(2n ** 64n - 1n);
    expect(hex(T.varint, '-129')).toBe('ff7f');
  });

  test('decimal = [int] scale + varint unscaled', () => {
    expect(hex(T.decimal, new BigDecimal(1n, 2))).toBe('00000002' + '01');
    expect(hex(T.decimal, '0.01')).toBe('00000002' + '01');
    expect(hex(T.decimal, '-1.5')).toBe('00000001' + 'f1');
    expect(hex(T.decimal, '1.28e3')).toBe('ffffffff' + '0080');
    expect(hex(T.decimal, 12345678901234567890n)).toBe('00000000' + '00ab54a98ceb1f0ad2');
    expect(dec(T.decimal, 'ffffffff' + 'ff7f')).toEqual(new BigDecimal(-129n, -1));
    expect(String(dec(T.decimal, '00000003' + '3039'))).toBe('12.345');
  });

  test('duration = three zig-zag vints', () => {
    expect(hex(T.duration, new Duration(1, 2, 3n))).toBe('020406');
    expect(hex(T.duration, new Duration(-1, -2, -3n))).toBe('010305');
    expect(hex(T.duration, new Duration(0, 200, 0n))).toBe('00' + '8190' + '00');
    // 1h = 3.6e12 ns → zig-zag 7.2e12 = 0x68c61714000 (43 bits) → 7-byte vint: 0xfc prefix + 6 bytes.
    expect(hex(T.duration, new Duration(0, 0, 3_600_000_000_000n))).toBe('00' + '00' + 'fc' + '068c61714000');
    expect(dec(T.duration, '020406')).toEqual(new Duration(1, 2, 3n));
    expect(hex(T.duration, 'PT1S')).toBe('0000' + 'f0773594' + '00');
  });

  test('date: unsigned days with 1970-01-01 at 2^31', () => {
    expect(hex(T.date, new LocalDate(0))).toBe('80000000');
    expect(hex(T.date, '1970-01-01')).toBe('80000000');
    expect(hex(T.date, '1969-12-31')).toBe('7fffffff');
    expect(hex(T.date, new Date(Date.UTC(1970, 0, 2, 23, 59)))).toBe('80000001');
    expect(String(dec(T.date, '00000000'))).toBe('-5877641-06-23');
    expect(String(dec(T.date, 'ffffffff'))).toBe('+5881580-07-11');
    expect(String(dec(T.date, '80004d46'))).toBe('2024-02-29');
  });

  test('vector<float, 3> is packed IEEE-754 without lengths', () => {
    const t = T.vector(T.float, 3);
    expect(hex(t, [1, 2, 3])).toBe('3f800000' + '40000000' + '40400000');
    expect(hex(t, new Float32Array([1, 2, 3]))).toBe('3f800000' + '40000000' + '40400000');
    expect(dec(t, '3f800000' + '40000000' + '40400000')).toEqual(new Float32Array([1, 2, 3]));
    expect(hex(T.vector(T.double, 1), new Float64Array([1]))).toBe('3ff0000000000000');
    expect(hex(T.vector(T.int, 2), [1, -1])).toBe('00000001' + 'ffffffff');
    expect(hex(T.vector(T.boolean, 2), [true, false])).toBe('0100');
    expect(hex(T.vector(T.uuid, 1), ['00112233-4455-6677-8899-aabbccddeeff'])).toBe('00112233445566778899aabbccddeeff');
    expect(hex(T.vector(T.vector(T.float, 1), 2), [new Float32Array([1]), new Float32Array([2])])).toBe('3f800000' + '40000000');
  });

  test('vector<text, 2> prefixes each element with an [unsigned vint] length', () => {
    const t = T.vector(T.text, 2);
    expect(hex(t, ['a', 'bc'])).toBe('01' + '61' + '02' + '6263');
    expect(dec(t, '0161026263')).toEqual(['a', 'bc']);
    expect(hex(T.vector(T.text, 1), ['x'.repeat(200)])).toBe('80c8' + '78'.repeat(200));
    expect(hex(T.vector(T.text, 1), ['x'.repeat(20000)]).slice(0, 6)).toBe('c04e20');
    // smallint, tinyint, date, time... have no fixed length in Cassandra: prefixed too.
    expect(hex(T.vector(T.smallint, 2), [1, 2])).toBe('02' + '0001' + '02' + '0002');
    expect(hex(T.vector(T.list(T.int), 1), [[7]])).toBe('0c' + '00000001' + '00000004' + '00000007');
  });

  test('collections: [int] count, [bytes] elements', () => {
    expect(hex(T.list(T.int), [1, 2])).toBe('00000002' + '00000004' + '00000001' + '00000004' + '00000002');
    expect(hex(T.set(T.int), new Set([1]))).toBe('00000001' + '00000004' + '00000001');
    expect(hex(T.map(T.text, T.int), { a: 1 })).toBe('00000001' + '00000001' + '61' + '00000004' + '00000001');
    expect(hex(T.map(T.text, T.int), new Map([['a', 1]]))).toBe('00000001' + '00000001' + '61' + '00000004' + '00000001');
    expect(dec(T.list(T.int), '00000001' + 'ffffffff')).toEqual([null]);
  });

  test('tuple and UDT: [bytes] items, null as -1, absent trailing fields → null', () => {
    expect(hex(T.tuple(T.int, T.text), [1, null])).toBe('00000004' + '00000001' + 'ffffffff');
    expect(dec(T.tuple(T.int, T.text), '00000004' + '00000001')).toEqual([1, null]);
    const u = T.udt('ks', 'u', [
      { name: 'a', type: T.int },
      { name: 'b', type: T.text },
      { name: 'c', type: T.boolean },
    ]);
    expect(hex(u, { a: 1, c: true })).toBe('00000004' + '00000001' + 'ffffffff' + '00000001' + '01');
    expect(dec(u, '00000004' + '00000001')).toEqual({ a: 1, b: null, c: null });
  });

  test('scalars', () => {
    expect(hex(T.boolean, true)).toBe('01');
    expect(dec(T.boolean, '02')).toBe(true);
    expect(dec(T.boolean, '00')).toBe(false);
    expect(hex(T.timestamp, new Date(0))).toBe('0000000000000000');
    expect(hex(T.timestamp, -1)).toBe('ffffffffffffffff');
    expect(hex(T.timestamp, 2n ** 40n)).toBe('0000010000000000');
    expect(hex(T.time, '00:00:01')).toBe('000000003b9aca00');
    expect(hex(T.uuid, 'AABBCCDD-EEFF-0011-2233-445566778899')).toBe('aabbccddeeff00112233445566778899');
    expect(dec(T.timeuuid, 'aabbccddeeff00112233445566778899')).toBe('aabbccdd-eeff-0011-2233-445566778899');
    expect(hex(T.uuid, Buffer.from('00112233445566778899aabbccddeeff', 'hex'))).toBe('00112233445566778899aabbccddeeff');
    expect(hex(T.inet, '127.0.0.1')).toBe('7f000001');
    expect(hex(T.inet, '::1')).toBe('00'.repeat(15) + '01');
    expect(dec(T.inet, '20010db8000000000000000000000001')).toBe('2001:db8::1');
    expect(hex(T.bigint, -2)).toBe('fffffffffffffffe');
    expect(hex(T.bigint, '9223372036854775807')).toBe('7fffffffffffffff');
    expect(hex(T.counter, { low: -1, high: 0 })).toBe('00000000ffffffff');
    expect(hex(T.smallint, -2)).toBe('fffe');
    expect(hex(T.tinyint, 5n)).toBe('05');
    expect(hex(T.ascii, 'Az')).toBe('417a');
    expect(hex(T.text, 'é')).toBe('c3a9');
    expect(hex(T.float, 1.5)).toBe('3fc00000');
    expect(hex(T.double, 1.5)).toBe('3ff8000000000000');
    expect(hex(T.custom('com.example.X'), new Uint8Array([1, 2]))).toBe('0102');
  });

  test('invalid UTF-8 in text/ascii decodes with U+FFFD instead of throwing', () => {
    expect(dec(T.text, '41ff42')).toBe('A\ufffdB');
    expect(dec(T.ascii, 'c3')).toBe('\ufffd');
  });

  test('int64FromBits builds 64-bit values without bigint', () => {
    const opts: DecodeOptions = { int64FromBits: (low, high) => ({ low, high }) };
    expect(dec(T.bigint, 'ffffffffffffffff', opts)).toEqual({ low: -1, high: -1 });
    expect(dec(T.counter, '0000000100000000', opts)).toEqual({ low: 0, high: 1 });
    expect(dec(T.list(T.bigint), '00000001' + '00000008' + '0000000000000002', opts)).toEqual([{ low: 2, high: 0 }]);
    expect(dec(T.bigint, 'ffffffffffffffff')).toBe(-1n);
    expect(compileDecoder(T.bigint, opts)).toBe(compileDecoder(T.bigint, opts));
    expect(compileDecoder(T.bigint, opts)).not.toBe(compileDecoder(T.bigint));
  });

  test('decoded blobs are copies, not views of the input', () => {
    const input = Buffer.from('0102', 'hex');
    const out = decodeValue(T.blob, input) as Buffer;
    input[0] = 9;
    expect(out[0]).toBe(1);
  });
});

describe('encode errors: ENCODE, naming the types, never the value', () => {
  const secret = 'hunter2-s3cr3t';
  const cases: [DataType, unknown, RegExp][] = [
    [T.tinyint, 128, /number.*tinyint/],
    [T.tinyint, -129, /tinyint/],
    [T.smallint, 32768, /smallint/],
    [T.int, 1.5, /number.*int/],
    [T.int, NaN, /int/],
    [T.int, 2 ** 31, /int/],
    [T.int, 2n ** 31n, /bigint.*int/],
    [T.int, secret, /string.*int/],
    [T.bigint, 2 ** 53, /bigint/],
    [T.bigint, 2n ** 63n, /bigint/],
    [T.bigint, secret, /bigint/],
    [T.varint, secret, /varint/],
    [T.varint, 0.5, /varint/],
    [T.decimal, secret, /decimal/],
    [T.decimal, Infinity, /decimal/],
    [T.float, 1e300, /float/],
    [T.double, '1.5', /string.*double/],
    [T.boolean, 1, /boolean/],
    [T.text, 5, /text/],
    [T.ascii, 'é', /ascii/],
    [T.blob, secret, /blob/],
    [T.uuid, secret, /uuid/],
    [T.uuid, Buffer.alloc(15), /uuid/],
    [T.timeuuid, '00112233-4455-6677-8899-aabbccddeefg', /timeuuid/],
    [T.inet, secret, /inet/],
    [T.inet, Buffer.alloc(5), /inet/],
    [T.timestamp, new Date(NaN), /timestamp/],
    [T.timestamp, 1.5, /timestamp/],
    [T.timestamp, secret, /timestamp/],
    [T.date, secret, /date/],
    [T.date, '2023-02-29', /date/],
    [T.date, 5, /date/],
    [T.time, secret, /time/],
    [T.time, 86_400_000_000_000n, /time/],
    [T.time, -1, /time/],
    [T.duration, secret, /duration/],
    [T.duration, 5, /duration/],
    [T.list(T.int), secret, /list<int>/],
    [T.list(T.int), [1, null], /null/],
    [T.list(T.int), [1, UNSET], /unset/],
    [T.set(T.int), [secret], /int/],
    [T.map(T.text, T.int), [[secret, 1]], /map<text, int>/],
    [T.map(T.text, T.int), { a: null }, /null/],
    [T.tuple(T.int, T.int), [1], /tuple<int, int>.*2 items/],
    [T.tuple(T.int), [UNSET], /unset/],
    [T.udt('ks', 'u', [{ name: 'a', type: T.int }]), { a: 1, [secret]: 2 }, /not a field/],
    [T.udt('ks', 'u', [{ name: 'a', type: T.int }]), [1], /Array.*ks\.u/],
    [T.vector(T.float, 3), [1, 2], /vector<float, 3>.*3 elements/],
    [T.vector(T.float, 2), [1, null], /null/],
    [T.vector(T.text, 1), [null], /null/],
    [T.vector(T.float, 1), secret, /vector/],
  ];
  test.each(cases.map(([t, v, m], i) => ({ name: `#${i} ${formatCqlType(t)}`, t, v, m })))('$name', ({ t, v, m: message }) => {
    const e = thrown(() => encodeValue(t, v));
    expect(e.code).toBe(ProtocolErrorCode.ENCODE);
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain(secret);
    if (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) > 9) expect(e.message).not.toContain(String(v));
  });

  test('no value ever leaks into an error message', () => {
    const marker = 'XYZZY-SECRET';
    fc.assert(
      fc.property(dataTypeArb({ maxDepth: 2 }), fc.constantFrom<unknown>(marker, [marker], { [marker]: marker }, new Map([[marker, marker]]), [[marker]]), (t, v) => {
        try {
          encodeValue(t, v);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
          expect((e as ProtocolError).message).not.toContain(marker);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('UDT objects and prototype safety', () => {
  const u = T.udt('ks', 'u', [
    { name: '__proto__', type: T.text },
    { name: 'constructor', type: T.int },
    { name: 'toString', type: T.boolean },
  ]);

  test('dangerous field names become own data properties; prototypes are untouched', () => {
    const value = JSON.parse('{"__proto__": "p", "constructor": 1, "toString": true}') as Record<string, unknown>;
    const out = roundTrip(u, value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toBe('p');
    expect(Object.getOwnPropertyDescriptor(out, 'constructor')?.value).toBe(1);
    expect(Object.keys(out)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(({} as Record<string, unknown>).p).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('p');
  });

  test('encoding reads only own properties for those names (never Object.prototype)', () => {
    expect(hex(u, {})).toBe('ffffffff'.repeat(3));
  });
});

describe('malformed bytes → ProtocolError', () => {
  const code = (t: DataType, h: string): string => thrown(() => dec(t, h)).code;
  const M = ProtocolErrorCode.MALFORMED;
  const TR = ProtocolErrorCode.TRUNCATED;

  test('wrong fixed length', () => {
    expect(code(T.int, '000000')).toBe(M);
    expect(code(T.int, '0000000000')).toBe(M);
    expect(code(T.bigint, '00')).toBe(M);
    expect(code(T.boolean, '0000')).toBe(M);
    expect(code(T.uuid, '00'.repeat(15))).toBe(M);
    expect(code(T.inet, '00'.repeat(5))).toBe(M);
    expect(code(T.decimal, '000000')).toBe(M);
    expect(code(T.decimal, '00000001')).toBe(M);
    expect(code(T.time, 'ffffffffffffffff')).toBe(M);
    expect(code(T.time, '00004e94914f0000')).toBe(M);
    expect(code(T.vector(T.float, 2), '00000000')).toBe(M);
    expect(code(T.vector(T.vector(T.int, 2), 2), '00'.repeat(12))).toBe(M);
  });

  test('absurd counts are rejected before allocating', () => {
    expect(code(T.list(T.int), '7fffffff')).toBe(M);
    expect(code(T.list(T.int), '7fffffff00000000')).toBe(M);
    expect(code(T.list(T.int), 'ffffffff')).toBe(M);
    expect(code(T.map(T.int, T.int), '00000001' + '00000000')).toBe(M);
    expect(code(T.vector(T.text, 2_000_000_000), '00')).toBe(M);
  });

  test('truncated elements, trailing bytes', () => {
    expect(code(T.list(T.int), '00000001' + '00000004' + '0000')).toBe(TR);
    expect(code(T.list(T.int), '00000001' + '0000')).toBe(M);
    expect(code(T.list(T.int), '000000')).toBe(TR);
    expect(code(T.list(T.int), '00000000' + '00')).toBe(M);
    expect(code(T.map(T.int, T.int), '00000001' + '00000004' + '00000001')).toBe(TR);
    expect(code(T.tuple(T.int), '00000004' + '00000001' + '00')).toBe(M);
    expect(code(T.tuple(T.int), '000000')).toBe(TR);
    expect(code(T.udt('ks', 'u', [{ name: 'a', type: T.int }]), '00000004' + '00000001' + 'ff')).toBe(M);
    expect(code(T.vector(T.text, 2), '01' + '61')).toBe(TR);
    expect(code(T.vector(T.text, 1), '05' + '61')).toBe(TR);
    expect(code(T.vector(T.text, 1), '01' + '61' + '00')).toBe(M);
    expect(code(T.vector(T.text, 1), 'ff' + '61')).toBe(TR);
    expect(code(T.list(T.int), '00000001' + '00000003' + '000000')).toBe(M);
  });

  test('duration: mixed signs, out-of-range months, trailing bytes', () => {
    expect(code(T.duration, '020305')).toBe(M);
    expect(code(T.duration, '0204060a')).toBe(M);
    expect(code(T.duration, '0204')).toBe(TR);
    expect(code(T.duration, 'f1ffffffff' + '00' + '00')).toBe(M);
    expect(dec(T.duration, 'f0ffffffff' + '00' + '00')).toEqual(new Duration(-(2 ** 31), 0, 0n));
  });

  test('oversized varint → UNSUPPORTED', () => {
    expect(thrown(() => decodeValue(T.varint, Buffer.alloc((1 << 24) + 1))).code).toBe(ProtocolErrorCode.UNSUPPORTED);
  });

  test('arbitrary bytes into any type → a value or a ProtocolError, never another error', () => {
    fc.assert(
      fc.property(dataTypeArb({ maxDepth: 3 }), fc.uint8Array({ maxLength: 48 }), (t, bytes) => {
        try {
          decodeValue(t, Buffer.from(bytes));
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('mutated valid encodings → a value or a ProtocolError', () => {
    fc.assert(
      fc.property(typedValueArb({ maxDepth: 3 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(), ({ type, value }, flips, cut) => {
        const b = Buffer.from(encodeValue(type, value) as Buffer);
        for (const [at, byte] of flips) if (b.length > 0) b[at % b.length] = byte;
        const end = b.length === 0 ? 0 : cut % (b.length + 1);
        try {
          decodeValue(type, b.subarray(0, end));
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('caching', () => {
  test('compiled codecs are cached per DataType object and shared by equal structures', () => {
    const a = T.list(T.map(T.text, T.int));
    const b = T.list(T.map(T.text, T.int));
    expect(compileDecoder(a)).toBe(compileDecoder(a));
    expect(compileDecoder(a)).toBe(compileDecoder(b));
    expect(compileEncoder(a)).toBe(compileEncoder(b));
    expect(compileDecoder({ kind: 'int' })).toBe(compileDecoder(T.int));
  });

  test('types deeper than the limit are refused, not overflowed', () => {
    let t: DataType = T.int;
    for (let i = 0; i < 200; i++) t = T.list(t);
    expect(thrown(() => compileDecoder(t)).code).toBe(ProtocolErrorCode.MALFORMED);
    expect(thrown(() => compileEncoder(t)).code).toBe(ProtocolErrorCode.ENCODE);
  });
});

describe('lenient inputs', () => {
  test('accepted alternative JS forms', () => {
    expect(hex(T.bigint, 5)).toBe(hex(T.bigint, 5n));
    expect(hex(T.varint, '123456789012345678901234567890')).toBe(hex(T.varint, 123456789012345678901234567890n));
    expect(hex(T.decimal, 1.25)).toBe(hex(T.decimal, new BigDecimal(125n, 2)));
    expect(hex(T.decimal, { unscaled: 5n, scale: 1 })).toBe(hex(T.decimal, '0.5'));
    expect(hex(T.timestamp, 1000)).toBe(hex(T.timestamp, new Date(1000)));
    expect(hex(T.timestamp, 1000n)).toBe(hex(T.timestamp, new Date(1000)));
    expect(hex(T.date, LocalDate.of(2020, 1, 1))).toBe(hex(T.date, '2020-01-01'));
    expect(hex(T.time, 1_000_000_000n)).toBe(hex(T.time, '00:00:01'));
    expect(hex(T.time, 1_000_000_000)).toBe(hex(T.time, LocalTime.of(0, 0, 1)));
    expect(hex(T.duration, '1h')).toBe(hex(T.duration, new Duration(0, 0, 3_600_000_000_000n)));
    expect(hex(T.set(T.int), new Set([1, 2]))).toBe(hex(T.set(T.int), [1, 2]));
    expect(hex(T.list(T.float), new Float32Array([1]))).toBe(hex(T.list(T.float), [1]));
    expect(hex(T.vector(T.int, 2), new Int32Array([1, 2]))).toBe(hex(T.vector(T.int, 2), [1, 2]));
    expect(hex(T.blob, new Uint8Array([1]).buffer)).toBe('01');
    expect(hex(T.inet, new Uint8Array([10, 0, 0, 1]))).toBe('0a000001');
  });
});
