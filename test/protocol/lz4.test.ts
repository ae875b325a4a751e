import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as lz4napi from 'lz4-napi';
import { ProtocolError, ProtocolErrorCode } from '../../protocol/errors.js';
import {
  lz4Compress,
  lz4CompressBound,
  lz4CompressInto,
  lz4Decompress,
  lz4DecompressInto,
  lz4MaxDecompressedLength,
} from '../../protocol/lz4.js';

const text = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Inputs that compress: random pieces repeated at random distances, plus runs. */
const compressible = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.record({ byte: fc.nat(255), count: fc.integer({ min: 1, max: 600 }) }).map(({ byte, count }) => new Uint8Array(count).fill(byte)),
    ),
    { maxLength: 12 },
  )
  .chain((pieces) =>
    fc.array(fc.nat(Math.max(0, pieces.length - 1)), { maxLength: 30 }).map((order) => {
      const parts = pieces.length === 0 ? [] : [...pieces, ...order.map((i) => pieces[i])];
      return Buffer.concat(parts);
    }),
  );

const anyInput = fc.oneof(fc.uint8Array({ maxLength: 2000 }), compressible);

function expectCompressionError(fn: () => unknown): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(ProtocolError);
  expect((thrown as ProtocolError).code).toBe(ProtocolErrorCode.COMPRESSION);
}

describe('lz4 block golden vectors (hand-built per lz4_Block_format.md)', () => {
  it('literals only', () => {
    expect(lz4Decompress(Uint8Array.of(0x50, ...text('hello')), 5).toString()).toBe('hello');
    expect(lz4Decompress(Uint8Array.of(0x00), 0).length).toBe(0);
  });

  it('an overlapping match repeats the last byte (offset 1)', () => {
    // token: 1 literal, match length 4+6; literal 'a'; offset 1; then the final empty literal run
    const block = Uint8Array.of(0x16, 0x61, 0x01, 0x00, 0x00);
    expect(lz4Decompress(block, 11).toString()).toBe('a'.repeat(11));
  });

  it('extended literal and match lengths (255-byte continuation)', () => {
    // 15 + 255 + 30 = 300 literals, then a match of 4 + 15 + 255 + 0 = 274 at offset 300
    const lits = Buffer.alloc(300);
    for (let i = 0; i < 300; i++) lits[i] = (i * 7) & 0xff;
    const block = Buffer.concat([Uint8Array.of(0xff, 255, 30), lits, Uint8Array.of(0x2c, 0x01, 255, 0), Uint8Array.of(0x00)]);
    const out = lz4Decompress(block, 574);
    expect(out.subarray(0, 300)).toEqual(lits);
    expect(out.subarray(300)).toEqual(lits.subarray(0, 274));
  });

  it('long overlapping matches (periodic copy) at several periods', () => {
    for (const period of [1, 2, 3, 7, 14]) {
      const lits = Buffer.from(Array.from({ length: period }, (_, i) => 65 + i));
      const total = period + 1000;
      const matchRest = 1000 - 4 - 15; // 981 = 3*255 + 216
      const block = Buffer.concat([
        Uint8Array.of((period << 4) | 15),
        lits,
        Uint8Array.of(period, 0, 255, 255, 255, 216),
        Uint8Array.of(0x00),
      ]);
      const out = lz4Decompress(block, total);
      for (let i = 0; i < total; i++) expect(out[i]).toBe(65 + (i % period));
    }
  });

  it('compresses a tiny input as one literal run, and an empty one as a bare token', () => {
    expect([...lz4Compress(text('abc'))]).toEqual([0x30, 0x61, 0x62, 0x63]);
    expect([...lz4Compress(new Uint8Array(0))]).toEqual([0x00]);
  });

  it('keeps the last 5 bytes literal and starts no match in the last 12', () => {
    const input = Buffer.alloc(64, 0x41);
    const block = lz4Compress(input);
    // 1 literal 'A', one match, then exactly the final literal run of >= 5 bytes.
    const token = block[0];
    expect(token >>> 4).toBe(1);
    const last = block[block.length - 6];
    expect(last >>> 4).toBeGreaterThanOrEqual(5);
    expect(lz4Decompress(block, 64)).toEqual(input);
  });
});

