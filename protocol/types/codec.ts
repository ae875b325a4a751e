import { Reader, UNSET, Writer, formatIp, parseIp, type Unset } from '../buffer.js';
import { ProtocolError, ProtocolErrorCode, malformed, truncated } from '../errors.js';
import type { DataType, UdtField } from './datatype.js';
import { MAX_TYPE_DEPTH, formatCqlType, toMarshalType } from './option.js';
import {
  formatUuid,
  parseUuidInto,
  readUnsignedVintLength,
  readVarint,
  unsignedVintSize,
  vintEnd,
  writeUnsignedVintAt,
  writeVarint,
} from './scalars.js';
import { BigDecimal, Duration, LocalDate, LocalTime } from './values.js';

// Values <-> bytes for every CQL type (spec §6, §7; Cassandra 5.0 VectorType). Codecs are
// compiled once per DataType into closures specialised for that type, so the per-value work is
// a few bounds checks and a Buffer read/write: no type switch, no intermediate Buffer.

/**
 * Decodes one non-null value occupying buf[start, end). Throws ProtocolError on malformed bytes.
 */
export type ValueDecoder = (buf: Buffer, start: number, end: number) => unknown;

/**
 * Writes one value as [value] (an [int] length then the bytes) into a Writer. `null` and
 * `undefined` write length -1; {@link UNSET} writes -2. Throws ProtocolError ENCODE when the
 * JS value cannot represent the CQL type (message names both types, never the value).
 */
export type ValueEncoder = (w: Writer, value: unknown) => void;

/** How to build the JS values of some types when decoding. */
export interface DecodeOptions {
  /**
   * Build `bigint` / `counter` values from their two signed 32-bit halves instead of returning
   * a JS `bigint`, e.g. `(low, high) => Long.fromBits(low, high)` with the npm `long` package.
   */
  readonly int64FromBits?: (low: number, high: number) => unknown;
  /**
   * How to return `timestamp` values: `'date'` (default) a JS `Date`, which holds
   * |ms| <= 8.64e15 (year 275760) and is an Invalid Date beyond; `'bigint'` the exact
   * milliseconds since the epoch as a `bigint`, over the whole signed 64-bit range.
   */
  readonly timestampAs?: 'date' | 'bigint';
}

// --- errors (never include the value: it may be a secret) ---------------------------------

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  if (Array.isArray(v)) return 'Array';
  const ctor: unknown = Object.getPrototypeOf(v)?.constructor;
  const name = typeof ctor === 'function' ? ctor.name : '';
  return /^[A-Za-z_$][\w$]{0,63}$/.test(name) ? name : 'object';
}

function wrongType(cql: string, v: unknown): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.ENCODE, `cannot encode a JS ${describe(v)} as CQL ${cql}`);
}

function badValue(cql: string, v: unknown, why: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.ENCODE, `cannot encode this JS ${describe(v)} as CQL ${cql}: ${why}`);
}

function badLength(cql: string, expected: number, got: number): ProtocolError {
  return malformed(`CQL ${cql} value must be ${expected} bytes, got ${got}`);
}

function tooDeepForCodec(): ProtocolError {
  return malformed(`type nesting deeper than ${MAX_TYPE_DEPTH}`);
}

// --- decoders -------------------------------------------------------------------------------

// V8's maximum string length (2^29 - 24 on 64-bit); longer text cannot become a JS string.
const MAX_STRING_BYTES = 2 ** 29 - 24;
const MS_PER_2_32 = 4294967296;
const DATE_EPOCH_OFFSET = 2147483648;
const NANOS_PER_DAY = 86_400_000_000_000n;

const decodeText: ValueDecoder = (buf, s, e) => {
  if (e - s > MAX_STRING_BYTES) throw new ProtocolError(ProtocolErrorCode.UNSUPPORTED, 'text value too long for a JS string');
  // Invalid UTF-8 becomes U+FFFD (Buffer#toString semantics); never throws.
  return buf.toString('utf8', s, e);
};

// Copied: a view would pin the whole frame buffer in memory for as long as the value lives.
// A copy (the frame's buffer is recycled), made with one allocation: Buffer.from(view) makes two.
const decodeBlob: ValueDecoder = (buf, s, e) => {
  const out = Buffer.allocUnsafe(e - s);
  buf.copy(out, 0, s, e);
  return out;
};

// A zero-length value of a non-string type is the legacy "empty" value (spec §6): null.
function empty(s: number, e: number, cql: string, size: number): null {
  if (s === e) return null;
  throw badLength(cql, size, e - s);
}

