import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as lz4napi from 'lz4-napi';
import { ProtocolError, ProtocolErrorCode } from '../../protocol/errors.js';
import {
  type Compressor,
  compressV4Body,
  LZ4_TS_MIN_EXPANSION,
  createLz4NapiCompressor,
  decompressInto,
  decompressV4Body,
  lz4Compressor,
} from '../../protocol/compression.js';

const napiCompressor = createLz4NapiCompressor(lz4napi);
const input = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }),
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 200 })).map(([piece, times]) =>
    Buffer.concat(Array.from({ length: times }, () => piece)),
  ),
);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return (e as ProtocolError).code;
  }
  return undefined;
}

/** A compressor without the optional zero-copy methods, to exercise the generic path. */
const plainLz4: Compressor = { name: 'lz4', compress: (s) => lz4Compressor.compress(s), decompress: (s, n) => lz4Compressor.decompress(s, n) };

describe('Compressor implementations agree', () => {
  it('pure TS and lz4-napi read each other', () => {
    fc.assert(
      fc.property(input, (bytes) => {
        const want = Buffer.from(bytes);
        expect(napiCompressor.decompress(lz4Compressor.compress(bytes), bytes.length)).toEqual(want);
        expect(lz4Compressor.decompress(napiCompressor.compress(bytes), bytes.length)).toEqual(want);
        expect(napiCompressor.decompress(napiCompressor.compress(bytes), bytes.length)).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });

  it('lz4-napi adapter maps native failures and impossible lengths to COMPRESSION', () => {
    const block = lz4Compressor.compress(Buffer.from('hello hello hello hello'));
    expect(codeOf(() => napiCompressor.decompress(block, 5))).toBe(ProtocolErrorCode.COMPRESSION);
    expect(codeOf(() => napiCompressor.decompress(Uint8Array.of(0x10, 0x61, 0x09, 0x00, 0x00), 5))).toBe(ProtocolErrorCode.COMPRESSION);
    expect(codeOf(() => napiCompressor.decompress(Uint8Array.of(0x00), 2 ** 31))).toBe(ProtocolErrorCode.COMPRESSION);
    expect(codeOf(() => napiCompressor.decompress(Uint8Array.of(0x00), -1))).toBe(ProtocolErrorCode.COMPRESSION);
  });

  it('arbitrary bytes into the lz4-napi adapter: a buffer of the length, or COMPRESSION', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(500), (bytes, n) => {
        const code = codeOf(() => expect(napiCompressor.decompress(bytes, n).length).toBe(n));
        if (code !== undefined) expect(code).toBe(ProtocolErrorCode.COMPRESSION);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('decompressInto: a block written straight into a larger buffer', () => {
  const compressors: [string, Compressor][] = [
    ['pure TS', lz4Compressor],
    ['lz4-napi', napiCompressor],
    ['without decompressInto', plainLz4],
  ];
  for (const [name, compressor] of compressors) {
    it(`${name}: exactly [offset, offset + length) is written, with the original bytes`, () => {
      fc.assert(
        fc.property(input, fc.nat(100), fc.nat(100), (bytes, before, after) => {
          const block = compressor.compress(bytes);
          const dst = Buffer.alloc(before + bytes.length + after, 0xee);
          decompressInto(compressor, block, bytes.length, dst, before);
          expect(dst.subarray(before, before + bytes.length)).toEqual(Buffer.from(bytes));
          expect(dst.subarray(0, before).every((b) => b === 0xee)).toBe(true);
          expect(dst.subarray(before + bytes.length).every((b) => b === 0xee)).toBe(true);
        }),
        { numRuns: 200 },
      );
    });

    it(`${name}: arbitrary bytes give the length or COMPRESSION, never a write outside the range`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(700), fc.nat(20), (bytes, n, room) => {
          const dst = Buffer.alloc(room + n + 8, 0xee);
          const code = codeOf(() => decompressInto(compressor, bytes, n, dst, room));
          if (code !== undefined) expect(code).toBe(ProtocolErrorCode.COMPRESSION);
          expect(dst.subarray(0, room).every((b) => b === 0xee)).toBe(true);
          expect(dst.subarray(room + n).every((b) => b === 0xee)).toBe(true);
        }),
        { numRuns: 1000 },
      );
    });

    it(`${name}: a destination too small → COMPRESSION`, () => {
      const bytes = Buffer.from('abcdefgh'.repeat(64));
      const block = compressor.compress(bytes);
      expect(codeOf(() => decompressInto(compressor, block, bytes.length, Buffer.alloc(bytes.length + 3), 4))).toBe(ProtocolErrorCode.COMPRESSION);
    });
  }

  it('lz4-napi: blocks on both sides of the expansion threshold decode to the same bytes (native and TypeScript branches)', () => {
    // 4 KiB of one repeated byte compresses far beyond the threshold; random bytes barely at all.
    const repetitive = Buffer.alloc(4096, 0x61);
    const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24));
    const r = napiCompressor.compress(repetitive);
    const n = napiCompressor.compress(random);
    expect(repetitive.length).toBeGreaterThanOrEqual(r.length * LZ4_TS_MIN_EXPANSION);
    expect(random.length).toBeLessThan(n.length * LZ4_TS_MIN_EXPANSION);
    for (const [src, want] of [[r, repetitive], [n, random]] as const) {
      expect(napiCompressor.decompress(src, want.length)).toEqual(want);
      const dst = Buffer.alloc(want.length + 2);
      napiCompressor.decompressInto!(src, want.length, dst, 1);
      expect(dst.subarray(1, 1 + want.length)).toEqual(want);
    }
  });
});

describe('v4 LZ4 frame body ([int] big-endian uncompressed length + block)', () => {
  it('golden: prefix is the big-endian length', () => {
    const body = compressV4Body(lz4Compressor, Buffer.from('abc'));
    expect([...body]).toEqual([0, 0, 0, 3, 0x30, 0x61, 0x62, 0x63]);
    expect(decompressV4Body(lz4Compressor, Uint8Array.of(0, 0, 0, 3, 0x30, 0x61, 0x62, 0x63), 100).toString()).toBe('abc');
  });

  it('round trips with every compressor, either direction', () => {
    fc.assert(
      fc.property(input, (bytes) => {
        const want = Buffer.from(bytes);
        for (const enc of [lz4Compressor, napiCompressor, plainLz4]) {
          const body = compressV4Body(enc, bytes);
          expect(body.readInt32BE(0)).toBe(bytes.length);
          for (const dec of [lz4Compressor, napiCompressor]) expect(decompressV4Body(dec, body, bytes.length)).toEqual(want);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('guards the declared length before decompressing', () => {
    const body = compressV4Body(lz4Compressor, Buffer.alloc(1000, 7));
    expect(codeOf(() => decompressV4Body(lz4Compressor, body, 999))).toBe(ProtocolErrorCode.FRAME_TOO_LARGE);
    let called = false;
    const spy: Compressor = { ...plainLz4, decompress: () => ((called = true), Buffer.alloc(0)) };
    expect(codeOf(() => decompressV4Body(spy, Uint8Array.of(0x10, 0, 0, 1, 0), 256 * 1024 * 1024))).toBe(ProtocolErrorCode.FRAME_TOO_LARGE);
    expect(codeOf(() => decompressV4Body(spy, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0), 100))).toBe(ProtocolErrorCode.COMPRESSION);
    expect(called).toBe(false);
  });

  it('short or corrupt bodies → COMPRESSION', () => {
    expect(codeOf(() => decompressV4Body(lz4Compressor, Uint8Array.of(0, 0, 0), 100))).toBe(ProtocolErrorCode.COMPRESSION);
    expect(codeOf(() => decompressV4Body(lz4Compressor, Uint8Array.of(0, 0, 0, 9, 0x30, 0x61, 0x62, 0x63), 100))).toBe(
      ProtocolErrorCode.COMPRESSION,
    );
    // a huge but allowed declared length from a few bytes is refused before allocation
    expect(codeOf(() => decompressV4Body(lz4Compressor, Uint8Array.of(0x08, 0, 0, 0, 0x00), 256 * 1024 * 1024))).toBe(
      ProtocolErrorCode.COMPRESSION,
    );
  });
});
