import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { compressV4Body, lz4Compressor } from '../../protocol/compression.js';
import { FrameFlag, Opcode } from '../../protocol/constants.js';
import { FrameDecoder } from '../../protocol/decoder.js';
import { ProtocolError, ProtocolErrorCode } from '../../protocol/errors.js';
import { type Frame, encodeFrame } from '../../protocol/frame.js';

interface FrameSpec {
  version: number;
  isResponse: boolean;
  flags: number;
  stream: number;
  opcode: number;
  body: Uint8Array;
}

const frameSpec: fc.Arbitrary<FrameSpec> = fc.record({
  version: fc.constantFrom(4, 5),
  isResponse: fc.boolean(),
  flags: fc.nat(255).map((f) => f & ~FrameFlag.COMPRESSION),
  stream: fc.integer({ min: -32768, max: 32767 }),
  opcode: fc.nat(255),
  body: fc.uint8Array({ maxLength: 300 }),
});

const encode = (f: FrameSpec): Buffer => encodeFrame(f, f.body);
const plain = (f: Frame | FrameSpec): FrameSpec => ({ ...f, body: Buffer.from(f.body) });

/** Cuts `bytes` at the given points (any order, duplicates and out-of-range ignored). */
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

function byteByByte(bytes: Buffer): Buffer[] {
  return Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
}

