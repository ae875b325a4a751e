// writeCompressedV4Frame / encodeCompressedV4Frame: the codec builds compressed v4 frames
// (native_protocol_v4.spec §2.2 COMPRESSION flag 0x01, §5 body = [int] uncompressed length +
// LZ4 block), so no caller patches header bytes by hand. Checked by decoding the output again,
// whole, split at random points and byte by byte, with every kind of compressor.
import fc from 'fast-check';
import * as lz4napi from 'lz4-napi';
import { describe, expect, it } from 'vitest';
import {
  FrameDecoder,
  FrameFlag,
  Opcode,
  ProtocolError,
  ProtocolErrorCode,
  Writer,
  compressV4Body,
  createLz4NapiCompressor,
  decodeFrame,
  decompressV4Body,
  encodeCompressedV4Frame,
  encodeFrame,
  lz4Compressor,
  writeCompressedV4Frame,
  writeRequestFrame,
  type Compressor,
  type Frame,
  type FrameHeader,
} from '../../protocol/index.js';

/** lz4-napi has no compressInto: the codec takes the copy-the-block path with it. */
const napi = createLz4NapiCompressor(lz4napi);
/** Only the required methods, to cover the fallback without a native module. */
const plainLz4: Compressor = { name: 'lz4', compress: (s) => lz4Compressor.compress(s), decompress: (s, n) => lz4Compressor.decompress(s, n) };
const compressors: readonly [string, Compressor][] = [
  ['TypeScript lz4 (compressInto)', lz4Compressor],
  ['lz4-napi', napi],
  ['compress() only', plainLz4],
];

interface Spec extends FrameHeader {
  readonly body: Uint8Array;
}

const bodyArb = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  // Compressible bodies, so blocks are much shorter than the input too.
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 200 })).map(([unit, n]) => new Uint8Array(Buffer.concat(Array.from({ length: n }, () => unit)))),
);
const specArb: fc.Arbitrary<Spec> = fc.record({
  version: fc.constant(4),
  isResponse: fc.boolean(),
  flags: fc.nat(255).map((f) => f & ~FrameFlag.COMPRESSION),
  stream: fc.integer({ min: -32768, max: 32767 }),
  opcode: fc.nat(255),
  body: bodyArb,
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

function decodeAll(compressor: Compressor, chunks: readonly Buffer[]): Frame[] {
  const decoder = new FrameDecoder({ compressor });
  const frames: Frame[] = [];
  for (const chunk of chunks) {
    decoder.push(chunk);
    for (let f = decoder.next(); f !== null; f = decoder.next()) frames.push(f);
  }
  return frames;
}

const fields = (f: Frame | Spec) => ({ isResponse: f.isResponse ?? false, flags: f.flags, stream: f.stream, opcode: f.opcode, body: Buffer.from(f.body).toString('hex') });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return (e as ProtocolError).code;
  }
  return undefined;
}

