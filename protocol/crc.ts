// Checksums of the v5 framing format (native_protocol_v5.spec §2.1, §2.2), bit-exact with
// Cassandra's org.apache.cassandra.net.Crc: CRC24 over segment headers, CRC32 over payloads.
import * as zlib from 'node:zlib';

const CRC24_INIT = 0x875060;
// Koopman's polynomial, written with its x^24 term (bit 24) as Cassandra does.
const CRC24_POLY = 0x1974f0b;

/** CRC24 step for one byte (MSB-first, not reflected): table[i] = i·x^24 mod P. */
const CRC24_TABLE = /* @__PURE__ */ (() => {
  const table = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 16;
    for (let bit = 0; bit < 8; bit++) {
      crc <<= 1;
      if ((crc & 0x1000000) !== 0) crc ^= CRC24_POLY;
    }
    table[i] = crc & 0xffffff;
  }
  return table;
})();

/**
 * CRC24 of `bytes[start, end)` as the v5 segment header uses it: initial value 0x875060,
 * polynomial 0x1974F0B, bytes taken in wire order (the header is little-endian, so this is
 * Cassandra's `Crc.crc24(header, len)` reading the register from its least significant byte).
 *
 * @returns the 24-bit checksum, written on the wire as 3 little-endian bytes.
 */
export function crc24(bytes: Uint8Array, start = 0, end: number = bytes.length): number {
  let crc = CRC24_INIT;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) ^ CRC24_TABLE[((crc >>> 16) ^ bytes[i]) & 0xff]) & 0xffffff;
  }
  return crc;
}

// Slicing-by-8 tables for the reflected IEEE polynomial 0xEDB88320 (zlib's CRC32):
// eight bytes per step instead of one.
const CRC32_TABLES = /* @__PURE__ */ (() => {
  const t = new Int32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[i] = c;
  }
  for (let i = 0; i < 256; i++) {
    let c = t[i];
    for (let s = 1; s < 8; s++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[s * 256 + i] = c;
    }
  }
  return t;
})();

/** zlib's CRC32 (Node 20.15+), where the runtime has it. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
const NATIVE_CRC32_MIN_BYTES = 768;

/**
 * Standard CRC32 (IEEE 802.3, as zlib's `crc32`) of `bytes[start, end)`.
 *
 * @param previous the CRC32 of the bytes before these, to checksum a message in pieces:
 *   `crc32(b, 0, b.length, crc32(a)) === crc32(concat(a, b))`. 0 to start.
 * @returns the unsigned 32-bit checksum.
 */
export function crc32(bytes: Uint8Array, start = 0, end: number = bytes.length, previous = 0): number {
  // zlib's (SIMD) is 2-3x faster from about a kilobyte; below, the call costs more than it saves.
  if (end - start >= NATIVE_CRC32_MIN_BYTES && nativeCrc32 !== undefined) {
    return nativeCrc32(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end), previous);
  }
  const t = CRC32_TABLES;
  let crc = ~previous;
  let i = start;
  const end8 = end - 8;
  while (i <= end8) {
    const lo = crc ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    crc =
      t[1792 + (lo & 0xff)] ^
      t[1536 + ((lo >>> 8) & 0xff)] ^
      t[1280 + ((lo >>> 16) & 0xff)] ^
      t[1024 + (lo >>> 24)] ^
      t[768 + bytes[i + 4]] ^
      t[512 + bytes[i + 5]] ^
      t[256 + bytes[i + 6]] ^
      t[bytes[i + 7]];
    i += 8;
  }
  while (i < end) crc = t[(crc ^ bytes[i++]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** CRC32 after Cassandra's fixed prefix {0xFA, 0x2D, 0x55, 0xCA} (`Crc.crc32()`). */
const CASSANDRA_CRC32_SEED = /* @__PURE__ */ crc32(Uint8Array.of(0xfa, 0x2d, 0x55, 0xca));

/**
 * CRC32 of a v5 segment payload, `bytes[start, end)`: the standard CRC32 of the bytes
 * {0xFA, 0x2D, 0x55, 0xCA} followed by the payload, as Cassandra's `Crc.computeCrc32`.
 *
 * @returns the unsigned 32-bit checksum, written on the wire as 4 little-endian bytes.
 */
export function segmentCrc32(bytes: Uint8Array, start = 0, end: number = bytes.length): number {
  return crc32(bytes, start, end, CASSANDRA_CRC32_SEED);
}
