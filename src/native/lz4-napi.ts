import { createRequire } from 'node:module';
import { createLz4NapiCompressor, type Compressor, type Lz4NapiModule } from '../../protocol/index.js';

let cached: Compressor | null | undefined;

/**
 * The native LZ4 codec from the optional peer dependency `lz4-napi`, when it is installed;
 * null otherwise (the pure-TypeScript codec is used then).
 */
export function loadLz4Napi(): Compressor | null {
  if (cached !== undefined) return cached;
  try {
    const require = createRequire(import.meta.url);
    cached = createLz4NapiCompressor(require('lz4-napi') as Lz4NapiModule);
  } catch {
    cached = null;
  }
  return cached;
}
