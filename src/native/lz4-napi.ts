import { createRequire } from 'node:module';
import { createLz4NapiCompressor, type Compressor, type Lz4NapiModule } from '../../protocol/index.js';

let cached: Compressor | null | undefined;
let failure: Error | undefined;

/**
 * The native LZ4 codec from the optional peer dependency `lz4-napi`, when it is installed;
 * null otherwise (the pure-TypeScript codec is used then).
 */
export function loadLz4Napi(): Compressor | null {
  if (cached !== undefined) return cached;
  try {
    const require = createRequire(import.meta.url);
    cached = createLz4NapiCompressor(require('lz4-napi') as Lz4NapiModule);
  } catch (err) {
    cached = null;
    // Kept for the log line that says which codec is in use (session/session.ts).
    failure = err instanceof Error ? err : new Error(String(err));
  }
  return cached;
}

/**
 * Why `lz4-napi` is not used, after {@link loadLz4Napi}: undefined when it loaded; an error
 * with code `MODULE_NOT_FOUND` when it is not installed; any other error when it is installed
 * but failed to load (e.g. a native binary for another platform).
 */
export function lz4NapiFailure(): Error | undefined {
  return failure;
}
