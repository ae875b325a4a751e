// Column values as JSON and CSV text and back, directed by the column's CQL type, so that an
// export read back by import gives the same values. Guessing from the JS value alone loses
// what JSON cannot say: a bigint inside a list came back as a string, a map<int, ...> key as a
// string the int encoder refuses, NaN and -0 as null and 0, a tuple used as a map key as "1,a".
// Knowing the type, each value is written in a form that type reads back exactly.
import type { Metadata } from '../cluster/metadata.js';
import { parseCqlType, type CqlTypeNode } from '../session/cql-type.js';

/** How one CQL type is written as JSON and read back. */
export interface ValueText {
  /** A JSON-safe value (null for null). */
  toJson(v: unknown): unknown;
  /** A value the driver's encoder takes for this type, from what {@link toJson} gave (or its text). */
  fromJson(v: unknown): unknown;
  /** The CSV field: null for null, the text itself for text types, JSON for collections. */
  toField(v: unknown): string | null;
  /** Back from a CSV field (null: the field was empty and unquoted). */
  fromField(f: string | null): unknown;
}

const TEXT = new Set(['text', 'ascii', 'varchar']);
const INT64 = new Set(['bigint', 'counter', 'varint']);
const NUMBER = new Set(['int', 'smallint', 'tinyint']);
// Types whose value classes print text their encoder parses back (LocalDate, LocalTime,
// BigDecimal, Duration) or that are strings already (uuid, inet).
const AS_STRING = new Set(['date', 'time', 'decimal', 'duration', 'uuid', 'timeuuid', 'inet']);

interface Conv {
  readonly toJson: (v: unknown) => unknown;
  readonly fromJson: (v: unknown) => unknown;
  /** Written in CSV as JSON (collections, tuples, UDTs). */
  readonly composite: boolean;
  /** Written in CSV as the text itself. */
  readonly text: boolean;
}

const nullable =
  (f: (v: unknown) => unknown) =>
  (v: unknown): unknown =>
    v === null || v === undefined ? null : f(v);

const hex = (v: Uint8Array): string => '0x' + Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
const unhex = (v: unknown): unknown => (typeof v === 'string' ? Buffer.from(v.startsWith('0x') || v.startsWith('0X') ? v.slice(2) : v, 'hex') : v);

/** Doubles JSON has no number for (NaN, ±Infinity, -0) as the text Number() reads back. */
const floatToJson = (v: unknown): unknown => (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? (Object.is(v, -0) ? '-0' : String(v)) : v);

function scalar(name: string): Conv {
  const c = (toJson: (v: unknown) => unknown, fromJson: (v: unknown) => unknown): Conv => ({ toJson: nullable(toJson), fromJson: nullable(fromJson), composite: false, text: TEXT.has(name) });
  if (TEXT.has(name)) return c((v) => v, (v) => v);
  if (INT64.has(name)) return c((v) => (typeof v === 'bigint' || typeof v === 'number' ? v.toString() : String(v)), (v) => (typeof v === 'string' || typeof v === 'number' ? BigInt(v) : v));
  if (NUMBER.has(name)) return c((v) => v, (v) => (typeof v === 'string' ? Number(v) : v));
  if (name === 'float' || name === 'double') return c(floatToJson, (v) => (typeof v === 'string' ? Number(v) : v));
  if (name === 'boolean') return c((v) => v, (v) => (typeof v === 'string' ? v === 'true' : v));
  if (name === 'timestamp') {
    return c(
      (v) => (v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? v.toString() : v),
      // Whole milliseconds as text come from timestampAs 'bigint'; anything else is ISO 8601.
      (v) => (typeof v === 'string' ? (/^-?\d+$/.test(v) ? BigInt(v) : new Date(v)) : v),
    );
  }
  if (name === 'blob') return c((v) => (v instanceof Uint8Array ? hex(v) : v), unhex);
  if (AS_STRING.has(name)) return c((v) => String(v), (v) => v);
  return generic();
}

/** For a type not known (a UDT missing from the metadata): guessed from the JS value. */
function generic(): Conv {
  const toJson = (v: unknown): unknown => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'number') return floatToJson(v);
    if (typeof v === 'boolean' || typeof v === 'string') return v;
    if (v instanceof Uint8Array) return hex(v);
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v)) return v.map(toJson);
    if (v instanceof Set) return [...v].map(toJson);
    if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(toJson(k)), toJson(x)]));
    if (Object.getPrototypeOf(v) === Object.prototype) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
    return String(v);
  };
  return { toJson, fromJson: (v) => (v === undefined ? null : v), composite: true, text: false };
}

