import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Reader, Writer } from '../../protocol/buffer.js';
import { TypeCode } from '../../protocol/constants.js';
import { ProtocolError, ProtocolErrorCode } from '../../protocol/errors.js';
import type { DataType } from '../../protocol/types/datatype.js';
import { DataTypes as T } from '../../protocol/types/datatypes.js';
import {
  MAX_TYPE_DEPTH,
  formatCqlType,
  parseCqlType,
  parseMarshalType,
  readTypeOption,
  toMarshalType,
  writeTypeOption,
} from '../../protocol/types/option.js';
import { SIMPLE_KINDS, dataTypeArb } from './types-arbitraries.js';

const M = 'org.apache.cassandra.db.marshal.';

function optionBytes(t: DataType, version = 5): Buffer {
  const w = new Writer(16);
  writeTypeOption(w, t, version);
  return Buffer.from(w.finish());
}

function readOption(bytes: Buffer): DataType {
  const r = new Reader(bytes);
  const t = readTypeOption(r);
  expect(r.remaining).toBe(0);
  return t;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return (e as ProtocolError).code;
  }
  throw new Error('expected a ProtocolError');
}

/** Resolver over every UDT inside `t`, by keyspace and name. */
function udtResolver(t: DataType): (ks: string | undefined, name: string) => DataType | undefined {
  const found = new Map<string, DataType>();
  const walk = (x: DataType): void => {
    switch (x.kind) {
      case 'list':
      case 'set':
      case 'vector':
        return walk(x.element);
      case 'map':
        walk(x.key);
        return walk(x.value);
      case 'tuple':
        return x.elements.forEach(walk);
      case 'udt':
        found.set(`${x.keyspace}.${x.name}`, x);
        return x.fields.forEach((f) => walk(f.type));
      default:
    }
  };
  walk(t);
  return (ks, name) => found.get(`${ks}.${name}`);
}

describe('[option] golden bytes', () => {
  const simple: [number, DataType][] = [
    [0x0001, T.ascii], [0x0002, T.bigint], [0x0003, T.blob], [0x0004, T.boolean], [0x0005, T.counter],
    [0x0006, T.decimal], [0x0007, T.double], [0x0008, T.float], [0x0009, T.int], [0x000b, T.timestamp],
    [0x000c, T.uuid], [0x000d, T.text], [0x000e, T.varint], [0x000f, T.timeuuid], [0x0010, T.inet],
    [0x0011, T.date], [0x0012, T.time], [0x0013, T.smallint], [0x0014, T.tinyint], [0x0015, T.duration],
  ];
  test.each(simple)('id 0x%s reads as the shared singleton and writes back', (code, t) => {
    const bytes = Buffer.from([code >> 8, code & 0xff]);
    expect(readOption(bytes)).toBe(t);
    expect(optionBytes(t)).toEqual(bytes);
  });

  test('list<map<text, set<int>>>', () => {
    const bytes = Buffer.from('0020' + '0021' + '000d' + '0022' + '0009', 'hex');
    const t = T.list(T.map(T.text, T.set(T.int)));
    expect(readOption(bytes)).toEqual(t);
    expect(optionBytes(t)).toEqual(bytes);
  });

  test('udt and tuple', () => {
    const bytes = Buffer.from(
      '0030' + '0002' + '6b73' + '0004' + '61646472' + '0002' + '0001' + '61' + '0009' + '0002' + '6262' + '0031' + '0002' + '000d' + '0004',
      'hex',
    );
    const t = T.udt('ks', 'addr', [
      { name: 'a', type: T.int },
      { name: 'bb', type: T.tuple(T.text, T.boolean) },
    ]);
    expect(readOption(bytes)).toEqual(t);
    expect(optionBytes(t)).toEqual(bytes);
  });

  test('vector arrives as CUSTOM with its marshal class name and is written back that way', () => {
    const name = `${M}VectorType(${M}FloatType , 3)`;
    const w = new Writer();
    w.short(TypeCode.CUSTOM).string(name);
    const bytes = Buffer.from(w.finish());
    expect(readOption(bytes)).toEqual(T.vector(T.float, 3));
    expect(optionBytes(T.vector(T.float, 3))).toEqual(bytes);
  });

  test('duration is written as CUSTOM DurationType under v4 and read back as duration', () => {
    const v4 = optionBytes(T.duration, 4);
    expect(v4.readUInt16BE(0)).toBe(TypeCode.CUSTOM);
    expect(v4.subarray(4).toString()).toBe(`${M}DurationType`);
    expect(readOption(v4)).toBe(T.duration);
    expect(optionBytes(T.list(T.duration), 4).subarray(0, 4).toString('hex')).toBe('00200000');
  });

  test('unknown custom class stays custom', () => {
    const w = new Writer();
    w.short(0).string('com.example.Geo(1,2)');
    expect(readOption(Buffer.from(w.finish()))).toEqual({ kind: 'custom', className: 'com.example.Geo(1,2)' });
  });
});

