import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import * as lz4napi from 'lz4-napi';
import { type Compressor, createLz4NapiCompressor, lz4Compressor } from '../../protocol/compression.js';
import { segmentCrc32 } from '../../protocol/crc.js';
import { FrameFlag } from '../../protocol/constants.js';
import { SegmentDecoder } from '../../protocol/decoder.js';
import { ProtocolError, ProtocolErrorCode } from '../../protocol/errors.js';
import { type Frame, encodeFrame } from '../../protocol/frame.js';
import { encodeSegment, encodeSegments, writeCompressedSegmentHeader } from '../../protocol/segment.js';

interface FrameSpec {
  version: number;
  isResponse: boolean;
  flags: number;
  stream: number;
  opcode: number;
  body: Uint8Array;
}

const napi = createLz4NapiCompressor(lz4napi);
const hex = (s: string): Buffer => Buffer.from(s, 'hex');

const body = fc.oneof(
  fc.uint8Array({ maxLength: 400 }),
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 100 })).map(([p, n]) => Buffer.concat(Array(n).fill(Buffer.from(p)))),
);
const frameSpec: fc.Arbitrary<FrameSpec> = fc.record({
  version: fc.constant(5),
  isResponse: fc.boolean(),
  flags: fc.nat(255).map((f) => f & ~FrameFlag.COMPRESSION),
  stream: fc.integer({ min: -32768, max: 32767 }),
  opcode: fc.nat(255),
  body,
});
const compressorArb = fc.constantFrom<Compressor | undefined>(undefined, lz4Compressor, napi);

const encode = (f: FrameSpec): Buffer => encodeFrame(f, f.body);
const plain = (f: Frame | FrameSpec): FrameSpec => ({ ...f, body: Buffer.from(f.body) });
/** Like {@link plain} with the body as a digest: deep-equal on 300 KiB buffers is slow. */
const digest = (f: Frame | FrameSpec): Omit<FrameSpec, 'body'> & { body: string } => ({
  ...f,
  body: `${f.body.length}:${createHash('sha1').update(f.body).digest('hex')}`,
});

function splitAt(bytes: Buffer, points: readonly number[]): Buffer[] {
  const cuts = [...new Set(points.filter((p) => p > 0 && p < bytes.length))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    chunks.push(bytes.subarray(from, cut));
    from = cut;
  }
  return chunks;
}

function decodeAll(decoder: SegmentDecoder, chunks: readonly Buffer[]): Frame[] {
  const frames: Frame[] = [];
  for (const chunk of chunks) {
    decoder.push(chunk);
    for (let f = decoder.next(); f !== null; f = decoder.next()) frames.push(f);
  }
  return frames;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return (e as ProtocolError).code;
  }
  return undefined;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('SegmentDecoder golden segments (built by an independent Python encoder)', () => {
  const READY = { version: 5, isResponse: true, flags: 0, stream: 1, opcode: 2, body: Buffer.alloc(0) };
  const RESULT = { version: 5, isResponse: true, flags: 0, stream: 2, opcode: 8, body: Buffer.alloc(20, 0x61) };

  it('uncompressed, self-contained READY', () => {
    expect(decodeAll(new SegmentDecoder(), [hex('090002a4c8c1850000010200000000ea890152')]).map(plain)).toEqual([READY]);
  });

  it('uncompressed, two frames in one segment', () => {
    const frames = decodeAll(new SegmentDecoder(), [hex('140002adc4298500000102000000008500ffff0c00000002616204ffb9c6')]);
    expect(frames.map(plain)).toEqual([READY, { version: 5, isResponse: true, flags: 0, stream: -1, opcode: 12, body: Buffer.from('ab') }]);
  });

  it('compressed format, payload stored raw', () => {
    const decoder = new SegmentDecoder({ compressor: lz4Compressor });
    expect(decodeAll(decoder, [hex('0900000004c2b895850000010200000000ea890152')]).map(plain)).toEqual([READY]);
  });

  it('compressed format, LZ4 payload (hand-built block)', () => {
    for (const compressor of [lz4Compressor, napi]) {
      const decoder = new SegmentDecoder({ compressor });
      expect(decodeAll(decoder, [hex('13003a0004e64ee0aa850000020800000014610100506161616161798b104e')]).map(plain)).toEqual([RESULT]);
    }
  });

  it('a frame in two non-self-contained segments', () => {
    const stream = hex('0f0000e2169e850000020800000014616161616161ed5ce980' + '0e0000fa76f66161616161616161616161616161dcab7230');
    const decoder = new SegmentDecoder();
    expect(decodeAll(decoder, [stream]).map(plain)).toEqual([RESULT]);
    expect(decoder.isIdle).toBe(true);
  });
});