function decodeAll(decoder: FrameDecoder, chunks: readonly Buffer[]): Frame[] {
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

describe('FrameDecoder golden frames', () => {
  it('READY (v4 response) and a RESULT with a body', () => {
    const bytes = Buffer.from('840000010200000000' + '84000002080000000400000001', 'hex');
    expect(decodeAll(new FrameDecoder(), [bytes]).map(plain)).toEqual([
      { version: 4, isResponse: true, flags: 0, stream: 1, opcode: Opcode.READY, body: Buffer.alloc(0) },
      { version: 4, isResponse: true, flags: 0, stream: 2, opcode: Opcode.RESULT, body: Buffer.from([0, 0, 0, 1]) },
    ]);
  });

  it('an EVENT on stream -1 with the warning flag (flags are carried, not interpreted)', () => {
    const bytes = Buffer.from('8508ffff0c00000001ff', 'hex');
    expect(plain(decodeAll(new FrameDecoder(), [bytes])[0])).toEqual({
      version: 5,
      isResponse: true,
      flags: FrameFlag.WARNING,
      stream: -1,
      opcode: Opcode.EVENT,
      body: Buffer.from([0xff]),
    });
  });
});

describe('FrameDecoder chunking', () => {
  const fixture = [
    { version: 4, isResponse: true, flags: 0, stream: 1, opcode: 2, body: new Uint8Array(0) },
    { version: 4, isResponse: true, flags: 2, stream: 300, opcode: 8, body: Buffer.from('hello world') },
    { version: 5, isResponse: true, flags: 0, stream: -1, opcode: 12, body: Buffer.alloc(5000, 7) },
  ];
  const bytes = Buffer.concat(fixture.map(encode));
  const splits: Record<string, Buffer[]> = {
    whole: [bytes],
    'byte by byte': byteByByte(bytes),
    front: splitAt(bytes, [1]),
    'inside first header': splitAt(bytes, [4]),
    middle: splitAt(bytes, [bytes.length >> 1]),
    end: splitAt(bytes, [bytes.length - 1]),
    'every frame boundary': splitAt(bytes, [9, 29]),
  };
  for (const [name, chunks] of Object.entries(splits)) {
    it(`decodes the fixture split ${name}`, () => {
      const decoder = new FrameDecoder();
      expect(decodeAll(decoder, chunks).map(plain)).toEqual(fixture.map(plain));
      expect(decoder.bufferedBytes).toBe(0);
    });
  }

  it('round trips any frames under any split', () => {
    fc.assert(
      fc.property(fc.array(frameSpec, { maxLength: 8 }), fc.array(fc.nat(4000), { maxLength: 12 }), (specs, cuts) => {
        const stream = Buffer.concat(specs.map(encode));
        expect(decodeAll(new FrameDecoder(), splitAt(stream, cuts)).map(plain)).toEqual(specs.map(plain));
      }),
      { numRuns: 300 },
    );
  });

  it('a frame inside one chunk is a view of it, not a copy', () => {
    const chunk = Buffer.concat([encode(fixture[1]), encode(fixture[2])]);
    const [a, b] = decodeAll(new FrameDecoder(), [chunk]);
    expect(a.body.buffer).toBe(chunk.buffer);
    expect(b.body.buffer).toBe(chunk.buffer);
  });

  it('a truncated stream yields only the whole frames before the cut, never part of one', () => {
    fc.assert(
      fc.property(fc.array(frameSpec, { minLength: 1, maxLength: 5 }), fc.nat(), fc.array(fc.nat(2000), { maxLength: 6 }), (specs, cutSeed, splits) => {
        const encoded = specs.map(encode);
        const stream = Buffer.concat(encoded);
        const cut = cutSeed % stream.length;
        let whole = 0;
        for (let end = 0, i = 0; i < encoded.length && (end += encoded[i].length) <= cut; i++) whole++;
        const decoder = new FrameDecoder();
        expect(decodeAll(decoder, splitAt(stream.subarray(0, cut), splits)).map(plain)).toEqual(specs.slice(0, whole).map(plain));
        expect(decoder.bufferedBytes).toBe(cut - encoded.slice(0, whole).reduce((n, e) => n + e.length, 0));
      }),
      { numRuns: 300 },
    );
  });

  it('takeBuffered hands over the undecoded bytes (switch to segments after READY)', () => {
    const decoder = new FrameDecoder();
    const rest = Buffer.from('0102030405060708', 'hex'); // the start of a v5 segment, say
    decoder.push(Buffer.concat([encode(fixture[0]), rest.subarray(0, 3)]));
    decoder.push(rest.subarray(3));
    expect(decoder.next()).not.toBeNull();
    expect(decoder.next()).toBeNull();
    expect(Buffer.concat(decoder.takeBuffered())).toEqual(rest);
    expect(decoder.bufferedBytes).toBe(0);
    decoder.push(encode(fixture[1]));
    expect(plain(decoder.next() as Frame)).toEqual(plain(fixture[1]));
  });
});

describe('FrameDecoder allocateBody', () => {
  it('bodies spread over chunks and inflated v4 bodies go into the given buffers; compressed ones and single-chunk bodies do not', () => {
    fc.assert(
      fc.property(fc.array(frameSpec, { maxLength: 5 }), fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), fc.array(fc.nat(2000), { maxLength: 8 }), (specs, compress, cuts) => {
        // Some v4 frames compressed (decoded back to the same bytes, flag cleared).
        const wire = specs.map((f, i) =>
          f.version === 4 && compress[i] ? encodeFrame({ ...f, flags: f.flags | FrameFlag.COMPRESSION }, compressV4Body(lz4Compressor, f.body)) : encode(f),
        );
        const given: Buffer[] = [];
        const decoder = new FrameDecoder({
          compressor: lz4Compressor,
          allocateBody: (n) => {
            // A view into a larger buffer, as a pool hands out: only [0, n) may be written.
            const b = Buffer.alloc(n + 16, 0xee).subarray(0, n);
            given.push(b);
            return b;
          },
        });
        // The received bytes in an ArrayBuffer of their own (not Node's shared pool), so that
        // "a view of a chunk" can be told from a copy by the ArrayBuffer alone.
        const received = Buffer.concat(wire);
        const own = Buffer.alloc(received.length);
        received.copy(own);
        const chunks = splitAt(own, cuts);
        const frames = decodeAll(decoder, chunks);
        expect(frames.map(plain)).toEqual(specs.map(plain));
        for (const b of given) expect(Buffer.from(b.buffer, b.byteOffset + b.length, 16).every((x) => x === 0xee)).toBe(true);
        for (const [i, f] of frames.entries()) {
          const fromGiven = given.some((b) => b.buffer === f.body.buffer);
          const inflated = specs[i]!.version === 4 && compress[i]!;
          const inOneChunk = f.body.buffer === own.buffer;
          if (inflated) expect(fromGiven).toBe(true);
          else if (f.body.length > 0) expect(fromGiven).toBe(!inOneChunk);
        }
        // Every buffer handed out holds a frame's body: none was taken for a compressed body.
        expect(given.every((b) => frames.some((f) => f.body.buffer === b.buffer))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('FrameDecoder limits and errors', () => {
  it('a header declaring more than maxFrameSize fails at once, without waiting for the body', () => {
    const decoder = new FrameDecoder({ maxFrameSize: 1000 });
    decoder.push(Buffer.from('84000001080000', 'hex'));
    expect(decoder.next()).toBeNull();
    decoder.push(Buffer.from('03e9', 'hex')); // 1001
    expect(codeOf(() => decoder.next())).toBe(ProtocolErrorCode.FRAME_TOO_LARGE);
    expect(codeOf(() => new FrameDecoder().push(Buffer.alloc(0)))).toBeUndefined();
    const def = new FrameDecoder();
    def.push(Buffer.from('8400000108ffffffff', 'hex'));
    expect(codeOf(() => def.next())).toBe(ProtocolErrorCode.FRAME_TOO_LARGE);
  });

  it('never allocates by a declared length: a 200 MiB body is not reserved before it arrives', () => {
    const allocUnsafe = vi.spyOn(Buffer, 'allocUnsafe');
    const alloc = vi.spyOn(Buffer, 'alloc');
    const decoder = new FrameDecoder();
    decoder.push(Buffer.from('840000010800000000'.slice(0, 10) + '0c800000', 'hex')); // 200 MiB
    decoder.push(Buffer.alloc(100));
    expect(decoder.next()).toBeNull();
    const sizes = [...allocUnsafe.mock.calls, ...alloc.mock.calls].map((c) => c[0]);
    expect(sizes.every((n) => n < 1 << 20)).toBe(true);
  });

  it('unknown versions → VERSION', () => {
    for (const v of ['03', '83', '06', '00', 'c4']) {
      const decoder = new FrameDecoder();
      decoder.push(Buffer.from(v + '0000010200000000', 'hex'));
      expect(codeOf(() => decoder.next())).toBe(ProtocolErrorCode.VERSION);
    }
  });

  it('is single-use after an error: every later call throws the same error', () => {
    const decoder = new FrameDecoder();
    decoder.push(Buffer.from('070000010200000000', 'hex'));
    let first: unknown;
    try {
      decoder.next();
    } catch (e) {
      first = e;
    }
    expect(first).toBeInstanceOf(ProtocolError);
    expect(() => decoder.push(encode({ version: 4, isResponse: true, flags: 0, stream: 0, opcode: 2, body: new Uint8Array(0) }))).toThrow(first as Error);
    expect(() => decoder.next()).toThrow(first as Error);
    expect(() => decoder.takeBuffered()).toThrow(first as Error);
  });

  it('arbitrary bytes: frames or a ProtocolError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(200), { maxLength: 5 }), (bytes, cuts) => {
        const decoder = new FrameDecoder({ maxFrameSize: 100, compressor: lz4Compressor });
        try {
          for (const f of decodeAll(decoder, splitAt(Buffer.from(bytes), cuts))) expect(f.body.length).toBeLessThanOrEqual(100);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('valid streams with corrupted bytes: frames or a ProtocolError', () => {
    fc.assert(
      fc.property(fc.array(frameSpec, { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 3 }), (specs, edits) => {
        const stream = Buffer.concat(specs.map(encode));
        for (const [at, v] of edits) stream[at % stream.length] = v;
        try {
          decodeAll(new FrameDecoder({ compressor: lz4Compressor }), [stream]);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('FrameDecoder v4 compression', () => {
  const body = Buffer.from('a compressible body, a compressible body, a compressible body!');
  const compressedFrame = (version = 4): Buffer => {
    const c = compressV4Body(lz4Compressor, body);
    const frame = encodeFrame({ version: 4, isResponse: true, flags: FrameFlag.COMPRESSION | FrameFlag.TRACING, stream: 3, opcode: 8 }, c);
    frame[0] = 0x80 | version;
    return frame;
  };

  it('decompresses flagged v4 bodies and clears the flag', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(200), { maxLength: 4 }), (cuts) => {
        const stream = Buffer.concat([compressedFrame(), compressedFrame()]);
        const frames = decodeAll(new FrameDecoder({ compressor: lz4Compressor }), splitAt(stream, cuts));
        expect(frames.map(plain)).toEqual(
          Array(2).fill({ version: 4, isResponse: true, flags: FrameFlag.TRACING, stream: 3, opcode: 8, body }),
        );
      }),
    );
  });

  it('a compressor set later (after STARTUP) applies to the following frames', () => {
    const decoder = new FrameDecoder();
    decoder.setCompressor(lz4Compressor);
    decoder.push(compressedFrame());
    expect(decoder.next()?.body).toEqual(body);
  });

  it('flagged v4 body without a negotiated compressor → COMPRESSION', () => {
    const decoder = new FrameDecoder();
    decoder.push(compressedFrame());
    expect(codeOf(() => decoder.next())).toBe(ProtocolErrorCode.COMPRESSION);
  });

  it('v5 ignores the deprecated compression flag', () => {
    const frame = compressedFrame(5);
    const [decoded] = decodeAll(new FrameDecoder({ compressor: lz4Compressor }), [frame]);
    expect(decoded.flags & FrameFlag.COMPRESSION).toBe(FrameFlag.COMPRESSION);
    expect(decoded.body).toEqual(frame.subarray(9));
  });

  it('declared uncompressed length above maxFrameSize → FRAME_TOO_LARGE; garbage → COMPRESSION', () => {
    const big = new FrameDecoder({ maxFrameSize: 30, compressor: lz4Compressor });
    big.push(compressedFrame());
    expect(codeOf(() => big.next())).toBe(ProtocolErrorCode.FRAME_TOO_LARGE);
    const bad = new FrameDecoder({ compressor: lz4Compressor });
    bad.push(Buffer.from('840100010800000005000000ff00', 'hex'));
    expect(codeOf(() => bad.next())).toBe(ProtocolErrorCode.COMPRESSION);
  });
});
