import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { DecodeOptions } from '../../protocol/index.js';
import { InvalidArgumentError } from '../errors/driver-errors.js';

// The client options that change how values are read (`int64`, `timestampAs`), turned once at
// connect into the codec's DecodeOptions. Kept apart from options.ts so that the `long` peer is
// loaded in one place, and its absence can be tested with a stand-in require.

/** What cqlwire uses of the `long` package's `Long` class. */
interface LongClass {
  fromBits(low: number, high: number, unsigned?: boolean): unknown;
}

/** The `int64` client option (see ClientOptions.int64). */
type Int64Option = 'bigint' | 'long' | ((low: number, high: number) => unknown);

let longFromBits: ((low: number, high: number) => unknown) | undefined;

/**
 * `Long.fromBits` (signed) from the optional peer dependency `long`, loaded on first use.
 * Throws InvalidArgumentError naming `int64` when it is not installed or cannot load.
 */
export function loadLong(): (low: number, high: number) => unknown {
  return (longFromBits ??= longFromBitsOf(requireLong));
}

/**
 * The `long` module, loaded synchronously (connect builds the decode options without awaiting).
 * Its ES-module build first: the one `import Long from 'long'` gives an ES-module application,
 * so `instanceof Long` holds there (require(esm), Node >= 20.19, loads the same instance). Its
 * CommonJS build where that cannot resolve (e.g. a bundle without import.meta.resolve).
 */
function requireLong(id: string): unknown {
  const require = createRequire(import.meta.url);
  let url: string | undefined;
  try {
    url = import.meta.resolve(id);
  } catch {
    url = undefined;
  }
  if (url !== undefined && url.startsWith('file:')) {
    try {
      return require(fileURLToPath(url));
    } catch {
      // Fall through: the CommonJS build, or the error that says why `long` cannot load.
    }
  }
  return require(id);
}

/**
 * `Long.fromBits` (signed) of the `long` module that `load` resolves, as `require` would
 * (tests pass a stand-in). Throws InvalidArgumentError naming `int64` when it cannot.
 */
export function longFromBitsOf(load: (id: string) => unknown): (low: number, high: number) => unknown {
  let Long: LongClass;
  try {
    // The CommonJS build of long 5 exports the class itself; an ES-module interop may wrap it.
    const mod = load('long') as (Partial<LongClass> & { default?: Partial<LongClass> }) | null | undefined;
    const candidate = typeof mod?.fromBits === 'function' ? mod : mod?.default;
    if (candidate === undefined || typeof candidate.fromBits !== 'function') throw new TypeError('the module has no Long.fromBits');
    Long = candidate as LongClass;
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new InvalidArgumentError(`int64: 'long' needs the optional peer dependency \`long\` (npm install long), which could not be loaded: ${why}`, err);
  }
  return (low, high) => Long.fromBits(low, high, false);
}

/**
 * The codec's decode options for a client's `int64` and `timestampAs`, or undefined when both
 * are the defaults (the shared default decoders are used then). Call once per client: compiled
 * decoders are cached per options object.
 */
export function decodeOptionsOf(int64: Int64Option | undefined, timestampAs: 'date' | 'bigint' | undefined): DecodeOptions | undefined {
  const int64FromBits = int64 === undefined || int64 === 'bigint' ? undefined : int64 === 'long' ? loadLong() : int64;
  const bigintTimestamps = timestampAs === 'bigint';
  if (int64FromBits === undefined && !bigintTimestamps) return undefined;
  return {
    ...(int64FromBits !== undefined ? { int64FromBits } : {}),
    ...(bigintTimestamps ? { timestampAs: 'bigint' as const } : {}),
  };
}