const decodeBoolean: ValueDecoder = (buf, s, e) => (e - s === 1 ? buf[s] !== 0 : empty(s, e, 'boolean', 1));
const decodeTinyint: ValueDecoder = (buf, s, e) => (e - s === 1 ? buf.readInt8(s) : empty(s, e, 'tinyint', 1));
const decodeSmallint: ValueDecoder = (buf, s, e) => (e - s === 2 ? buf.readInt16BE(s) : empty(s, e, 'smallint', 2));
const decodeInt: ValueDecoder = (buf, s, e) => (e - s === 4 ? buf.readInt32BE(s) : empty(s, e, 'int', 4));
const decodeFloat: ValueDecoder = (buf, s, e) => (e - s === 4 ? buf.readFloatBE(s) : empty(s, e, 'float', 4));
const decodeDouble: ValueDecoder = (buf, s, e) => (e - s === 8 ? buf.readDoubleBE(s) : empty(s, e, 'double', 8));
const decodeBigint: ValueDecoder = (buf, s, e) => (e - s === 8 ? buf.readBigInt64BE(s) : empty(s, e, 'bigint', 8));

function bigintFromBits(make: (low: number, high: number) => unknown): ValueDecoder {
  return (buf, s, e) => (e - s === 8 ? make(buf.readInt32BE(s + 4), buf.readInt32BE(s)) : empty(s, e, 'bigint', 8));
}

// A JS Date holds |ms| <= 8.64e15 (ECMA-262 time values): beyond that, well inside the 64-bit
// range a timestamp can be written with, this yields an Invalid Date. timestampAs: 'bigint'
// (decodeTimestampMillis) reads every value exactly.
const decodeTimestamp: ValueDecoder = (buf, s, e) =>
  e - s === 8 ? new Date(buf.readInt32BE(s) * MS_PER_2_32 + buf.readUInt32BE(s + 4)) : empty(s, e, 'timestamp', 8);

const decodeTimestampMillis: ValueDecoder = (buf, s, e) => (e - s === 8 ? buf.readBigInt64BE(s) : empty(s, e, 'timestamp', 8));

const decodeDate: ValueDecoder = (buf, s, e) =>
  e - s === 4 ? new LocalDate(buf.readUInt32BE(s) - DATE_EPOCH_OFFSET) : empty(s, e, 'date', 4);

const decodeTime: ValueDecoder = (buf, s, e) => {
  if (e - s !== 8) return empty(s, e, 'time', 8);
  const nanos = buf.readBigInt64BE(s);
  if (nanos < 0n || nanos >= NANOS_PER_DAY) throw malformed('CQL time value out of range [0, 86399999999999]');
  return new LocalTime(nanos);
};

const decodeUuid: ValueDecoder = (buf, s, e) => (e - s === 16 ? formatUuid(buf, s) : empty(s, e, 'uuid', 16));

const decodeInet: ValueDecoder = (buf, s, e) => {
  const n = e - s;
  if (n === 4 || n === 16) return formatIp(buf.subarray(s, e));
  if (n === 0) return null;
  throw malformed(`CQL inet value must be 4 or 16 bytes, got ${n}`);
};

const decodeVarint: ValueDecoder = (buf, s, e) => (s === e ? null : readVarint(buf, s, e));

const decodeDecimal: ValueDecoder = (buf, s, e) => {
  if (s === e) return null;
  if (e - s < 5) throw malformed(`CQL decimal value must be at least 5 bytes, got ${e - s}`);
  return new BigDecimal(readVarint(buf, s + 4, e), buf.readInt32BE(s));
};

const INT32_MIN_N = -(2n ** 31n);
const INT32_MAX_N = 2n ** 31n - 1n;

const decodeDuration: ValueDecoder = (buf, s, e) => {
  if (s === e) return null;
  const r = new Reader(buf, s, e);
  const months = r.vint();
  const days = r.vint();
  const nanos = BigInt.asIntN(64, r.vint());
  if (r.remaining !== 0) throw malformed('trailing bytes after CQL duration');
  if (months < INT32_MIN_N || months > INT32_MAX_N || days < INT32_MIN_N || days > INT32_MAX_N) {
    throw malformed('CQL duration months/days out of 32-bit range');
  }
  const neg = months < 0n || days < 0n || nanos < 0n;
  const pos = months > 0n || days > 0n || nanos > 0n;
  if (neg && pos) throw malformed('CQL duration components have mixed signs');
  return new Duration(Number(months), Number(days), nanos);
};

function decodeList(element: ValueDecoder, cql: string): ValueDecoder {
  return (buf, s, e) => {
    if (s === e) return null;
    if (e - s < 4) throw truncated(`${cql} count`);
    const n = buf.readInt32BE(s);
    // Every element takes at least its 4-byte length: bound the count before allocating.
    if (n < 0 || n > (e - s - 4) / 4) throw malformed(`${cql} count ${n} does not fit in ${e - s} bytes`);
    const out: unknown[] = [];
    let p = s + 4;
    for (let i = 0; i < n; i++) {
      if (e - p < 4) throw truncated(`${cql} element`);
      const len = buf.readInt32BE(p);
      p += 4;
      if (len < 0) {
        out.push(null);
        continue;
      }
      if (len > e - p) throw truncated(`${cql} element`);
      out.push(element(buf, p, p + len));
      p += len;
    }
    if (p !== e) throw malformed(`trailing bytes after ${cql} elements`);
    return out;
  };
}