describe.each(compressors)('compressed v4 frames with %s', (_name, compressor) => {
  it('decode back to the frame they were made from: whole, split anywhere, byte by byte', () => {
    fc.assert(
      fc.property(fc.array(specArb, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(4000), { maxLength: 10 }), (specs, cuts) => {
        const stream = Buffer.concat(specs.map((s) => encodeCompressedV4Frame(encodeFrame(s, s.body), compressor)));
        const expected = specs.map(fields);
        expect(decodeAll(compressor, [stream]).map(fields)).toEqual(expected);
        expect(decodeAll(compressor, splitAt(stream, cuts)).map(fields)).toEqual(expected);
      }),
      { numRuns: 150 },
    );
    const spec = { version: 4, isResponse: true, flags: FrameFlag.TRACING, stream: -1, opcode: Opcode.RESULT, body: Buffer.from('rows '.repeat(50)) };
    const bytes = encodeCompressedV4Frame(encodeFrame(spec, spec.body), compressor);
    const oneByOne = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    expect(decodeAll(compressor, oneByOne).map(fields)).toEqual([fields(spec)]);
  });

  it('lay out the bytes the spec asks for: flag 0x01, compressed length, [int] uncompressed length', () => {
    fc.assert(
      fc.property(specArb, (s) => {
        const frame = encodeFrame(s, s.body);
        const out = encodeCompressedV4Frame(frame, compressor);
        expect(out.subarray(0, 5).toString('hex')).toBe(Buffer.from([frame[0]!, frame[1]! | 0x01, frame[2]!, frame[3]!, frame[4]!]).toString('hex'));
        expect(out.readInt32BE(5)).toBe(out.length - 9);
        expect(out.readInt32BE(9)).toBe(s.body.length);
        // The same bytes as a frame built from compressV4Body (a deterministic compressor).
        expect(out.toString('hex')).toBe(encodeFrame({ ...s, flags: s.flags | FrameFlag.COMPRESSION }, compressV4Body(compressor, s.body)).toString('hex'));
        const decoded = decodeFrame(out);
        expect(Buffer.from(decompressV4Body(compressor, decoded.body, 1 << 20)).toString('hex')).toBe(Buffer.from(s.body).toString('hex'));
      }),
      { numRuns: 100 },
    );
  });

  it('append to a writer after what it holds, growing it as needed, and report the bytes written', () => {
    const w = new Writer(1);
    w.raw(Buffer.from('prefix'));
    const frames = [
      { version: 4, flags: 0, stream: 1, opcode: Opcode.QUERY, body: Buffer.from('SELECT * FROM t WHERE k = ? '.repeat(20)) },
      { version: 4, flags: FrameFlag.CUSTOM_PAYLOAD, stream: 2, opcode: Opcode.OPTIONS, body: Buffer.alloc(0) },
      { version: 4, flags: 0, stream: 3, opcode: Opcode.EXECUTE, body: Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff)) },
    ];
    const sizes = frames.map((f) => writeCompressedV4Frame(w, encodeFrame(f, f.body), compressor));
    const bytes = w.finish();
    expect(bytes.subarray(0, 6).toString()).toBe('prefix');
    expect(sizes.reduce((a, b) => a + b, 6)).toBe(bytes.length);
    expect(decodeAll(compressor, [bytes.subarray(6)]).map(fields)).toEqual(frames.map(fields));
  });

  it('compress a request frame as the connection writes it (header, envelope and body)', () => {
    const plain = new Writer();
    writeRequestFrame(plain, 4, 7, { opcode: Opcode.QUERY, query: 'SELECT release_version FROM system.local', params: { consistency: 1 } }, { tracing: true });
    const w = new Writer();
    writeCompressedV4Frame(w, plain.finish(), compressor);
    const [frame] = decodeAll(compressor, [w.finish()]);
    expect(fields(frame!)).toEqual(fields(decodeFrame(plain.finish())));
  });
});

describe('compressed v4 frames: refused input', () => {
  const header = { version: 4, flags: 0, stream: 1, opcode: Opcode.QUERY };
  const body = Buffer.from('body');

  it('a v5 frame → ENCODE (v5 compresses segments, not frames)', () => {
    expect(codeOf(() => encodeCompressedV4Frame(encodeFrame({ ...header, version: 5 }, body), lz4Compressor))).toBe(ProtocolErrorCode.ENCODE);
  });

  it('a frame already flagged COMPRESSION → ENCODE', () => {
    expect(codeOf(() => encodeCompressedV4Frame(encodeFrame({ ...header, flags: FrameFlag.COMPRESSION }, body), lz4Compressor))).toBe(ProtocolErrorCode.ENCODE);
  });

  it('not exactly one frame (short header, missing or extra body bytes) → ENCODE, and the writer is untouched', () => {
    const frame = encodeFrame(header, body);
    for (const bad of [frame.subarray(0, 8), frame.subarray(0, frame.length - 1), Buffer.concat([frame, Buffer.from([0])])]) {
      const w = new Writer(4);
      w.raw(Buffer.from('ab'));
      expect(codeOf(() => writeCompressedV4Frame(w, bad, lz4Compressor))).toBe(ProtocolErrorCode.ENCODE);
      expect(w.finish().toString()).toBe('ab');
    }
  });
});