describe('[option] round trip', () => {
  test('write then read gives the same type (v5 and v4)', () => {
    fc.assert(
      fc.property(dataTypeArb({ maxDepth: 4 }), fc.constantFrom(4, 5), (t, version) => {
        expect(readOption(optionBytes(t, version))).toEqual(t);
      }),
      { numRuns: 400 },
    );
  });
});

describe('[option] malformed input', () => {
  test('truncated anywhere → TRUNCATED', () => {
    fc.assert(
      fc.property(dataTypeArb({ maxDepth: 3 }), fc.nat(), (t, cut) => {
        const bytes = optionBytes(t);
        const at = cut % bytes.length;
        expect(codeOf(() => readTypeOption(new Reader(bytes.subarray(0, at))))).toMatch(/TRUNCATED|MALFORMED/);
      }),
    );
  });

  test('unknown id → UNSUPPORTED', () => {
    expect(codeOf(() => readTypeOption(new Reader(Buffer.from('000a', 'hex'))))).toBe(ProtocolErrorCode.UNSUPPORTED);
    expect(codeOf(() => readTypeOption(new Reader(Buffer.from('ffff', 'hex'))))).toBe(ProtocolErrorCode.UNSUPPORTED);
  });

  test('UDT / tuple counts larger than the input are rejected before allocating', () => {
    expect(codeOf(() => readTypeOption(new Reader(Buffer.from('003000000000ffff', 'hex'))))).toBe(ProtocolErrorCode.TRUNCATED);
    expect(codeOf(() => readTypeOption(new Reader(Buffer.from('0031ffff0009', 'hex'))))).toBe(ProtocolErrorCode.TRUNCATED);
  });

  test(`nesting deeper than ${MAX_TYPE_DEPTH} → MALFORMED, not a stack overflow`, () => {
    const deep = Buffer.concat([Buffer.from('0020'.repeat(100_000), 'hex'), Buffer.from('0009', 'hex')]);
    expect(codeOf(() => readTypeOption(new Reader(deep)))).toBe(ProtocolErrorCode.MALFORMED);
    const ok = Buffer.concat([Buffer.from('0020'.repeat(MAX_TYPE_DEPTH), 'hex'), Buffer.from('0009', 'hex')]);
    expect(readOption(ok).kind).toBe('list');
  });

  test('arbitrary bytes → a type or a ProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          readTypeOption(new Reader(Buffer.from(bytes)));
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('marshal class names', () => {
  const cases: [string, DataType][] = [
    ['FloatType', T.float], ['Int32Type', T.int], ['LongType', T.bigint], ['UTF8Type', T.text],
    ['AsciiType', T.ascii], ['BytesType', T.blob], ['BooleanType', T.boolean], ['DoubleType', T.double],
    ['DecimalType', T.decimal], ['IntegerType', T.varint], ['UUIDType', T.uuid], ['TimeUUIDType', T.timeuuid],
    ['TimestampType', T.timestamp], ['DateType', T.timestamp], ['SimpleDateType', T.date], ['TimeType', T.time],
    ['ShortType', T.smallint], ['ByteType', T.tinyint], ['DurationType', T.duration],
    ['InetAddressType', T.inet], ['CounterColumnType', T.counter],
  ];
  test.each(cases)('%s', (name, t) => {
    expect(parseMarshalType(M + name)).toBe(t);
    expect(parseMarshalType(name)).toBe(t);
  });

  test('parameterised types, frozen/reversed wrappers, whitespace', () => {
    expect(parseMarshalType(`${M}ListType(${M}Int32Type)`)).toEqual(T.list(T.int));
    expect(parseMarshalType(`${M}SetType(${M}UTF8Type)`)).toEqual(T.set(T.text));
    expect(parseMarshalType(`${M}MapType(${M}UTF8Type,${M}FrozenType(${M}ListType(${M}Int32Type)))`)).toEqual(
      T.map(T.text, T.list(T.int)),
    );
    expect(parseMarshalType(`${M}ReversedType(${M}TimeUUIDType)`)).toBe(T.timeuuid);
    expect(parseMarshalType(`${M}TupleType(${M}Int32Type, ${M}UTF8Type)`)).toEqual(T.tuple(T.int, T.text));
    expect(parseMarshalType(`${M}VectorType(${M}FloatType,3)`)).toEqual(T.vector(T.float, 3));
    expect(parseMarshalType(` ${M}VectorType( ${M}DoubleType , 1536 ) `)).toEqual(T.vector(T.double, 1536));
    expect(parseMarshalType(`${M}VectorType(${M}VectorType(${M}Int32Type , 2) , 3)`)).toEqual(T.vector(T.vector(T.int, 2), 3));
  });

  test('UserType: keyspace, hex name, hex field names', () => {
    const name = `${M}UserType(ks,61646472657373,737472656574:${M}UTF8Type,7a6970:${M}Int32Type,5f5f70726f746f5f5f:${M}BooleanType)`;
    expect(parseMarshalType(name)).toEqual(
      T.udt('ks', 'address', [
        { name: 'street', type: T.text },
        { name: 'zip', type: T.int },
        { name: '__proto__', type: T.boolean },
      ]),
    );
    expect(toMarshalType(parseMarshalType(name))).toBe(name);
  });

  test('unknown classes stay custom, also inside known ones', () => {
    expect(parseMarshalType('com.example.Geo')).toEqual(T.custom('com.example.Geo'));
    expect(parseMarshalType('com.example.Geo(a,(b))')).toEqual(T.custom('com.example.Geo(a,(b))'));
    expect(parseMarshalType(`${M}SomethingNew(${M}Int32Type)`)).toEqual(T.custom(`${M}SomethingNew(${M}Int32Type)`));
    expect(parseMarshalType(`${M}ListType(com.example.Geo(x))`)).toEqual(T.list(T.custom('com.example.Geo(x)')));
  });

  test('malformed parameters of known classes → MALFORMED', () => {
    for (const bad of [
      `${M}ListType(`,
      `${M}ListType()`,
      `${M}ListType(${M}Int32Type,${M}Int32Type)`,
      `${M}MapType(${M}Int32Type)`,
      `${M}VectorType(${M}FloatType)`,
      `${M}VectorType(${M}FloatType,0)`,
      `${M}VectorType(${M}FloatType,-1)`,
      `${M}VectorType(${M}FloatType,99999999999)`,
      `${M}VectorType(${M}FloatType,3`,
      `${M}UserType(ks,zz,61:${M}Int32Type)`,
      `${M}UserType(ks,61,6:${M}Int32Type)`,
      `${M}Int32Type(x)`,
      `${M}ListType(${M}Int32Type) trailing`,
      `${M}ListType(${M}ListType(com.example.X(unbalanced))`,
    ]) {
      expect(codeOf(() => parseMarshalType(bad)), bad).toBe(ProtocolErrorCode.MALFORMED);
    }
  });

  test('deep nesting → MALFORMED', () => {
    const deep = `${M}ListType(`.repeat(10_000) + `${M}Int32Type` + ')'.repeat(10_000);
    expect(codeOf(() => parseMarshalType(deep))).toBe(ProtocolErrorCode.MALFORMED);
  });

  test('toMarshalType → parseMarshalType round trip', () => {
    fc.assert(
      fc.property(dataTypeArb({ maxDepth: 4 }), (t) => {
        expect(parseMarshalType(toMarshalType(t))).toEqual(t);
      }),
      { numRuns: 400 },
    );
  });

  test('vector elements that are collections are FrozenType-wrapped, as Cassandra prints them', () => {
    expect(toMarshalType(T.vector(T.list(T.int), 2))).toBe(
      `${M}VectorType(${M}FrozenType(${M}ListType(${M}Int32Type)) , 2)`,
    );
  });
});

describe('CQL type text', () => {
  test('examples', () => {
    expect(parseCqlType('map<text, frozen<list<int>>>')).toEqual(T.map(T.text, T.list(T.int)));
    expect(parseCqlType('vector<float, 3>')).toEqual(T.vector(T.float, 3));
    expect(parseCqlType('tuple<int,text>')).toEqual(T.tuple(T.int, T.text));
    expect(parseCqlType(' LIST < VARCHAR > ')).toEqual(T.list(T.text));
    expect(parseCqlType("'org.example.Geo'")).toEqual(T.custom('org.example.Geo'));
    expect(parseCqlType("'it''s'")).toEqual(T.custom("it's"));
    for (const k of SIMPLE_KINDS) expect(parseCqlType(k)).toBe(T[k]);
    expect(formatCqlType(T.map(T.text, T.list(T.int)))).toBe('map<text, frozen<list<int>>>');
    expect(formatCqlType(T.vector(T.float, 3))).toBe('vector<float, 3>');
    expect(formatCqlType(T.udt('KS', 'my type', []))).toBe('"KS"."my type"');
  });

  test('user-defined types need a resolver', () => {
    const addr = T.udt('ks', 'address', [{ name: 'street', type: T.text }]);
    expect(codeOf(() => parseCqlType('frozen<address>'))).toBe(ProtocolErrorCode.UNSUPPORTED);
    expect(() => parseCqlType('list<frozen<address>>')).toThrow(/address/);
    const seen: [string | undefined, string][] = [];
    const resolve = (ks: string | undefined, name: string): DataType | undefined => {
      seen.push([ks, name]);
      return name === 'address' ? addr : undefined;
    };
    expect(parseCqlType('list<frozen<address>>', resolve)).toEqual(T.list(addr));
    expect(parseCqlType('ks.address', resolve)).toBe(addr);
    expect(parseCqlType('"ks"."address"', resolve)).toBe(addr);
    expect(codeOf(() => parseCqlType('"Address"', resolve))).toBe(ProtocolErrorCode.UNSUPPORTED);
    expect(seen).toEqual([
      [undefined, 'address'],
      ['ks', 'address'],
      ['ks', 'address'],
      [undefined, 'Address'],
    ]);
  });

  test('syntax errors → MALFORMED', () => {
    for (const bad of ['', 'list<int', 'list<>', 'map<int>', 'map<int, text, text>', 'vector<float>', 'vector<float, 0>',
      'vector<float, x>', 'int>', 'tuple<>', '"unterminated', 'list<int> extra', 'int$', 'frozen<'] ) {
      expect(codeOf(() => parseCqlType(bad)), bad).toBe(ProtocolErrorCode.MALFORMED);
    }
    expect(codeOf(() => parseCqlType('list<'.repeat(5000) + 'int' + '>'.repeat(5000)))).toBe(ProtocolErrorCode.MALFORMED);
  });

  test('formatCqlType → parseCqlType round trip (UDTs resolved by name)', () => {
    fc.assert(
      fc.property(dataTypeArb({ maxDepth: 4 }), (t) => {
        expect(parseCqlType(formatCqlType(t), udtResolver(t))).toEqual(t);
      }),
      { numRuns: 400 },
    );
  });
});