function decodeMap(key: ValueDecoder, value: ValueDecoder, cql: string): ValueDecoder {
  return (buf, s, e) => {
    if (s === e) return null;
    if (e - s < 4) throw truncated(`${cql} count`);
    const n = buf.readInt32BE(s);
    if (n < 0 || n > (e - s - 4) / 8) throw malformed(`${cql} count ${n} does not fit in ${e - s} bytes`);
    const out = new Map<unknown, unknown>();
    let p = s + 4;
    for (let i = 0; i < n; i++) {
      if (e - p < 4) throw truncated(`${cql} key`);
      let len = buf.readInt32BE(p);
      p += 4;
      let k: unknown = null;
      if (len >= 0) {
        if (len > e - p) throw truncated(`${cql} key`);
        k = key(buf, p, p + len);
        p += len;
      }
      if (e - p < 4) throw truncated(`${cql} value`);
      len = buf.readInt32BE(p);
      p += 4;
      let v: unknown = null;
      if (len >= 0) {
        if (len > e - p) throw truncated(`${cql} value`);
        v = value(buf, p, p + len);
        p += len;
      }
      out.set(k, v);
    }
    if (p !== e) throw malformed(`trailing bytes after ${cql} entries`);
    return out;
  };
}

/** Reads up to `elements.length` [bytes] into `out`; missing trailing items are null (spec §7). */
function decodeTuple(elements: readonly ValueDecoder[], cql: string): ValueDecoder {
  const n = elements.length;
  return (buf, s, e) => {
    if (s === e) return null;
    const out: unknown[] = [];
    let p = s;
    for (let i = 0; i < n; i++) {
      if (p === e) {
        out.push(null);
        continue;
      }
      if (e - p < 4) throw truncated(`${cql} item`);
      const len = buf.readInt32BE(p);
      p += 4;
      if (len < 0) {
        out.push(null);
        continue;
      }
      if (len > e - p) throw truncated(`${cql} item`);
      out.push(elements[i]!(buf, p, p + len));
      p += len;
    }
    if (p !== e) throw malformed(`trailing bytes after ${cql} items`);
    return out;
  };
}

/** Field names that must not be assigned with `obj[name] = v` (`__proto__` would set the prototype). */
function needsDefine(name: string): boolean {
  return name in Object.prototype;
}

function decodeUdt(fields: readonly UdtField[], decoders: readonly ValueDecoder[], cql: string): ValueDecoder {
  const n = fields.length;
  const names = fields.map((f) => f.name);
  const define = names.map(needsDefine);
  return (buf, s, e) => {
    if (s === e) return null;
    const out: Record<string, unknown> = {};
    let p = s;
    for (let i = 0; i < n; i++) {
      let v: unknown = null;
      if (p < e) {
        if (e - p < 4) throw truncated(`${cql} field`);
        const len = buf.readInt32BE(p);
        p += 4;
        if (len >= 0) {
          if (len > e - p) throw truncated(`${cql} field`);
          v = decoders[i]!(buf, p, p + len);
          p += len;
        }
      }
      if (define[i]) Object.defineProperty(out, names[i]!, { value: v, writable: true, enumerable: true, configurable: true });
      else out[names[i]!] = v;
    }
    if (p !== e) throw malformed(`trailing bytes after ${cql} fields`);
    return out;
  };
}

/**
 * Serialized size of a value of `t` when every value has the same size, else -1. Vector
 * elements of such types are packed without length (Cassandra 5.0 `valueLengthIfFixed`).
 */
export function fixedValueSize(t: DataType): number {
  switch (t.kind) {
    case 'boolean':
      return 1;
    case 'int':
    case 'float':
      return 4;
    case 'bigint':
    case 'double':
    case 'timestamp':
      return 8;
    case 'uuid':
    case 'timeuuid':
      return 16;
    case 'vector': {
      const inner = fixedValueSize(t.element);
      return inner < 0 ? -1 : inner * t.dimension;
    }
    default:
      return -1;
  }
}

