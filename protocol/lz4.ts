// LZ4 *block* format (lz4 doc/lz4_Block_format.md): what Cassandra's LZ4 compression sends,
// without the LZ4 frame format around it. Pure TypeScript, both directions.
import { ProtocolError, ProtocolErrorCode } from './errors.js';

const MIN_MATCH = 4;
/** The last 5 bytes of a block are always literals. */
const LAST_LITERALS = 5;
/** The last match must start at least 12 bytes before the end of the block. */
const MF_LIMIT = 12;
const MAX_OFFSET = 0xffff;
const HASH_LOG = 14;
/** After 2^SKIP_TRIGGER failed probes the search step grows: incompressible data goes fast. */
const SKIP_TRIGGER = 6;
/** A literal run or match length this long is copied natively rather than byte by byte. */
const NATIVE_COPY_MIN = 32;
/** Inputs up to 1 GiB; the hash table stores positions offset by a running base below 2^31. */
const MAX_INPUT_LENGTH = 0x40000000;

// One hash table for every call, never cleared per call: an entry is valid only if it is at
// least `hashBase`, which moves past every position of the previous input. Saves zeroing
// 64 KiB per (typically tiny) frame.
const hashTable = new Int32Array(1 << HASH_LOG);
let hashBase = 1;

function compressionError(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.COMPRESSION, `invalid LZ4 block: ${message}`);
}

/** The most bytes {@link lz4Compress} can produce for `length` input bytes (LZ4_compressBound). */
export function lz4CompressBound(length: number): number {
  return length + Math.floor(length / 255) + 16;
}

/**
 * The most bytes any valid LZ4 block of `compressedLength` bytes can decompress to. A length
 * header that claims more is a lie, rejected before anything is allocated.
 */
export function lz4MaxDecompressedLength(compressedLength: number): number {
  // Each length-extension byte (255) yields at most 255 output bytes; a sequence's token,
  // offset and short lengths yield at most 15 + 19.
  return compressedLength * 255 + 64;
}