describe('SegmentDecoder round trips', () => {
  it('any frames, any segment size, any compressor, any split', () => {
    fc.assert(
      fc.property(
        fc.array(frameSpec, { maxLength: 8 }),
        compressorArb,
        fc.option(fc.integer({ min: 1, max: 600 }), { nil: undefined }),
        fc.array(fc.nat(5000), { maxLength: 12 }),
        (specs, compressor, maxPayloadLength, cuts) => {
          const segments = Buffer.concat(encodeSegments(specs.map(encode), { compressor, maxPayloadLength }));
          const decoder = new SegmentDecoder({ compressor });
          expect(decodeAll(decoder, splitAt(segments, cuts)).map(plain)).toEqual(specs.map(plain));
          expect(decoder.isIdle).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  describe('a 300 KiB frame between small ones', () => {
    const big = Buffer.alloc(300 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 10)) & 0xff;
    const specs: FrameSpec[] = [
      { version: 5, isResponse: true, flags: 0, stream: 1, opcode: 8, body: Buffer.from('before') },
      { version: 5, isResponse: true, flags: 8, stream: 2, opcode: 8, body: big },
      { version: 5, isResponse: true, flags: 0, stream: 3, opcode: 8, body: Buffer.from('after') },
    ];
    for (const [name, compressor] of [['uncompressed', undefined], ['pure-TS LZ4', lz4Compressor], ['lz4-napi', napi]] as const) {
      const stream = Buffer.concat(encodeSegments(specs.map(encode), { compressor }));
      const splits: Record<string, Buffer[]> = {
        whole: [stream],
        front: splitAt(stream, [1]),
        middle: splitAt(stream, [stream.length >> 1]),
        end: splitAt(stream, [stream.length - 1]),
        '4 KiB chunks': splitAt(stream, Array.from({ length: stream.length >> 12 }, (_, i) => (i + 1) << 12)),
      };
      for (const [how, chunks] of Object.entries(splits)) {
        it(`${name}, split ${how}`, () => {
          expect(decodeAll(new SegmentDecoder({ compressor }), chunks).map(digest)).toEqual(specs.map(digest));
        });
      }
    }

    it('uncompressed, byte by byte', () => {
      const stream = Buffer.concat(encodeSegments(specs.map(encode)));
      const chunks = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
      expect(decodeAll(new SegmentDecoder(), chunks).map(digest)).toEqual(specs.map(digest));
    });
  });

  it('with allocateFrame, multi-segment frames are joined into the buffers it returns, with the same bytes', () => {
    fc.assert(
      fc.property(
        fc.array(frameSpec, { maxLength: 6 }),
        compressorArb,
        fc.integer({ min: 1, max: 400 }),
        fc.array(fc.nat(5000), { maxLength: 12 }),
        (specs, compressor, maxPayloadLength, cuts) => {
          const segments = Buffer.concat(encodeSegments(specs.map(encode), { compressor, maxPayloadLength }));
          const given: Buffer[] = [];
          const decoder = new SegmentDecoder({
            compressor,
            allocateFrame: (n) => {
              // A view into a larger buffer, as a pool hands out: only [0, n) may be written.
              const b = Buffer.alloc(n + 16, 0xee).subarray(0, n);
              given.push(b);
              return b;
            },
          });
          const frames = decodeAll(decoder, splitAt(segments, cuts));
          expect(frames.map(plain)).toEqual(specs.map(plain));
          expect(decoder.isIdle).toBe(true);
          for (const b of given) expect(Buffer.from(b.buffer, b.byteOffset + b.length, 16).every((x) => x === 0xee)).toBe(true);
          // Every frame larger than one segment's payload came out of one of the given buffers.
          const joined = frames.filter((f) => given.some((b) => b.buffer === f.body.buffer));
          const spread = specs.filter((f) => 9 + f.body.length > maxPayloadLength);
          expect(joined.length).toBe(spread.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('with allocateFrame, compressed segments of a large frame are inflated straight into its buffer (both lz4-napi branches)', () => {
    // One body that compresses >100:1 (the TypeScript branch of the napi adapter) and one that
    // barely compresses (the native branch), each spread over many segments.
    const repetitive = Buffer.from('lorem ipsum dolor sit amet '.repeat(12_000));
    const mixed = Buffer.from(Array.from({ length: 300_000 }, (_, i) => ((i * 2654435761) >>> 27) + 97));
    for (const compressor of [napi, lz4Compressor]) {
      const specs: FrameSpec[] = [repetitive, mixed].map((body, i) => ({ version: 5, isResponse: true, flags: 0, stream: i + 1, opcode: 8, body }));
      const segments = Buffer.concat(encodeSegments(specs.map(encode), { compressor, maxPayloadLength: 20_000 }));
      const given: Buffer[] = [];
      const decoder = new SegmentDecoder({ compressor, allocateFrame: (n) => (given.push(Buffer.alloc(n)), given.at(-1)!) });
      const frames = decodeAll(decoder, splitAt(segments, [7, 1000, 33_333, 100_000]));
      expect(frames.map(digest)).toEqual(specs.map(digest));
      expect(frames.map((f) => given.some((b) => b.buffer === f.body.buffer))).toEqual([true, true]);
    }
  });

  it('small segments split byte by byte, compressed', () => {
    const specs: FrameSpec[] = [1, 2, 3].map((s) => ({ version: 5, isResponse: true, flags: 0, stream: s, opcode: 8, body: Buffer.alloc(100, s) }));
    const stream = Buffer.concat(encodeSegments(specs.map(encode), { compressor: lz4Compressor, maxPayloadLength: 50 }));
    const chunks = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    expect(decodeAll(new SegmentDecoder({ compressor: lz4Compressor }), chunks).map(plain)).toEqual(specs.map(plain));
  });

  it('frames of a self-contained segment inside one chunk are views, not copies', () => {
    const seg = encodeSegments([encode({ version: 5, isResponse: true, flags: 0, stream: 1, opcode: 8, body: Buffer.from('xyz') })])[0];
    const [frame] = decodeAll(new SegmentDecoder(), [seg]);
    expect(frame.body.buffer).toBe(seg.buffer);
  });

  it('a truncated stream yields only whole frames, in order', () => {
    fc.assert(
      fc.property(
        fc.array(frameSpec, { minLength: 1, maxLength: 6 }),
        compressorArb,
        fc.integer({ min: 1, max: 300 }),
        fc.nat(),
        (specs, compressor, maxPayloadLength, cutSeed) => {
          const stream = Buffer.concat(encodeSegments(specs.map(encode), { compressor, maxPayloadLength }));
          const cut = cutSeed % stream.length;
          const frames = decodeAll(new SegmentDecoder({ compressor }), [stream.subarray(0, cut)]).map(plain);
          expect(frames).toEqual(specs.slice(0, frames.length).map(plain));
          expect(frames.length).toBeLessThan(specs.length + (cut === stream.length ? 1 : 0));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('SegmentDecoder integrity', () => {
  const frames = [encode({ version: 5, isResponse: true, flags: 0, stream: 7, opcode: 8, body: Buffer.alloc(300, 5) })];

  it('any corrupted byte of a segment → CHECKSUM (header, payload or trailer)', () => {
    for (const compressor of [undefined, lz4Compressor]) {
      const seg = encodeSegments(frames, { compressor })[0];
      for (let at = 0; at < seg.length; at++) {
        const bad = Buffer.from(seg);
        bad[at] ^= 0x10;
        const decoder = new SegmentDecoder({ compressor });
        decoder.push(bad);
        // CRC24 and CRC32 catch every single-bit error: a flipped length bit fails at once too
        expect(codeOf(() => decoder.next())).toBe(ProtocolErrorCode.CHECKSUM);
      }
    }
  });

  it('a valid checksum over a bad LZ4 block → COMPRESSION', () => {
    const junk = Buffer.from('ff00ff00ff00', 'hex');
    const seg = Buffer.alloc(8 + junk.length + 4);
    writeCompressedSegmentHeader(seg, 0, junk.length, 100, true);
    junk.copy(seg, 8);
    seg.writeUInt32LE(segmentCrc32(junk), 8 + junk.length);
    const decoder = new SegmentDecoder({ compressor: lz4Compressor });
    decoder.push(seg);
    expect(codeOf(() => decoder.next())).toBe(ProtocolErrorCode.COMPRESSION);
  });

  it('a self-contained payload ending inside a frame → MALFORMED', () => {
    for (const cut of [4, 12]) {
      const decoder = new SegmentDecoder();
      decoder.push(encodeSegment(frames[0].subarray(0, cut), true));
      expect(codeOf(() => decoder.next())).toBe(ProtocolErrorCode.MALFORMED);
    }
  });

  it('a self-contained segment in the middle of a multi-segment frame → MALFORMED', () => {
    const decoder = new SegmentDecoder();
    decoder.push(encodeSegment(frames[0].subarray(0, 100), false));
    decoder.push(encodeSegment(frames[0].subarray(0, 9), true));
    expect(codeOf(() => decoder.next())).toBe(ProtocolErrorCode.MALFORMED);
  });

  it('bytes past the end of a multi-segment frame → MALFORMED', () => {
    const decoder = new SegmentDecoder();
    decoder.push(encodeSegment(frames[0].subarray(0, 200), false));
    decoder.push(encodeSegment(Buffer.concat([frames[0].subarray(200), Buffer.of(0)]), false));
    expect(codeOf(() => decoder.next())).toBe(ProtocolErrorCode.MALFORMED);
  });

  it('frame headers are checked: VERSION and FRAME_TOO_LARGE, self-contained or not', () => {
    const v4 = Buffer.from(frames[0]);
    v4[0] = 0x83;
    let d = new SegmentDecoder();
    d.push(encodeSegment(v4, true));
    expect(codeOf(() => d.next())).toBe(ProtocolErrorCode.VERSION);

    d = new SegmentDecoder({ maxFrameSize: 299 });
    d.push(encodeSegment(frames[0], true));
    expect(codeOf(() => d.next())).toBe(ProtocolErrorCode.FRAME_TOO_LARGE);

    // a first slice declaring 1 GiB fails on arrival, before any further segment
    const huge = Buffer.from('8500000108' + '40000000' + '00'.repeat(20), 'hex');
    d = new SegmentDecoder();
    d.push(encodeSegment(huge, false));
    expect(codeOf(() => d.next())).toBe(ProtocolErrorCode.FRAME_TOO_LARGE);
  });

  it('a multi-segment frame declaring 200 MiB allocates only what arrived', () => {
    const allocUnsafe = vi.spyOn(Buffer, 'allocUnsafe');
    const alloc = vi.spyOn(Buffer, 'alloc');
    const d = new SegmentDecoder();
    d.push(encodeSegment(Buffer.concat([hex('850000010b' + '0c800000'), Buffer.alloc(1000)]), false));
    expect(d.next()).toBeNull();
    expect(d.isIdle).toBe(false);
    const sizes = [...allocUnsafe.mock.calls, ...alloc.mock.calls].map((c) => c[0]);
    expect(sizes.every((n) => n < 1 << 20)).toBe(true);
  });

  it('is single-use after an error', () => {
    const seg = encodeSegments(frames)[0];
    const bad = Buffer.from(seg);
    bad[0] ^= 1;
    const d = new SegmentDecoder();
    d.push(bad);
    let first: unknown;
    try {
      d.next();
    } catch (e) {
      first = e;
    }
    expect((first as ProtocolError).code).toBe(ProtocolErrorCode.CHECKSUM);
    expect(() => d.push(seg)).toThrow(first as Error);
    expect(() => d.next()).toThrow(first as Error);
  });

  it('arbitrary bytes: frames or a ProtocolError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), compressorArb, fc.array(fc.nat(300), { maxLength: 4 }), (bytes, compressor, cuts) => {
        try {
          decodeAll(new SegmentDecoder({ compressor, maxFrameSize: 1000 }), splitAt(Buffer.from(bytes), cuts));
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('valid segment streams with mutated bytes (checksums recomputed or not): frames or a ProtocolError', () => {
    fc.assert(
      fc.property(
        fc.array(frameSpec, { minLength: 1, maxLength: 4 }),
        compressorArb,
        fc.integer({ min: 5, max: 300 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 3 }),
        (specs, compressor, maxPayloadLength, edits) => {
          // Mutate the frames before segmenting too, so bad frames arrive with good checksums.
          const encoded = specs.map(encode);
          const joined = Buffer.concat(encoded);
          for (const [at, v] of edits) joined[at % joined.length] = v;
          const payloads = [joined.subarray(0, joined.length >> 1), joined.subarray(joined.length >> 1)];
          const good = Buffer.concat(payloads.map((p, i) => encodeSegment(p, i === 0 ? false : edits.length > 1, compressor)));
          const raw = Buffer.concat(encodeSegments(encoded, { compressor, maxPayloadLength }));
          for (const [at, v] of edits) raw[at % raw.length] = v;
          for (const stream of [good, raw]) {
            try {
              decodeAll(new SegmentDecoder({ compressor }), [stream]);
            } catch (e) {
              expect(e).toBeInstanceOf(ProtocolError);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
