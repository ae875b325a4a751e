// fast-check arbitraries for protocol/types tests: DataTypes of every kind and JS values that
// round-trip through the codec for a given DataType.
import fc from 'fast-check';
import { formatIp } from '../../protocol/buffer.js';
import type { DataType, SimpleKind, UdtField } from '../../protocol/types/datatype.js';
import { DataTypes } from '../../protocol/types/datatypes.js';
import { BigDecimal, Duration, LocalDate, LocalTime } from '../../protocol/types/values.js';

export const SIMPLE_KINDS: readonly SimpleKind[] = [
  'ascii', 'bigint', 'blob', 'boolean', 'counter', 'date', 'decimal', 'double', 'duration', 'float',
  'inet', 'int', 'smallint', 'text', 'time', 'timestamp', 'timeuuid', 'tinyint', 'uuid', 'varint',
];

const identifier = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
/** UDT field names: identifiers plus names that are dangerous as JS object keys. */
const fieldName = fc.oneof(identifier, fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'Mixed Case', 'é'));

function uniqueFields(type: fc.Arbitrary<DataType>, minLength: number): fc.Arbitrary<UdtField[]> {
  return fc
    .uniqueArray(fc.tuple(fieldName, type), { minLength, maxLength: 4, selector: ([n]) => n })
    .map((fs) => fs.map(([name, t]) => ({ name, type: t })));
}

/**
 * Arbitrary DataType. `forValues` leaves out zero-field UDTs, whose empty encoding is the
 * legacy "empty value" and decodes as null.
 */
export function dataTypeArb(opts: { forValues?: boolean; maxDepth?: number } = {}): fc.Arbitrary<DataType> {
  const minFields = opts.forValues ? 1 : 0;
  const { tree } = fc.letrec<{ tree: DataType; leaf: DataType; node: DataType }>((tie) => ({
    leaf: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...SIMPLE_KINDS).map((k): DataType => DataTypes[k]) },
      { weight: 1, arbitrary: identifier.map((n): DataType => DataTypes.custom(`com.example.${n}`)) },
    ),
    node: fc.oneof(
      tie('tree').map((e) => DataTypes.list(e)),
      tie('tree').map((e) => DataTypes.set(e)),
      fc.tuple(tie('tree'), tie('tree')).map(([k, v]) => DataTypes.map(k, v)),
      fc.array(tie('tree'), { minLength: 1, maxLength: 3 }).map((es) => DataTypes.tuple(...es)),
      fc
        .tuple(identifier, fc.string({ maxLength: 6 }), uniqueFields(tie('tree'), minFields))
        .map(([ks, name, fields]) => DataTypes.udt(ks, name, fields)),
      fc.tuple(tie('tree'), fc.integer({ min: 1, max: 4 })).map(([e, d]) => DataTypes.vector(e, d)),
    ),
    tree: fc.oneof({ maxDepth: opts.maxDepth ?? 3, depthIdentifier: 'type' }, tie('leaf'), tie('node')),
  }));
  return tree;
}

const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

function udtObject(fields: readonly UdtField[], values: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  fields.forEach((f, i) => Object.defineProperty(out, f.name, { value: values[i], writable: true, enumerable: true, configurable: true }));
  return out;
}

/** Arbitrary non-null JS value of type `t`, in the exact form the decoder returns. */
export function valueArb(t: DataType): fc.Arbitrary<unknown> {
  switch (t.kind) {
    case 'ascii':
      return fc.string({ unit: 'binary-ascii', maxLength: 20 });
    case 'text':
      return fc.string({ unit: 'grapheme', maxLength: 20 });
    case 'bigint':
    case 'counter':
      return fc.oneof(fc.bigInt(INT64), fc.constantFrom(INT64.min, INT64.max, 0n, -1n));
    case 'blob':
    case 'custom':
      return fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a));
    case 'boolean':
      return fc.boolean();
    case 'date':
      return fc
        .oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(-(2 ** 31), 2 ** 31 - 1, 0))
        .map((d) => new LocalDate(d));
    case 'decimal':
      return fc
        .tuple(fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }))
        .map(([u, s]) => new BigDecimal(u, s));
    case 'double':
      return fc.double();
    case 'float':
      return fc.float();
    case 'duration': {
      const i32 = fc.integer({ min: 0, max: 2 ** 31 - 1 });
      const i64 = fc.bigInt({ min: 0n, max: 2n ** 63n - 1n });
      return fc
        .tuple(i32, i32, i64, fc.boolean())
        .map(([m, d, n, neg]) => (neg ? new Duration(0 - m || 0, 0 - d || 0, -n) : new Duration(m, d, n)));
    }
    case 'inet':
      return fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 })).map(formatIp);
    case 'int':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'smallint':
      return fc.integer({ min: -32768, max: 32767 });
    case 'tinyint':
      return fc.integer({ min: -128, max: 127 });
    case 'time':
      return fc.bigInt({ min: 0n, max: 86_399_999_999_999n }).map((n) => new LocalTime(n));
    case 'timestamp':
      return fc.integer({ min: -8.64e15, max: 8.64e15 }).map((ms) => new Date(ms));
    case 'uuid':
    case 'timeuuid':
      return fc.uuid().map((u) => u.toLowerCase());
    case 'varint':
      return fc.oneof(fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }), fc.bigInt({ min: -300n, max: 300n }));
    case 'list':
    case 'set':
      return fc.array(valueArb(t.element), { maxLength: 3 });
    case 'map':
      return fc.array(fc.tuple(valueArb(t.key), valueArb(t.value)), { maxLength: 3 }).map((es) => new Map(es));
    case 'tuple':
      return fc.tuple(...t.elements.map((e) => fc.option(valueArb(e), { nil: null })));
    case 'udt':
      return fc.tuple(...t.fields.map((f) => fc.option(valueArb(f.type), { nil: null }))).map((vs) => udtObject(t.fields, vs));
    case 'vector': {
      const n = { minLength: t.dimension, maxLength: t.dimension };
      if (t.element.kind === 'float') return fc.array(fc.float(), n).map((a) => Float32Array.from(a));
      if (t.element.kind === 'double') return fc.array(fc.double(), n).map((a) => Float64Array.from(a));
      return fc.array(valueArb(t.element), n);
    }
  }
}

/** A DataType together with a value of it. */
export function typedValueArb(opts: { maxDepth?: number } = {}): fc.Arbitrary<{ type: DataType; value: unknown }> {
  return dataTypeArb({ forValues: true, ...opts }).chain((type) => valueArb(type).map((value) => ({ type, value })));
}
