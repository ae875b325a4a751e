import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as lz4napi from 'lz4-napi';
import { ProtocolError, ProtocolErrorCode } from '../../protocol/errors.js';
import {
  type Compressor,
  compressV4Body,
  createLz4NapiCompressor,
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
