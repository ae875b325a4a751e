import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc24, crc32, segmentCrc32 } from '../../protocol/crc.js';

// Bit-at-a-time transcription of Cassandra's Crc.crc24: the table-driven one must agree.
function crc24Reference(bytes: Uint8Array): number {
  let crc = 0x875060;
  for (const b of bytes) {
    crc ^= b << 16;
    for (let i = 0; i < 8; i++) {
      crc <<= 1;
      if ((crc & 0x1000000) !== 0) crc ^= 0x1974f0b;
    }
  }
  return crc;
}

function crc32Reference(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return ~crc >>> 0;
}

/** Little-endian bytes of `value`, `n` of them (how the segment header reaches the wire). */
function le(value: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(value / 2 ** (8 * i)) & 0xff;
  return out;
}

describe('crc24 (segment header)', () => {
  // Expected values computed by Cassandra's Crc.crc24(long, len) run on a JVM.
  it.each([
    [0x020032, 3, 0xeeffa5], // length 50, self-contained
    [0x03ffff, 3, 0x474025], // length 131071, self-contained
    [0x01ffff, 3, 0xfe9138], // length 131071, not self-contained
    [0x020000, 3, 0xc4366a], // length 0, self-contained
    [0x000009, 3, 0x7819b9], // length 9, not self-contained
    [0x0400640014, 5, 0x36e7cf], // compressed 20, uncompressed 50, self-contained
    [0x03ffffffff, 5, 0xb388a2], // compressed 131071, uncompressed 131071, not self-contained
    [0x0400000001, 5, 0x87a506], // compressed 1, uncompressed 0 (raw), self-contained
  ])('header %s over %i bytes → %s', (header, n, expected) => {
    expect(crc24(le(header, n))).toBe(expected);
  });

  it('reads only [start, end)', () => {
    const buf = Uint8Array.of(0xff, 0x32, 0x00, 0x02, 0xff);
    expect(crc24(buf, 1, 4)).toBe(0xeeffa5);
  });

  it('matches the bit-at-a-time definition on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (bytes) => {
        expect(crc24(bytes)).toBe(crc24Reference(bytes));
      }),
    );
  });
});

describe('crc32', () => {
  it('is the standard IEEE CRC32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(new TextEncoder().encode('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });

  it('matches the bitwise definition at every length and alignment (slicing-by-8 tails)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(8), (bytes, skip) => {
        const start = Math.min(skip, bytes.length);
        expect(crc32(bytes, start)).toBe(crc32Reference(bytes.subarray(start)));
      }),
    );
  });

  it('the same on both sides of the size where zlib takes over (ranges inside a larger buffer, chained)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 600, maxLength: 2500 }), fc.nat(40), fc.nat(40), fc.nat(), (bytes, skip, cut, previous) => {
        const start = Math.min(skip, bytes.length);
        const end = Math.max(start, bytes.length - cut);
        const prefix = Uint8Array.of(previous & 0xff, (previous >>> 8) & 0xff);
        const whole = new Uint8Array(prefix.length + end - start);
        whole.set(prefix);
        whole.set(bytes.subarray(start, end), prefix.length);
        expect(crc32(bytes, start, end, crc32Reference(prefix))).toBe(crc32Reference(whole));
      }),
      { numRuns: 200 },
    );
  });

  it('chains: crc32(b, previous = crc32(a)) = crc32(a ++ b)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
        const ab = new Uint8Array(a.length + b.length);
        ab.set(a);
        ab.set(b, a.length);
        expect(crc32(b, 0, b.length, crc32(a))).toBe(crc32(ab));
      }),
    );
  });
});

describe('segmentCrc32 (Cassandra-seeded CRC32)', () => {
  // Expected values from java.util.zip.CRC32 after update({FA,2D,55,CA}), i.e. Crc.crc32().
  it('known answers', () => {
    expect(segmentCrc32(new Uint8Array(0))).toBe(0x44777ed3);
    expect(segmentCrc32(new TextEncoder().encode('123456789'))).toBe(0xe2a261a7);
    const big = new Uint8Array(1000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    expect(segmentCrc32(big)).toBe(0xee326e37);
    expect(segmentCrc32(big, 0, 0)).toBe(0x44777ed3);
  });

  it('equals plain CRC32 over the seed bytes followed by the payload', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const seeded = new Uint8Array(4 + bytes.length);
        seeded.set([0xfa, 0x2d, 0x55, 0xca]);
        seeded.set(bytes, 4);
        expect(segmentCrc32(bytes)).toBe(crc32Reference(seeded));
      }),
    );
  });
});
