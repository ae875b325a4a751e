import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as lz4napi from 'lz4-napi';
import { type Compressor, createLz4NapiCompressor, lz4Compressor } from '../../protocol/compression.js';
import { ProtocolError, ProtocolErrorCode } from '../../protocol/errors.js';
import { encodeFrame } from '../../protocol/frame.js';
import {
  COMPRESSED_SEGMENT_HEADER_LENGTH,
  MAX_SEGMENT_PAYLOAD_LENGTH,
  UNCOMPRESSED_SEGMENT_HEADER_LENGTH,
  encodeSegment,
  encodeSegments,
  readSegmentHeader,
  sealUncompressedSegment,
  writeCompressedSegmentHeader,
  writeUncompressedSegmentHeader,
} from '../../protocol/segment.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const READY_V5 = hex('850000010200000000');
const napi = createLz4NapiCompressor(lz4napi);
const plainLz4: Compressor = { name: 'lz4', compress: (s) => lz4Compressor.compress(s), decompress: (s, n) => lz4Compressor.decompress(s, n) };

/** Bits of a header, most significant first, split into fields as python-driver's test does. */
function headerBits(bytes: Uint8Array, compressed: boolean): string {
  const n = compressed ? 5 : 3;
  let bits = '';
  for (let i = n - 1; i >= 0; i--) bits += bytes[i].toString(2).padStart(8, '0');
  return compressed ? `${bits.slice(23, 40)}|${bits.slice(6, 23)}|${bits.slice(5, 6)}|${bits.slice(0, 5)}` : `${bits.slice(7, 24)}|${bits.slice(6, 7)}|${bits.slice(0, 6)}`;
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return (e as ProtocolError).code;
  }
  return undefined;
}

describe('segment header golden vectors (built by an independent Python encoder)', () => {
  it('uncompressed, self-contained, one READY frame', () => {
    expect(encodeSegment(READY_V5, true).toString('hex')).toBe('090002a4c8c1850000010200000000ea890152');
  });

  it('uncompressed, two frames in one self-contained payload', () => {
    const event = hex('8500ffff0c000000026162');
    expect(encodeSegments([READY_V5, event]).map((b) => b.toString('hex'))).toEqual([
      '140002adc4298500000102000000008500ffff0c00000002616204ffb9c6',
    ]);
  });

  it('compressed format storing a payload raw (uncompressed length 0) when LZ4 does not shrink it', () => {
    expect(encodeSegment(READY_V5, true, lz4Compressor).toString('hex')).toBe('0900000004c2b895850000010200000000ea890152');
  });

  it('a 29-byte frame sliced in two non-self-contained segments', () => {
    const frame = Buffer.concat([hex('850000020800000014'), Buffer.alloc(20, 0x61)]);
    expect(encodeSegments([frame], { maxPayloadLength: 15 }).map((b) => b.toString('hex'))).toEqual([
      '0f0000e2169e850000020800000014616161616161ed5ce980',
      '0e0000fa76f66161616161616161616161616161dcab7230',
    ]);
  });

  it('field bit positions match the spec diagrams (python-driver header_to_bits)', () => {
    const h = Buffer.alloc(8);
    writeUncompressedSegmentHeader(h, 0, 50, true);
    expect(headerBits(h, false)).toBe('00000000000110010|1|000000');
    writeUncompressedSegmentHeader(h, 0, MAX_SEGMENT_PAYLOAD_LENGTH, false);
    expect(headerBits(h, false)).toBe('11111111111111111|0|000000');
    writeCompressedSegmentHeader(h, 0, 20, 50, true);
    expect(headerBits(h, true)).toBe('00000000000010100|00000000000110010|1|00000');
    writeCompressedSegmentHeader(h, 0, MAX_SEGMENT_PAYLOAD_LENGTH, MAX_SEGMENT_PAYLOAD_LENGTH, false);
    expect(headerBits(h, true)).toBe('11111111111111111|11111111111111111|0|00000');
    // CRC24 of the 5 header bytes, from Cassandra's Crc.crc24 on a JVM
    writeCompressedSegmentHeader(h, 0, 20, 50, true);
    expect(h.readUIntLE(5, 3)).toBe(0x36e7cf);
  });
});

describe('readSegmentHeader', () => {
  it('round trips every field in both formats', () => {
    const len = fc.integer({ min: 0, max: MAX_SEGMENT_PAYLOAD_LENGTH });
    fc.assert(
      fc.property(len, len, fc.boolean(), fc.nat(3), (a, b, selfContained, offset) => {
        const buf = Buffer.alloc(16);
        writeUncompressedSegmentHeader(buf, offset, a, selfContained);
        expect(readSegmentHeader(buf, offset, false)).toEqual({ payloadLength: a, uncompressedLength: 0, selfContained });
        writeCompressedSegmentHeader(buf, offset, a, b, selfContained);
        expect(readSegmentHeader(buf, offset, true)).toEqual({ payloadLength: a, uncompressedLength: b, selfContained });
      }),
    );
  });

  it('any single-bit flip in a header is a CHECKSUM error', () => {
    for (const compressed of [false, true]) {
      const n = compressed ? COMPRESSED_SEGMENT_HEADER_LENGTH : UNCOMPRESSED_SEGMENT_HEADER_LENGTH;
      const buf = Buffer.alloc(n);
      if (compressed) writeCompressedSegmentHeader(buf, 0, 1234, 99999, true);
      else writeUncompressedSegmentHeader(buf, 0, 1234, true);
      for (let bit = 0; bit < n * 8; bit++) {
        const copy = Buffer.from(buf);
        copy[bit >> 3] ^= 1 << (bit & 7);
        expect(code(() => readSegmentHeader(copy, 0, compressed))).toBe(ProtocolErrorCode.CHECKSUM);
      }
    }
  });

  it('writers refuse lengths that do not fit 17 bits', () => {
    const buf = Buffer.alloc(8);
    expect(code(() => writeUncompressedSegmentHeader(buf, 0, MAX_SEGMENT_PAYLOAD_LENGTH + 1, true))).toBe(ProtocolErrorCode.ENCODE);
    expect(code(() => writeCompressedSegmentHeader(buf, 0, 1, -1, true))).toBe(ProtocolErrorCode.ENCODE);
    expect(code(() => encodeSegment(Buffer.alloc(MAX_SEGMENT_PAYLOAD_LENGTH + 1), true))).toBe(ProtocolErrorCode.ENCODE);
  });
});