function decodeVector(t: Extract<DataType, { kind: 'vector' }>, element: ValueDecoder, cql: string): ValueDecoder {
  const dim = t.dimension;
  const size = fixedValueSize(t.element);
  if (size >= 0) {
    const total = size * dim;
    if (t.element.kind === 'float') {
      return (buf, s, e) => {
        if (e - s !== total) return empty(s, e, cql, total);
        const out = new Float32Array(dim);
        for (let i = 0, p = s; i < dim; i++, p += 4) out[i] = buf.readFloatBE(p);
        return out;
      };
    }
    if (t.element.kind === 'double') {
      return (buf, s, e) => {
        if (e - s !== total) return empty(s, e, cql, total);
        const out = new Float64Array(dim);
        for (let i = 0, p = s; i < dim; i++, p += 8) out[i] = buf.readDoubleBE(p);
        return out;
      };
    }
    return (buf, s, e) => {
      if (e - s !== total) return empty(s, e, cql, total);
      const out: unknown[] = [];
      for (let i = 0, p = s; i < dim; i++, p += size) out.push(element(buf, p, p + size));
      return out;
    };
  }
  return (buf, s, e) => {
    if (s === e) return null;
    // Each element takes at least one length byte.
    if (dim > e - s) throw malformed(`${cql} value of ${e - s} bytes cannot hold ${dim} elements`);
    const out: unknown[] = [];
    let p = s;
    for (let i = 0; i < dim; i++) {
      const len = readUnsignedVintLength(buf, p, e);
      p = vintEnd;
      if (len > e - p) throw truncated(`${cql} element`);
      out.push(element(buf, p, p + len));
      p += len;
    }
    if (p !== e) throw malformed(`trailing bytes after ${cql} elements`);
    return out;
  };
}

function buildDecoder(t: DataType, opts: DecodeOptions | undefined, depth: number): ValueDecoder {
  if (depth > MAX_TYPE_DEPTH) throw tooDeepForCodec();
  const sub = (x: DataType): ValueDecoder => decoderFor(x, opts, depth + 1);
  switch (t.kind) {
    case 'ascii':
    case 'text':
      return decodeText;
    case 'blob':
    case 'custom':
      return decodeBlob;
    case 'boolean':
      return decodeBoolean;
    case 'tinyint':
      return decodeTinyint;
    case 'smallint':
      return decodeSmallint;
    case 'int':
      return decodeInt;
    case 'float':
      return decodeFloat;
    case 'double':
      return decodeDouble;
    case 'bigint':
    case 'counter':
      return opts?.int64FromBits ? bigintFromBits(opts.int64FromBits) : decodeBigint;
    case 'timestamp':
      return opts?.timestampAs === 'bigint' ? decodeTimestampMillis : decodeTimestamp;
    case 'date':
      return decodeDate;
    case 'time':
      return decodeTime;
    case 'uuid':
    case 'timeuuid':
      return decodeUuid;
    case 'inet':
      return decodeInet;
    case 'varint':
      return decodeVarint;
    case 'decimal':
      return decodeDecimal;
    case 'duration':
      return decodeDuration;
    case 'list':
    case 'set':
      return decodeList(sub(t.element), t.kind);
    case 'map':
      return decodeMap(sub(t.key), sub(t.value), 'map');
    case 'tuple':
      return decodeTuple(t.elements.map(sub), 'tuple');
    case 'udt':
      return decodeUdt(t.fields, t.fields.map((f) => sub(f.type)), `udt ${t.keyspace}.${t.name}`);
    case 'vector':
      return decodeVector(t, sub(t.element), 'vector');
    default: {
      const unknownKind: unknown = (t as { kind: unknown }).kind;
      throw new ProtocolError(ProtocolErrorCode.UNSUPPORTED, `unknown data type kind ${String(unknownKind)}`);
    }
  }
}

// --- caches -----------------------------------------------------------------------------------

/** Per-identity cache in front of a bounded structural one (fresh metadata objects, same types). */
class CodecCache<F> {
  private readonly byObject = new WeakMap<DataType, F>();
  private readonly byKey = new Map<string, F>();
  private static readonly MAX_KEYS = 1024;

  get(t: DataType, build: () => F): F {
    let f = this.byObject.get(t);
    if (f !== undefined) return f;
    let key: string | null = null;
    try {
      key = toMarshalType(t);
    } catch {
      key = null; // too deep: build() reports it
    }
    f = key === null ? undefined : this.byKey.get(key);
    if (f === undefined) {
      f = build();
      if (key !== null) {
        if (this.byKey.size >= CodecCache.MAX_KEYS) this.byKey.clear();
        this.byKey.set(key, f);
      }
    }
    this.byObject.set(t, f);
    return f;
  }
}

const defaultDecoders = new CodecCache<ValueDecoder>();
const decodersByOptions = new WeakMap<DecodeOptions, CodecCache<ValueDecoder>>();

function decoderFor(t: DataType, opts: DecodeOptions | undefined, depth: number): ValueDecoder {
  let cache = defaultDecoders;
  // Options that change no decoder share the default cache.
  if (opts !== undefined && (opts.int64FromBits !== undefined || opts.timestampAs === 'bigint')) {
    let c = decodersByOptions.get(opts);
    if (c === undefined) {
      c = new CodecCache<ValueDecoder>();
      decodersByOptions.set(opts, c);
    }
    cache = c;
  }
  return cache.get(t, () => buildDecoder(t, opts, depth));
}

/**
 * A decoder specialised for `t` (cached per DataType object and per `opts` object). The
 * decoder turns the bytes of one non-null value into its JS value; see README-mapping.md.
 */
