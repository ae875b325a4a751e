import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import type { DataType } from './datatype.js';
import { DataTypes } from './datatypes.js';
import { MAX_TYPE_DEPTH } from './option.js';
import { BigDecimal, Duration, LocalDate, LocalTime } from './values.js';

/**
 * Guess the CQL type of a JS value bound positionally to an unprepared (simple) statement,
 * where the server tells us no types. `null` means "send null" (value null or undefined).
 *
 * | JS value | guessed CQL type |
 * |---|---|
 * | string | text |
 * | number | int if a 32-bit integer (and not -0), else double |
 * | bigint, Long-like `{ low, high }` | bigint |
 * | boolean | boolean |
 * | Date | timestamp |
 * | Buffer / Uint8Array / ArrayBuffer | blob |
 * | LocalDate / LocalTime / BigDecimal / Duration | date / time / decimal / duration |
 * | Float32Array / Float64Array | vector<float, n> / vector<double, n> |
 * | Array | list of the first non-null element's type (empty: list<blob>, same bytes) |
 * | Set | set<...>, likewise |
 * | Map | map<k, v> from the first entry (empty: map<blob, blob>) |
 *
 * Anything else (plain objects, symbols, functions, other typed arrays) raises ProtocolError
 * ENCODE: prepare the statement so the server supplies the types. Strings are never guessed as
 * uuid or inet; for such columns pass the raw bytes (16 / 4 / 16 bytes as a Buffer) or prepare.
 */
export function guessDataType(value: unknown): DataType | null {
  return guess(value, 0);
}

function cannotGuess(what: string): ProtocolError {
  return new ProtocolError(
    ProtocolErrorCode.ENCODE,
    `cannot guess a CQL type for a JS ${what}; prepare the statement so the server supplies the types`,
  );
}

function firstNonNull(values: Iterable<unknown>): unknown {
  for (const v of values) if (v !== null && v !== undefined) return v;
  return undefined;
}

function guess(value: unknown, depth: number): DataType | null {
  if (depth > MAX_TYPE_DEPTH) throw new ProtocolError(ProtocolErrorCode.ENCODE, `value nested deeper than ${MAX_TYPE_DEPTH}`);
  switch (typeof value) {
    case 'undefined':
      return null;
    case 'string':
      return DataTypes.text;
    case 'number':
      return Number.isInteger(value) && value >= -2147483648 && value <= 2147483647 && !Object.is(value, -0)
        ? DataTypes.int
        : DataTypes.double;
    case 'bigint':
      return DataTypes.bigint;
    case 'boolean':
      return DataTypes.boolean;
    case 'object':
      break;
    default:
      throw cannotGuess(typeof value);
  }
  if (value === null) return null;
  if (value instanceof Date) return DataTypes.timestamp;
  if (value instanceof Float32Array) return DataTypes.vector(DataTypes.float, value.length);
  if (value instanceof Float64Array) return DataTypes.vector(DataTypes.double, value.length);
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return DataTypes.blob;
  if (value instanceof LocalDate) return DataTypes.date;
  if (value instanceof LocalTime) return DataTypes.time;
  if (value instanceof BigDecimal) return DataTypes.decimal;
  if (value instanceof Duration) return DataTypes.duration;
  const element = (first: unknown): DataType => guess(first, depth + 1) ?? DataTypes.blob;
  if (Array.isArray(value)) return DataTypes.list(element(firstNonNull(value)));
  if (value instanceof Set) return DataTypes.set(element(firstNonNull(value)));
  if (value instanceof Map) {
    const first = value.entries().next();
    if (first.done === true) return DataTypes.map(DataTypes.blob, DataTypes.blob);
    return DataTypes.map(element(first.value[0]), element(firstNonNull(value.values())));
  }
  const o = value as { low?: unknown; high?: unknown };
  if (typeof o.low === 'number' && typeof o.high === 'number') return DataTypes.bigint;
  const ctor: unknown = (Object.getPrototypeOf(value) as { constructor?: unknown } | null)?.constructor;
  const name = typeof ctor === 'function' && /^[A-Za-z_$][\w$]{0,63}$/.test(ctor.name) ? ctor.name : 'object';
  throw cannotGuess(name);
}