describe('encodeSegment / sealUncompressedSegment', () => {
  it('sealing in place produces the same bytes as encodeSegment', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (payload, selfContained) => {
        const buf = Buffer.alloc(6 + payload.length + 4 + 3, 0xee);
        buf.set(payload, 6);
        expect(sealUncompressedSegment(buf, 0, payload.length, selfContained)).toBe(payload.length + 10);
        expect(buf.subarray(0, payload.length + 10)).toEqual(encodeSegment(payload, selfContained));
        expect(buf.subarray(payload.length + 10)).toEqual(Buffer.alloc(3, 0xee));
      }),
    );
    expect(code(() => sealUncompressedSegment(Buffer.alloc(12), 0, 3, true))).toBe(ProtocolErrorCode.ENCODE);
  });

  it('compresses when it helps; every compressor yields the same decodable layout', () => {
    const payload = Buffer.concat(Array.from({ length: 200 }, () => READY_V5));
    for (const c of [lz4Compressor, napi, plainLz4]) {
      const seg = encodeSegment(payload, true, c);
      const header = readSegmentHeader(seg, 0, true);
      expect(header.uncompressedLength).toBe(payload.length);
      expect(header.payloadLength).toBeLessThan(payload.length / 10);
      expect(seg.length).toBe(8 + header.payloadLength + 4);
      expect(lz4Compressor.decompress(seg.subarray(8, 8 + header.payloadLength), payload.length)).toEqual(payload);
    }
  });
});

describe('encodeSegments packing', () => {
  const frameOf = (bodyLength: number): Buffer => encodeFrame({ version: 5, flags: 0, stream: 0, opcode: 7 }, Buffer.alloc(bodyLength, 1));

  it('packs whole frames into self-contained segments up to the maximum', () => {
    const frames = [frameOf(41), frameOf(41), frameOf(41), frameOf(1)]; // 50, 50, 50, 10 bytes
    const segments = encodeSegments(frames, { maxPayloadLength: 100 });
    expect(segments.map((s) => readSegmentHeader(s, 0, false))).toEqual([
      { payloadLength: 100, uncompressedLength: 0, selfContained: true },
      { payloadLength: 60, uncompressedLength: 0, selfContained: true },
    ]);
  });

  it('slices a frame larger than the maximum into non-self-contained segments of its own', () => {
    const frames = [frameOf(1), frameOf(291), frameOf(1)]; // 10, 300, 10
    const headers = encodeSegments(frames, { maxPayloadLength: 100 }).map((s) => readSegmentHeader(s, 0, false));
    expect(headers).toEqual([
      { payloadLength: 10, uncompressedLength: 0, selfContained: true },
      { payloadLength: 100, uncompressedLength: 0, selfContained: false },
      { payloadLength: 100, uncompressedLength: 0, selfContained: false },
      { payloadLength: 100, uncompressedLength: 0, selfContained: false },
      { payloadLength: 10, uncompressedLength: 0, selfContained: true },
    ]);
  });

  it('a 300 KiB frame at the default maximum takes three segments', () => {
    const headers = encodeSegments([frameOf(300 * 1024 - 9)]).map((s) => readSegmentHeader(s, 0, false));
    expect(headers.map((h) => h.payloadLength)).toEqual([131071, 131071, 300 * 1024 - 2 * 131071]);
    expect(headers.every((h) => !h.selfContained)).toBe(true);
  });

  it('one payload of concatenated frames is cut at frame boundaries', () => {
    const frames = [frameOf(41), frameOf(41), frameOf(291), frameOf(41)];
    const joined = Buffer.concat(frames);
    const a = encodeSegments(joined, { maxPayloadLength: 100 });
    const b = encodeSegments(frames, { maxPayloadLength: 100 });
    expect(a).toEqual(b);
    expect(encodeSegments(Buffer.alloc(0))).toEqual([]);
    expect(encodeSegments([])).toEqual([]);
    expect(code(() => encodeSegments(joined.subarray(0, joined.length - 1), { maxPayloadLength: 100 }))).toBe(ProtocolErrorCode.ENCODE);
    expect(code(() => encodeSegments(joined, { maxPayloadLength: 0 }))).toBe(ProtocolErrorCode.ENCODE);
  });
});