export function compileDecoder(t: DataType, opts?: DecodeOptions): ValueDecoder {
  return decoderFor(t, opts, 0);
}

/** Decode one value; `null` bytes (a null [value]) decode as `null`. */
export function decodeValue(t: DataType, bytes: Buffer | null, opts?: DecodeOptions): unknown {
  if (bytes === null) return null;
  return decoderFor(t, opts, 0)(bytes, 0, bytes.length);
}

// --- encoders --------------------------------------------------------------------------------

/** Writes the bytes of one non-null value, without length. */
type BodyWriter = (w: Writer, v: unknown) => void;

interface CompiledEncoder {
  readonly body: BodyWriter;
  /** Serialized size if constant, else -1. */
  readonly fixed: number;
  /** CQL type text, for error messages. */
  readonly cql: string;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^[+-]?\d+$/;

interface LongLike {
  readonly low: number;
  readonly high: number;
}

function isLongLike(v: object): v is LongLike {
  const o = v as Partial<LongLike>;
  return typeof o.low === 'number' && typeof o.high === 'number';
}

/** The int64 value of a bigint / safe-integer number / integer text / Long-like, or throws. */
function toInt64(cql: string, v: unknown): bigint {
  let n: bigint;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw badValue(cql, v, 'not a safe integer (pass a bigint)');
    return BigInt(v);
  } else if (typeof v === 'string') {
    if (!INTEGER_TEXT.test(v)) throw badValue(cql, v, 'not integer text');
    n = BigInt(v);
  } else if (typeof v === 'object' && v !== null && isLongLike(v)) {
    return (BigInt(v.high | 0) << 32n) | BigInt(v.low >>> 0);
  } else throw wrongType(cql, v);
  if (n < INT64_MIN || n > INT64_MAX) throw badValue(cql, v, 'out of 64-bit range');
  return n;
}

function writeInt64(w: Writer, n: bigint): void {
  w.ensure(8);
  w.buf.writeBigInt64BE(n, w.offset);
  w.offset += 8;
}

function int64Body(cql: string): BodyWriter {
  return (w, v) => {
    if (typeof v === 'number' && Number.isSafeInteger(v)) {
      // Fast path without a BigInt: high word (signed) and low word (unsigned).
      const high = Math.floor(v / MS_PER_2_32);
      w.ensure(8);
      w.buf.writeInt32BE(high, w.offset);
      w.buf.writeUInt32BE(v - high * MS_PER_2_32, w.offset + 4);
      w.offset += 8;
      return;
    }
    writeInt64(w, toInt64(cql, v));
  };
}

function smallIntBody(cql: string, bytes: 1 | 2 | 4, min: number, max: number): BodyWriter {
  return (w, v) => {
    let n: number;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'bigint') {
      if (v < BigInt(min) || v > BigInt(max)) throw badValue(cql, v, `out of ${bytes * 8}-bit signed range`);
      n = Number(v);
    } else throw wrongType(cql, v);
    if (!Number.isInteger(n)) throw badValue(cql, v, 'not an integer');
    if (n < min || n > max) throw badValue(cql, v, `out of ${bytes * 8}-bit signed range`);
    w.ensure(bytes);
    if (bytes === 4) w.buf.writeInt32BE(n, w.offset);
    else if (bytes === 2) w.buf.writeInt16BE(n, w.offset);
    else w.buf.writeInt8(n, w.offset);
    w.offset += bytes;
  };
}

const textBody: BodyWriter = (w, v) => {
  if (typeof v !== 'string') throw wrongType('text', v);
  // Lone surrogates are written as U+FFFD (Buffer#write semantics).
  w.ensure(v.length * 3);
  w.offset += w.buf.write(v, w.offset, 'utf8');
};

const asciiBody: BodyWriter = (w, v) => {
  if (typeof v !== 'string') throw wrongType('ascii', v);
  for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) > 0x7f) throw badValue('ascii', v, 'non-ASCII character');
  w.ensure(v.length);
  w.offset += w.buf.write(v, w.offset, 'latin1');
};

function bytesOf(cql: string, v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  throw wrongType(cql, v);
}

const blobBody = (cql: string): BodyWriter => (w, v) => {
  w.raw(bytesOf(cql, v));
};

const booleanBody: BodyWriter = (w, v) => {
  if (typeof v !== 'boolean') throw wrongType('boolean', v);
  w.ensure(1);
  w.buf[w.offset++] = v ? 1 : 0;
};

const floatBody: BodyWriter = (w, v) => {
  if (typeof v !== 'number') throw wrongType('float', v);
  if (Number.isFinite(v) && !Number.isFinite(Math.fround(v))) throw badValue('float', v, 'out of 32-bit float range');
  w.ensure(4);
  w.buf.writeFloatBE(v, w.offset);
  w.offset += 4;
};

const doubleBody: BodyWriter = (w, v) => {
  if (typeof v !== 'number') throw wrongType('double', v);
  w.ensure(8);
  w.buf.writeDoubleBE(v, w.offset);
  w.offset += 8;
};