/** A map key as an object key: the text of a scalar, the JSON of a tuple or UDT key. */
function keyText(key: Conv): { to: (k: unknown) => string; from: (s: string) => unknown } {
  if (key.text) return { to: (k) => String(k), from: (s) => s };
  if (key.composite) return { to: (k) => JSON.stringify(key.toJson(k)), from: (s) => key.fromJson(JSON.parse(s)) };
  return { to: (k) => String(key.toJson(k)), from: (s) => key.fromJson(s) };
}

function build(t: CqlTypeNode, keyspace: string, metadata: Metadata, depth: number): Conv {
  if (depth > 64) return generic();
  const sub = (x: CqlTypeNode): Conv => build(x, keyspace, metadata, depth + 1);
  switch (t.kind) {
    case 'simple':
      return scalar(t.name);
    case 'custom':
      return scalar('blob');
    case 'list':
    case 'set':
    case 'vector': {
      const el = sub(t.element);
      return {
        toJson: nullable((v) => Array.from(v as Iterable<unknown>, el.toJson)),
        fromJson: nullable((v) => (Array.isArray(v) ? v.map(el.fromJson) : v)),
        composite: true,
        text: false,
      };
    }
    case 'map': {
      const key = sub(t.key);
      const value = sub(t.value);
      const k = keyText(key);
      return {
        toJson: nullable((v) => (v instanceof Map ? Object.fromEntries(Array.from(v, ([mk, mv]) => [k.to(mk), value.toJson(mv)])) : v)),
        fromJson: nullable((v) => {
          // [[key, value], ...] is taken too (what a hand-written file may hold).
          if (Array.isArray(v)) return new Map(v.map((e) => [key.fromJson((e as unknown[])[0]), value.fromJson((e as unknown[])[1])]));
          if (typeof v === 'object') return new Map(Object.entries(v as object).map(([mk, mv]) => [k.from(mk), value.fromJson(mv)]));
          return v;
        }),
        composite: true,
        text: false,
      };
    }
    case 'tuple': {
      const items = t.elements.map(sub);
      const each = (f: (c: Conv) => (x: unknown) => unknown) =>
        nullable((v) => (Array.isArray(v) ? items.map((c, i) => f(c)(v[i])) : v));
      return { toJson: each((c) => c.toJson), fromJson: each((c) => c.fromJson), composite: true, text: false };
    }
    case 'udt': {
      const meta = metadata.keyspace(keyspace)?.userTypes.get(t.name);
      if (meta === undefined) return generic();
      const fields = meta.fields.map((f) => ({ name: f.name, conv: sub(parseCqlType(f.type)) }));
      const each = (f: (c: Conv) => (x: unknown) => unknown) =>
        nullable((v) => {
          if (typeof v !== 'object' || Array.isArray(v)) return v;
          const o = v as Record<string, unknown>;
          // fromEntries defines own properties: a field named __proto__ stays a field.
          return Object.fromEntries(fields.map((x) => [x.name, f(x.conv)(Object.hasOwn(o, x.name) ? o[x.name] : null)]));
        });
      return { toJson: each((c) => c.toJson), fromJson: each((c) => c.fromJson), composite: true, text: false };
    }
  }
}

/**
 * The JSON and CSV forms of a column of CQL type `type` (as the schema writes it). UDTs are
 * looked up in `keyspace` in the metadata; an unknown type is guessed from each value.
 */
export function valueText(type: string, keyspace: string, metadata: Metadata): ValueText {
  let conv: Conv;
  try {
    conv = build(parseCqlType(type), keyspace, metadata, 0);
  } catch {
    conv = generic();
  }
  const { toJson, fromJson, composite, text } = conv;
  return {
    toJson,
    fromJson,
    toField: (v) => {
      if (v === null || v === undefined) return null;
      if (text) return String(v);
      return composite ? JSON.stringify(toJson(v)) : String(toJson(v));
    },
    fromField: (f) => {
      if (f === null) return null;
      if (text) return f;
      // A quoted empty field of a type that has no empty text form: null, as the unquoted one.
      if (f === '') return null;
      return composite ? fromJson(JSON.parse(f)) : fromJson(f);
    },
  };
}