function read32(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

function writeLength(dst: Uint8Array, op: number, rest: number): number {
  while (rest >= 255) {
    dst[op++] = 255;
    rest -= 255;
  }
  dst[op++] = rest;
  return op;
}

function copyLiterals(src: Uint8Array, from: number, to: number, dst: Uint8Array, op: number): void {
  if (to - from >= NATIVE_COPY_MIN) dst.set(src.subarray(from, to), op);
  else for (let i = from; i < to; i++) dst[op++] = src[i];
}

/**
 * Compresses `src` as one LZ4 block into `dst` at `dstOffset` (greedy hash-table search, like
 * the reference "fast" mode). `dst` must have {@link lz4CompressBound}(`src.length`) bytes free
 * from `dstOffset`.
 *
 * @returns the number of bytes written.
 */
export function lz4CompressInto(src: Uint8Array, dst: Uint8Array, dstOffset: number): number {
  const n = src.length;
  if (n > MAX_INPUT_LENGTH) throw new ProtocolError(ProtocolErrorCode.ENCODE, `LZ4 input of ${n} bytes is too large`);
  if (dst.length - dstOffset < lz4CompressBound(n) || dstOffset < 0) {
    throw new ProtocolError(ProtocolErrorCode.ENCODE, 'LZ4 output buffer is smaller than lz4CompressBound');
  }
  let op = dstOffset;
  let anchor = 0;

  if (n > MF_LIMIT) {
    if (hashBase > 0x7fffffff - n - 1) {
      hashTable.fill(0);
      hashBase = 1;
    }
    const base = hashBase;
    hashBase += n + 1;
    const table = hashTable;
    const shift = 32 - HASH_LOG;
    const ipLimit = n - MF_LIMIT; // a match starts before this
    const matchLimit = n - LAST_LITERALS; // and ends at or before this

    table[Math.imul(read32(src, 0), -1640531535) >>> shift] = base;
    let ip = 1;
    search: while (ip < ipLimit) {
      let ref = 0;
      let probes = 1 << SKIP_TRIGGER;
      for (;;) {
        const seq = read32(src, ip);
        const h = Math.imul(seq, -1640531535) >>> shift; // Knuth's 2654435761 as int32
        const entry = table[h];
        table[h] = base + ip;
        if (entry >= base) {
          ref = entry - base;
          if (ip - ref <= MAX_OFFSET && read32(src, ref) === seq) break;
        }
        ip += probes++ >>> SKIP_TRIGGER;
        if (ip >= ipLimit) break search;
      }
      while (ip > anchor && ref > 0 && src[ip - 1] === src[ref - 1]) {
        ip--;
        ref--;
      }
      let end = ip + MIN_MATCH;
      let r = ref + MIN_MATCH;
      while (end < matchLimit && src[end] === src[r]) {
        end++;
        r++;
      }

      const literals = ip - anchor;
      const tokenAt = op++;
      let token: number;
      if (literals >= 15) {
        token = 0xf0;
        op = writeLength(dst, op, literals - 15);
      } else {
        token = literals << 4;
      }
      copyLiterals(src, anchor, ip, dst, op);
      op += literals;
      const offset = ip - ref;
      dst[op++] = offset & 0xff;
      dst[op++] = offset >>> 8;
      const matchRest = end - ip - MIN_MATCH;
      if (matchRest >= 15) {
        token |= 15;
        op = writeLength(dst, op, matchRest - 15);
      } else {
        token |= matchRest;
      }
      dst[tokenAt] = token;

      ip = anchor = end;
      // Remember a position inside the match too: better ratio on repetitive data, nearly free.
      if (ip < ipLimit) table[Math.imul(read32(src, ip - 2), -1640531535) >>> shift] = base + ip - 2;
    }
  }

  const literals = n - anchor;
  if (literals >= 15) {
    dst[op++] = 0xf0;
    op = writeLength(dst, op, literals - 15);
  } else {
    dst[op++] = literals << 4;
  }
  copyLiterals(src, anchor, n, dst, op);
  op += literals;
  return op - dstOffset;
}

/**
 * Compresses `src` as one LZ4 block (no frame, no length prefix).
 *
 * @returns a new buffer holding exactly the block.
 */
export function lz4Compress(src: Uint8Array): Buffer {
  const bound = lz4CompressBound(src.length);
  const out = Buffer.allocUnsafe(bound);
  const written = lz4CompressInto(src, out, 0);
  // Keep a large, well-compressed result from pinning the whole worst-case allocation.
  if (bound > 4096 && written < bound >>> 1) return Buffer.from(out.subarray(0, written));
  return out.subarray(0, written);
}

/**
 * Decompresses the LZ4 block `src` into `dst[dstOffset, dstOffset + uncompressedLength)`,
 * which it must fill exactly. Every length and offset is bounds-checked: a hostile block
 * cannot read or write outside those ranges.
 *
 * @throws ProtocolError `COMPRESSION` if the block is malformed or does not decompress to
 *   exactly `uncompressedLength` bytes.
 */
export function lz4DecompressInto(src: Uint8Array, dst: Uint8Array, dstOffset: number, uncompressedLength: number): void {
  if (!Number.isSafeInteger(dstOffset) || dstOffset < 0 || !Number.isSafeInteger(uncompressedLength) || uncompressedLength < 0) {
    throw compressionError('bad output range');
  }
  const outEnd = dstOffset + uncompressedLength;
  if (outEnd > dst.length) throw compressionError('output buffer too small');
  const srcEnd = src.length;
  if (srcEnd === 0) {
    if (uncompressedLength === 0) return;
    throw compressionError('empty block');
  }
  let ip = 0;
  let op = dstOffset;
  for (;;) {
    if (ip >= srcEnd) throw compressionError('truncated sequence');
    const token = src[ip++];
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (ip >= srcEnd) throw compressionError('truncated literal length');
        b = src[ip++];
        literals += b;
      } while (b === 255);
    }
    if (literals > srcEnd - ip) throw compressionError('literals run past the input');
    if (literals > outEnd - op) throw compressionError('literals run past the declared length');
    copyLiterals(src, ip, ip + literals, dst, op);
    ip += literals;
    op += literals;
    if (ip === srcEnd) break; // the last sequence has literals only

    if (srcEnd - ip < 2) throw compressionError('truncated match offset');
    const offset = src[ip] | (src[ip + 1] << 8);
    ip += 2;
    if (offset === 0 || offset > op - dstOffset) throw compressionError(`match offset ${offset} points before the output`);
    let matchLength = token & 15;
    if (matchLength === 15) {
      let b: number;
      do {
        if (ip >= srcEnd) throw compressionError('truncated match length');
        b = src[ip++];
        matchLength += b;
      } while (b === 255);
    }
    matchLength += MIN_MATCH;
    if (matchLength > outEnd - op) throw compressionError('match runs past the declared length');

    let from = op - offset;
    if (matchLength < NATIVE_COPY_MIN) {
      // Byte order matters: an overlapping match (offset < length) repeats what it just wrote.
      for (const end = op + matchLength; op < end; ) dst[op++] = dst[from++];
    } else if (offset >= matchLength) {
      dst.copyWithin(op, from, from + matchLength);
      op += matchLength;
    } else {
      // Long overlapping match: the output is periodic from `from`, so copy ever larger
      // whole periods natively.
      const end = op + matchLength;
      while (op < end) {
        const chunk = Math.min(op - from, end - op);
        dst.copyWithin(op, from, from + chunk);
        op += chunk;
      }
    }
  }
  if (op !== outEnd) throw compressionError(`decompressed to ${op - dstOffset} bytes, expected ${uncompressedLength}`);
}

/**
 * Decompresses one LZ4 block that must expand to exactly `uncompressedLength` bytes. The
 * caller validates `uncompressedLength` against its own maximum first; a length the block
 * cannot possibly produce ({@link lz4MaxDecompressedLength}) is rejected before allocating.
 *
 * @throws ProtocolError `COMPRESSION` on any malformed block or length mismatch.
 */
export function lz4Decompress(src: Uint8Array, uncompressedLength: number): Buffer {
  if (!Number.isSafeInteger(uncompressedLength) || uncompressedLength < 0) {
    throw compressionError(`bad uncompressed length ${uncompressedLength}`);
  }
  if (uncompressedLength > lz4MaxDecompressedLength(src.length)) {
    throw compressionError(`${src.length} bytes cannot decompress to ${uncompressedLength}`);
  }
  const out = Buffer.allocUnsafe(uncompressedLength);
  lz4DecompressInto(src, out, 0, uncompressedLength);
  return out;
}