const timestampBody: BodyWriter = (w, v) => {
  let ms: number | bigint;
  if (v instanceof Date) {
    ms = v.getTime();
    if (Number.isNaN(ms)) throw badValue('timestamp', v, 'invalid Date');
  } else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw badValue('timestamp', v, 'milliseconds must be a safe integer');
    ms = v;
  } else if (typeof v === 'bigint' || (typeof v === 'object' && v !== null && isLongLike(v))) {
    ms = toInt64('timestamp', v);
  } else throw wrongType('timestamp', v);
  if (typeof ms === 'bigint') return writeInt64(w, ms);
  const high = Math.floor(ms / MS_PER_2_32);
  w.ensure(8);
  w.buf.writeInt32BE(high, w.offset);
  w.buf.writeUInt32BE(ms - high * MS_PER_2_32, w.offset + 4);
  w.offset += 8;
};

function toLocalDate(v: unknown): LocalDate {
  if (v instanceof LocalDate) return v;
  if (typeof v === 'string') return LocalDate.fromString(v);
  if (v instanceof Date) return LocalDate.fromDate(v);
  throw wrongType('date', v);
}

const dateBody: BodyWriter = (w, v) => {
  const d = toLocalDate(v);
  w.ensure(4);
  w.buf.writeUInt32BE(d.days + DATE_EPOCH_OFFSET, w.offset);
  w.offset += 4;
};

const timeBody: BodyWriter = (w, v) => {
  let nanos: bigint;
  if (v instanceof LocalTime) nanos = v.nanoseconds;
  else if (typeof v === 'string') nanos = LocalTime.fromString(v).nanoseconds;
  else if (typeof v === 'bigint') nanos = v;
  else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw badValue('time', v, 'nanoseconds must be a safe integer');
    nanos = BigInt(v);
  } else throw wrongType('time', v);
  if (nanos < 0n || nanos >= NANOS_PER_DAY) throw badValue('time', v, 'out of range [0, 86399999999999] ns');
  writeInt64(w, nanos);
};

function toVarint(cql: string, v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw badValue(cql, v, 'not a safe integer (pass a bigint or text)');
    return BigInt(v);
  }
  if (typeof v === 'string') {
    if (!INTEGER_TEXT.test(v)) throw badValue(cql, v, 'not integer text');
    return BigInt(v);
  }
  if (typeof v === 'object' && v !== null && isLongLike(v)) return toInt64(cql, v);
  throw wrongType(cql, v);
}

const varintBody: BodyWriter = (w, v) => writeVarint(w, toVarint('varint', v));

function isDecimalLike(v: object): v is { unscaled: bigint; scale: number } {
  const o = v as { unscaled?: unknown; scale?: unknown };
  return typeof o.unscaled === 'bigint' && typeof o.scale === 'number';
}

const decimalBody: BodyWriter = (w, v) => {
  let d: BigDecimal;
  if (v instanceof BigDecimal) d = v;
  else if (typeof v === 'string') d = BigDecimal.fromString(v);
  else if (typeof v === 'number') d = BigDecimal.fromNumber(v);
  else if (typeof v === 'bigint') d = new BigDecimal(v, 0);
  else if (typeof v === 'object' && v !== null && isDecimalLike(v)) d = new BigDecimal(v.unscaled, v.scale);
  else throw wrongType('decimal', v);
  w.int(d.scale);
  writeVarint(w, d.unscaled);
};

const durationBody: BodyWriter = (w, v) => {
  let d: Duration;
  if (v instanceof Duration) d = v;
  else if (typeof v === 'string') d = Duration.fromString(v);
  else throw wrongType('duration', v);
  w.vint(d.months).vint(d.days).vint(d.nanoseconds);
};

const uuidBody = (cql: string): BodyWriter => (w, v) => {
  if (typeof v === 'string') {
    w.ensure(16);
    if (!parseUuidInto(v, w.buf, w.offset)) throw badValue(cql, v, 'not 8-4-4-4-12 hex UUID text');
    w.offset += 16;
    return;
  }
  if (v instanceof Uint8Array) {
    if (v.length !== 16) throw badValue(cql, v, 'must be 16 bytes');
    w.raw(v);
    return;
  }
  throw wrongType(cql, v);
};

const inetBody: BodyWriter = (w, v) => {
  if (typeof v === 'string') {
    let bytes: Buffer;
    try {
      bytes = parseIp(v);
    } catch {
      throw badValue('inet', v, 'not an IPv4 or IPv6 address');
    }
    w.raw(bytes);
    return;
  }
  if (v instanceof Uint8Array) {
    if (v.length !== 4 && v.length !== 16) throw badValue('inet', v, 'must be 4 or 16 bytes');
    w.raw(v);
    return;
  }
  throw wrongType('inet', v);
};