describe('lz4 round trip', () => {
  it('decompress(compress(x)) = x', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const block = lz4Compress(input);
        expect(block.length).toBeLessThanOrEqual(lz4CompressBound(input.length));
        expect(lz4Decompress(block, input.length)).toEqual(Buffer.from(input));
      }),
      { numRuns: 300 },
    );
  });

  it('compresses repetitive data well and large inputs (> 64 KiB window) correctly', () => {
    const big = Buffer.alloc(300 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i % 1000) * 13 + (i >> 17);
    const block = lz4Compress(big);
    expect(block.length).toBeLessThan(big.length / 20);
    expect(lz4Decompress(block, big.length)).toEqual(big);
  });

  it('compressInto writes at an offset and leaves the rest alone', () => {
    const input = text('abcabcabcabcabcabcabcabcabc-xyz-abcabcabcabc');
    const dst = Buffer.alloc(lz4CompressBound(input.length) + 10, 0xee);
    const n = lz4CompressInto(input, dst, 7);
    expect(dst.subarray(0, 7).every((b) => b === 0xee)).toBe(true);
    expect(lz4Decompress(dst.subarray(7, 7 + n), input.length)).toEqual(input);
    expect(() => lz4CompressInto(input, Buffer.alloc(4), 0)).toThrow(ProtocolError);
  });

  it('decompressInto fills exactly its range', () => {
    const input = text('hello hello hello hello hello hello');
    const dst = Buffer.alloc(input.length + 4, 0xee);
    lz4DecompressInto(lz4Compress(input), dst, 2, input.length);
    expect(dst.subarray(2, 2 + input.length)).toEqual(input);
    expect([dst[0], dst[1], dst[dst.length - 1]]).toEqual([0xee, 0xee, 0xee]);
  });
});

describe('lz4 interop with lz4-napi (lz4_flex)', () => {
  // lz4-napi's compressSync/uncompressSync put a 4-byte little-endian uncompressed length
  // in front of the raw block.
  it('compressSync output is [u32 LE length] + a block we decompress', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const napi = lz4napi.compressSync(Buffer.from(input));
        expect(napi.readUInt32LE(0)).toBe(input.length);
        expect(lz4Decompress(napi.subarray(4), input.length)).toEqual(Buffer.from(input));
      }),
      { numRuns: 200 },
    );
  });

  it('uncompressSync reads our blocks', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const block = lz4Compress(input);
        const prefixed = Buffer.alloc(4 + block.length);
        prefixed.writeUInt32LE(input.length, 0);
        block.copy(prefixed, 4);
        expect(lz4napi.uncompressSync(prefixed)).toEqual(Buffer.from(input));
      }),
      { numRuns: 200 },
    );
  });
});

describe('lz4 hostile blocks', () => {
  it.each([
    ['offset 0', Uint8Array.of(0x10, 0x61, 0x00, 0x00, 0x00), 5],
    ['offset before the output', Uint8Array.of(0x10, 0x61, 0x02, 0x00, 0x00), 5],
    ['literals past the input', Uint8Array.of(0x50, 0x61, 0x62), 5],
    ['literals past the declared length', Uint8Array.of(0x50, ...text('hello')), 4],
    ['match past the declared length', Uint8Array.of(0x16, 0x61, 0x01, 0x00, 0x00), 10],
    ['output shorter than declared', Uint8Array.of(0x50, ...text('hello')), 6],
    ['truncated offset', Uint8Array.of(0x10, 0x61, 0x01), 5],
    ['truncated literal length', Uint8Array.of(0xf0, 255), 300],
    ['truncated match length', Uint8Array.of(0x1f, 0x61, 0x01, 0x00, 255), 300],
    ['missing final sequence', Uint8Array.of(0x10, 0x61, 0x01, 0x00), 5],
    ['empty block, non-zero length', new Uint8Array(0), 1],
  ])('%s → COMPRESSION', (_name, block, length) => {
    expectCompressionError(() => lz4Decompress(block, length));
  });

  it('rejects an impossible declared length before allocating', () => {
    expect(lz4MaxDecompressedLength(10)).toBeLessThan(4096);
    // 2 GiB could not even be allocated: the guard must refuse it first.
    expectCompressionError(() => lz4Decompress(Uint8Array.of(0x00), 2 ** 31));
    expectCompressionError(() => lz4Decompress(Uint8Array.of(0x00), -1));
    expectCompressionError(() => lz4Decompress(Uint8Array.of(0x00), 1.5));
  });

  it('arbitrary bytes decompress to exactly the length or throw COMPRESSION', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(2000), (block, length) => {
        try {
          expect(lz4Decompress(block, length).length).toBe(length);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
          expect((e as ProtocolError).code).toBe(ProtocolErrorCode.COMPRESSION);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated valid blocks never escape as anything but COMPRESSION', () => {
    fc.assert(
      fc.property(compressible, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }), (input, edits) => {
        const block = Buffer.from(lz4Compress(input));
        for (const [at, value] of edits) block[at % block.length] = value;
        try {
          expect(lz4Decompress(block, input.length).length).toBe(input.length);
        } catch (e) {
          expect((e as ProtocolError).code).toBe(ProtocolErrorCode.COMPRESSION);
        }
      }),
      { numRuns: 500 },
    );
  });
});
