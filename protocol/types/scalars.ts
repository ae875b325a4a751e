import type { Writer } from '../buffer.js';
import { ProtocolError, ProtocolErrorCode, truncated } from '../errors.js';

// Byte-level helpers shared by the value codec: varint (two's complement, minimal length),
// UUID text <-> bytes, [unsigned vint] lengths as plain numbers. Internal to protocol/types.

/** Longest varint accepted when decoding: beyond this BigInt and hex strings get impractical. */
export const MAX_VARINT_BYTES = 1 << 24;

/** Decode a non-empty big-endian two's complement integer occupying buf[start, end). */
export function readVarint(buf: Buffer, start: number, end: number): bigint {
  const n = end - start;
  if (n <= 6) return BigInt(buf.readIntBE(start, n));
  if (n > MAX_VARINT_BYTES) {
    throw new ProtocolError(ProtocolErrorCode.UNSUPPORTED, `varint of ${n} bytes exceeds ${MAX_VARINT_BYTES}`);
  }
  const v = BigInt(`0x${buf.toString('hex', start, end)}`);
  return (buf[start]! & 0x80) === 0 ? v : v - (1n << BigInt(n * 8));
}

/** Write `v` as a minimal-length two's complement varint (no length prefix). */
export function writeVarint(w: Writer, v: bigint): void {
  const negative = v < 0n;
  // For negative v, the two's complement bytes are the bitwise NOT of (-v - 1).
  const magnitude = negative ? -v - 1n : v;
  if (magnitude < 0x800000000000n) {
    // Fits 6 bytes: stay on doubles.
    const m = Number(magnitude);
    let size = 1;
    while (size < 6 && m >= 2 ** (size * 8 - 1)) size++;
    w.ensure(size);
    w.buf.writeIntBE(Number(v), w.offset, size);
    w.offset += size;
    return;
  }
  let hex = magnitude.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  else if (hex.charCodeAt(0) >= 0x38 /* '8': sign bit would be set */) hex = `00${hex}`;
  const size = hex.length / 2;
  w.ensure(size);
  w.buf.write(hex, w.offset, size, 'hex');
  if (negative) for (let i = w.offset; i < w.offset + size; i++) w.buf[i] = ~w.buf[i]! & 0xff;
  w.offset += size;
}

const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Canonical lowercase `8-4-4-4-12` text of the 16 bytes at buf[start]. */
export function formatUuid(buf: Uint8Array, start = 0): string {
  const h = HEX_BYTE;
  const b = (i: number): string => h[buf[start + i]!]!;
  return (
    b(0) + b(1) + b(2) + b(3) + '-' + b(4) + b(5) + '-' + b(6) + b(7) + '-' + b(8) + b(9) + '-' +
    b(10) + b(11) + b(12) + b(13) + b(14) + b(15)
  );
}

const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[0x41 + i] = 10 + i;
  NIBBLE[0x61 + i] = 10 + i;
}

/**
 * Parse `8-4-4-4-12` UUID text (any hex case) into out[at .. at+16). Returns false, writing
 * nothing meaningful, if the text is not a UUID.
 */
export function parseUuidInto(text: string, out: Uint8Array, at: number): boolean {
  if (text.length !== 36) return false;
  let j = 0;
  for (let i = 0; i < 16; i++) {
    if (j === 8 || j === 13 || j === 18 || j === 23) {
      if (text.charCodeAt(j) !== 0x2d) return false;
      j++;
    }
    const hi = NIBBLE[text.charCodeAt(j) & 0x7f]!;
    const lo = NIBBLE[text.charCodeAt(j + 1) & 0x7f]!;
    if (hi < 0 || lo < 0 || text.charCodeAt(j) > 0x7f || text.charCodeAt(j + 1) > 0x7f) return false;
    out[at + i] = (hi << 4) | lo;
    j += 2;
  }
  return true;
}

/** Position after the last {@link readUnsignedVintLength}; a module slot avoids a tuple per call. */
export let vintEnd = 0;

/**
 * Read an [unsigned vint] length at buf[p] (not past `end`), as a number. Sets {@link vintEnd}.
 * Values too large to be a length come back inexact but huge, so length checks reject them.
 */
export function readUnsignedVintLength(buf: Buffer, p: number, end: number): number {
  if (p >= end) throw truncated('[unsigned vint]');
  const first = buf[p]!;
  if (first < 0x80) {
    vintEnd = p + 1;
    return first;
  }
  const extra = Math.clz32(~(first << 24));
  if (extra > end - p - 1) throw truncated('[unsigned vint]');
  let v = first & (0xff >> extra);
  for (let k = 1; k <= extra; k++) v = v * 256 + buf[p + k]!;
  vintEnd = p + 1 + extra;
  return v;
}

/** Bytes needed for `n` (0 ≤ n < 2^35) as an [unsigned vint]. */
export function unsignedVintSize(n: number): number {
  let size = 1;
  while (size < 5 && n >= 2 ** (7 * size)) size++;
  return size;
}

/** Write `n` as an [unsigned vint] of exactly `size` bytes at buf[at]. */
export function writeUnsignedVintAt(buf: Buffer, at: number, n: number, size: number): void {
  let v = n;
  for (let i = size - 1; i >= 1; i--) {
    buf[at + i] = v % 256;
    v = Math.floor(v / 256);
  }
  buf[at] = ((0xff00 >> (size - 1)) & 0xff) | v;
}