/** An element of a collection: [bytes], never null or unset. */
function collectionElement(c: CompiledEncoder, container: string): BodyWriter {
  const { body, fixed } = c;
  return (w, v) => {
    if (v === null || v === undefined || v === UNSET) {
      throw new ProtocolError(ProtocolErrorCode.ENCODE, `${container} cannot contain null or unset elements`);
    }
    writeSized(w, v, body, fixed);
  };
}

/** An item of a tuple / field of a UDT: [bytes], null allowed, unset not. */
function nullableItem(c: CompiledEncoder, container: string): BodyWriter {
  const { body, fixed } = c;
  return (w, v) => {
    if (v === null || v === undefined) {
      w.int(-1);
      return;
    }
    if (v === UNSET) throw new ProtocolError(ProtocolErrorCode.ENCODE, `${container} cannot contain unset items`);
    writeSized(w, v, body, fixed);
  };
}

function writeSized(w: Writer, v: unknown, body: BodyWriter, fixed: number): void {
  if (fixed >= 0) {
    w.int(fixed);
    body(w, v);
    return;
  }
  const at = w.reserveInt();
  body(w, v);
  w.patchInt(at, w.offset - at - 4);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Elements of an Array, or of any other non-string iterable (Set, typed array...). */
function elementsOf(cql: string, v: unknown): readonly unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'object' && v !== null && Symbol.iterator in v && !(v instanceof Map)) {
    return Array.from(v as Iterable<unknown>);
  }
  throw wrongType(cql, v);
}

function listBody(element: CompiledEncoder, cql: string): BodyWriter {
  const item = collectionElement(element, cql);
  return (w, v) => {
    const items = elementsOf(cql, v);
    w.int(items.length);
    for (let i = 0; i < items.length; i++) item(w, items[i]);
  };
}

function mapBody(key: CompiledEncoder, value: CompiledEncoder, cql: string): BodyWriter {
  const k = collectionElement(key, cql);
  const val = collectionElement(value, cql);
  return (w, v) => {
    if (v instanceof Map) {
      w.int(v.size);
      for (const [mk, mv] of v) {
        k(w, mk);
        val(w, mv);
      }
      return;
    }
    if (!isPlainObject(v)) throw wrongType(cql, v);
    const keys = Object.keys(v);
    w.int(keys.length);
    for (const mk of keys) {
      k(w, mk);
      val(w, v[mk]);
    }
  };
}

function tupleBody(elements: readonly CompiledEncoder[], cql: string): BodyWriter {
  const items = elements.map((e) => nullableItem(e, cql));
  const n = items.length;
  return (w, v) => {
    if (!Array.isArray(v)) throw wrongType(cql, v);
    if (v.length !== n) throw badValue(cql, v, `expected ${n} items, got ${v.length}`);
    for (let i = 0; i < n; i++) items[i]!(w, v[i]);
  };
}

function udtBody(fields: readonly UdtField[], encoders: readonly CompiledEncoder[], cql: string): BodyWriter {
  const items = encoders.map((e) => nullableItem(e, cql));
  const names = fields.map((f) => f.name);
  const own = names.map(needsDefine);
  const known = new Set(names);
  const n = names.length;
  return (w, v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw wrongType(cql, v);
    const obj = v as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      if (!known.has(key)) throw badValue(cql, v, 'object has a property that is not a field of the type');
    }
    for (let i = 0; i < n; i++) {
      const name = names[i]!;
      // Names like __proto__ / constructor: only an own property counts, never the prototype's.
      items[i]!(w, own[i] && !Object.hasOwn(obj, name) ? undefined : obj[name]);
    }
  };
}

interface ArrayLikeValue {
  readonly length: number;
  readonly [i: number]: unknown;
}

function arrayLike(cql: string, v: unknown): ArrayLikeValue {
  if (typeof v === 'object' && v !== null && typeof (v as { length?: unknown }).length === 'number') {
    return v as ArrayLikeValue;
  }
  throw wrongType(cql, v);
}

function vectorBody(t: Extract<DataType, { kind: 'vector' }>, element: CompiledEncoder, cql: string): BodyWriter {
  const dim = t.dimension;
  const { body, fixed } = element;
  const check = (v: unknown): ArrayLikeValue => {
    const items = arrayLike(cql, v);
    if (items.length !== dim) throw badValue(cql, v, `expected ${dim} elements, got ${items.length}`);
    return items;
  };
  const nullElement = (): ProtocolError => new ProtocolError(ProtocolErrorCode.ENCODE, `${cql} cannot contain null elements`);
  if (t.element.kind === 'float') {
    return (w, v) => {
      const items = check(v);
      w.ensure(4 * dim);
      if (v instanceof Float32Array) {
        for (let i = 0; i < dim; i++, w.offset += 4) w.buf.writeFloatBE(v[i]!, w.offset);
        return;
      }
      for (let i = 0; i < dim; i++) {
        const x = items[i];
        if (x === null || x === undefined) throw nullElement();
        body(w, x);
      }
    };
  }
  if (fixed >= 0) {
    return (w, v) => {
      const items = check(v);
      w.ensure(fixed * dim);
      for (let i = 0; i < dim; i++) {
        const x = items[i];
        if (x === null || x === undefined) throw nullElement();
        body(w, x);
      }
    };
  }
  return (w, v) => {
    const items = check(v);
    for (let i = 0; i < dim; i++) {
      const x = items[i];
      if (x === null || x === undefined || x === UNSET) throw nullElement();
      // Write the body after a one-byte length slot, then widen the slot if the length needs it.
      w.ensure(1);
      const at = w.offset;
      w.offset += 1;
      body(w, x);
      const len = w.offset - at - 1;
      if (len < 0x80) {
        w.buf[at] = len;
        continue;
      }
      const size = unsignedVintSize(len);
      w.ensure(size - 1);
      w.buf.copyWithin(at + size, at + 1, w.offset);
      w.offset += size - 1;
      writeUnsignedVintAt(w.buf, at, len, size);
    }
  };
}

function buildEncoder(t: DataType, depth: number): CompiledEncoder {
  if (depth > MAX_TYPE_DEPTH) throw new ProtocolError(ProtocolErrorCode.ENCODE, `type nesting deeper than ${MAX_TYPE_DEPTH}`);
  const sub = (x: DataType): CompiledEncoder => encoderFor(x, depth + 1);
  const fixed = fixedValueSize(t);
  const cql = formatCqlType(t);
  const make = (body: BodyWriter): CompiledEncoder => ({ body, fixed, cql });
  switch (t.kind) {
    case 'ascii':
      return make(asciiBody);
    case 'text':
      return make(textBody);
    case 'blob':
      return make(blobBody('blob'));
    case 'custom':
      return make(blobBody(cql));
    case 'boolean':
      return make(booleanBody);
    case 'tinyint':
      return make(smallIntBody('tinyint', 1, -128, 127));
    case 'smallint':
      return make(smallIntBody('smallint', 2, -32768, 32767));
    case 'int':
      return make(smallIntBody('int', 4, -2147483648, 2147483647));
    case 'float':
      return make(floatBody);
    case 'double':
      return make(doubleBody);
    case 'bigint':
    case 'counter':
      return make(int64Body(t.kind));
    case 'timestamp':
      return make(timestampBody);
    case 'date':
      return make(dateBody);
    case 'time':
      return make(timeBody);
    case 'uuid':
    case 'timeuuid':
      return make(uuidBody(t.kind));
    case 'inet':
      return make(inetBody);
    case 'varint':
      return make(varintBody);
    case 'decimal':
      return make(decimalBody);
    case 'duration':
      return make(durationBody);
    case 'list':
    case 'set':
      return make(listBody(sub(t.element), cql));
    case 'map':
      return make(mapBody(sub(t.key), sub(t.value), cql));
    case 'tuple':
      return make(tupleBody(t.elements.map(sub), cql));
    case 'udt':
      return make(udtBody(t.fields, t.fields.map((f) => sub(f.type)), cql));
    case 'vector':
      return make(vectorBody(t, sub(t.element), cql));
    default: {
      const unknownKind: unknown = (t as { kind: unknown }).kind;
      throw new ProtocolError(ProtocolErrorCode.UNSUPPORTED, `unknown data type kind ${String(unknownKind)}`);
    }
  }
}

const compiledEncoders = new CodecCache<CompiledEncoder>();
const valueEncoders = new WeakMap<CompiledEncoder, ValueEncoder>();

function encoderFor(t: DataType, depth: number): CompiledEncoder {
  return compiledEncoders.get(t, () => buildEncoder(t, depth));
}

/**
 * An encoder specialised for `t` (cached per DataType object) that writes a bound value as
 * [value]: null/undefined → -1, {@link UNSET} → -2, anything else → length + bytes.
 * See README-mapping.md for the JS values accepted per CQL type.
 */
export function compileEncoder(t: DataType): ValueEncoder {
  const c = encoderFor(t, 0);
  let enc = valueEncoders.get(c);
  if (enc === undefined) {
    const { body, fixed } = c;
    enc = (w, v) => {
      if (v === null || v === undefined) {
        w.int(-1);
        return;
      }
      if (v === UNSET) {
        w.int(-2);
        return;
      }
      writeSized(w, v, body, fixed);
    };
    valueEncoders.set(c, enc);
  }
  return enc;
}

/**
 * Encode one value to its bytes (without the [value] length): `null` for null/undefined,
 * {@link UNSET} for UNSET. Convenience over {@link compileEncoder}; the hot path should write
 * into a shared Writer instead.
 */
export function encodeValue(t: DataType, value: unknown): Buffer | null | Unset {
  if (value === null || value === undefined) return null;
  if (value === UNSET) return UNSET;
  const w = new Writer(64);
  compileEncoder(t)(w, value);
  return w.buf.subarray(4, w.offset);
}
