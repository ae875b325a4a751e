// FrameDecoder `deferDecompressionFrom`: v4 bodies whose compressed size reaches the threshold
// come out still compressed (flag kept) for a worker; smaller ones are decompressed as before.
// SegmentDecoder `deferFramesFrom`: large multi-segment v5 frames come out with their segments
// unverified in `frame.deferred`; completeDeferredFrame checks and joins them.
import { describe, expect, test } from 'vitest';
import { FrameDecoder, FrameFlag, Opcode, ProtocolError, SegmentDecoder, completeDeferredFrame, compressV4Body, decompressV4Body, encodeFrame, encodeSegments, lz4Compressor, verifyUncompressedDeferred, type Compressor, type Frame } from '../../protocol/index.js';

function compressedFrame(stream: number, body: Buffer): Buffer {
  return encodeFrame({ version: 4, isResponse: true, flags: FrameFlag.COMPRESSION, stream, opcode: Opcode.RESULT }, compressV4Body(lz4Compressor, body));
}

function decodeAll(bytes: Buffer, threshold: number, split: number): Frame[] {
  const d = new FrameDecoder({ compressor: lz4Compressor, deferDecompressionFrom: threshold });
  const out: Frame[] = [];
  for (let i = 0; i < bytes.length; i += split) {
    d.push(bytes.subarray(i, i + split));
    let f: Frame | null;
    while ((f = d.next()) !== null) out.push(f);
  }
  return out;
}

describe('FrameDecoder deferDecompressionFrom', () => {
  const small = Buffer.from('small body '.repeat(3));
  const large = Buffer.from(Array.from({ length: 5000 }, (_, i) => `row ${i};`).join(''));
  const stream = Buffer.concat([compressedFrame(1, small), compressedFrame(2, large), compressedFrame(3, small)]);
  const threshold = compressV4Body(lz4Compressor, large).length; // exactly the large body's compressed size

  test.each([stream.length, 1, 7, 4096])('whole / split every %i bytes: only the large body stays compressed', (split) => {
    const frames = decodeAll(stream, threshold, split);
    expect(frames.map((f) => f.stream)).toEqual([1, 2, 3]);
    expect(frames[0]!.flags & FrameFlag.COMPRESSION).toBe(0);
    expect(frames[0]!.body.equals(small)).toBe(true);
    expect(frames[2]!.body.equals(small)).toBe(true);
    const deferred = frames[1]!;
    expect(deferred.flags & FrameFlag.COMPRESSION).toBe(FrameFlag.COMPRESSION);
    expect(deferred.body.length).toBe(threshold);
    expect(decompressV4Body(lz4Compressor, deferred.body, 1 << 20).equals(large)).toBe(true);
  });

  test('one byte over the compressed size: everything is decompressed (default behaviour)', () => {
    const frames = decodeAll(stream, threshold + 1, stream.length);
    expect(frames.every((f) => (f.flags & FrameFlag.COMPRESSION) === 0)).toBe(true);
    expect(frames[1]!.body.equals(large)).toBe(true);
  });
});

describe('SegmentDecoder deferFramesFrom', () => {
  const large = Buffer.from(Array.from({ length: 40_000 }, (_, i) => `row ${i};`).join('')); // ~350 KB: 3 segments
  const small = Buffer.from('tiny');
  const frame = (stream: number, body: Buffer): Buffer => encodeFrame({ version: 5, isResponse: true, flags: 0, stream, opcode: Opcode.RESULT }, body);

  function wire(compressor: Compressor | undefined): Buffer {
    // The large frame alone (multi-segment), then two small frames in one self-contained segment.
    return Buffer.concat([...encodeSegments(frame(1, large), { compressor }), ...encodeSegments([frame(2, small), frame(3, small)], { compressor })]);
  }

  function decodeAll(bytes: Buffer, compressor: Compressor | undefined, deferFramesFrom: number | undefined, split: number): Frame[] {
    const d = new SegmentDecoder({ compressor, deferFramesFrom });
    const out: Frame[] = [];
    for (let i = 0; i < bytes.length; i += split) {
      d.push(bytes.subarray(i, i + split));
      let f: Frame | null;
      while ((f = d.next()) !== null) out.push(f);
    }
    expect(d.isIdle).toBe(true);
    return out;
  }

  test.each([
    ['none', undefined, 65_536],
    ['lz4', lz4Compressor, 65_536],
    ['none', undefined, 1],
    ['lz4', lz4Compressor, 977],
  ] as const)('%s, split every %#: the large frame is deferred and completes to the same body; small frames as before', (_name, compressor, split) => {
    const bytes = wire(compressor);
    const frames = decodeAll(bytes, compressor, 100_000, split);
    expect(frames.map((f) => f.stream)).toEqual([1, 2, 3]);
    const big = frames[0]!;
    expect(big.body.length).toBe(0);
    expect(big.deferred).toBeDefined();
    expect(big.deferred!.segments.length).toBeGreaterThanOrEqual(2);
    expect(completeDeferredFrame(big.deferred!, compressor).equals(large)).toBe(true);
    expect(frames[1]!.deferred).toBeUndefined();
    expect(frames[1]!.body.equals(small)).toBe(true);
    // Without the option: the same frames, decoded here.
    const plain = decodeAll(bytes, compressor, undefined, 65_536);
    expect(plain[0]!.deferred).toBeUndefined();
    expect(plain[0]!.body.equals(large)).toBe(true);
  });

  test('with compression the threshold applies to the size on the wire: a large frame that compresses well is not deferred', () => {
    const repetitive = Buffer.alloc(350_000, 'lorem ipsum ');
    const bytes = Buffer.concat(encodeSegments(frame(1, repetitive), { compressor: lz4Compressor }));
    expect(bytes.length).toBeLessThan(5_000);
    const kept = decodeAll(bytes, lz4Compressor, 100_000, 4096)[0]!;
    expect(kept.deferred).toBeUndefined();
    expect(kept.body.equals(repetitive)).toBe(true);
    // Below its wire size, or without compression, the same frame is deferred.
    expect(decodeAll(bytes, lz4Compressor, 1_000, 4096)[0]!.deferred).toBeDefined();
    expect(decodeAll(Buffer.concat(encodeSegments(frame(1, repetitive))), undefined, 100_000, 4096)[0]!.deferred).toBeDefined();
  });

  test('a frame below the threshold is not deferred', () => {
    const frames = decodeAll(wire(undefined), undefined, large.length + 10, 4096);
    expect(frames[0]!.deferred).toBeUndefined();
    expect(frames[0]!.body.equals(large)).toBe(true);
  });

  test('verifyUncompressedDeferred: uncompressed segments checked in place (head + payloads are the body), a corrupted one → CHECKSUM; compressed ones left to completeDeferredFrame', () => {
    const plain = decodeAll(Buffer.concat(encodeSegments(frame(1, large))), undefined, 100_000, 8192)[0]!.deferred!;
    expect(verifyUncompressedDeferred(plain)).toBe(true);
    expect(Buffer.concat([plain.head, ...plain.segments.map((s) => s.payload)]).equals(large)).toBe(true);

    const segments = encodeSegments(frame(1, large));
    const last = Buffer.from(segments[segments.length - 1]!);
    last[10] ^= 0x40; // a payload byte (the 6-byte header and its CRC24 intact)
    segments[segments.length - 1] = last;
    const corrupt = decodeAll(Buffer.concat(segments), undefined, 100_000, 8192)[0]!.deferred!;
    expect(() => verifyUncompressedDeferred(corrupt)).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL_CHECKSUM' }));

    const compressed = decodeAll(Buffer.concat(encodeSegments(frame(1, large), { compressor: lz4Compressor })), lz4Compressor, 100_000, 8192)[0]!.deferred!;
    expect(verifyUncompressedDeferred(compressed)).toBe(false);
  });

  test('a corrupted deferred segment fails completeDeferredFrame with CHECKSUM (the decoder itself goes on)', () => {
    const segments = encodeSegments(frame(1, large), { compressor: lz4Compressor });
    const last = Buffer.from(segments[segments.length - 1]!);
    last[10] ^= 0x40; // a payload byte of the last segment (header is 8 bytes, its CRC24 intact)
    segments[segments.length - 1] = last;
    const bytes = Buffer.concat([...segments, ...encodeSegments([frame(2, small)], { compressor: lz4Compressor })]);
    const frames = decodeAll(bytes, lz4Compressor, 100_000, 8192);
    expect(frames.map((f) => f.stream)).toEqual([1, 2]);
    let err: unknown;
    try {
      completeDeferredFrame(frames[0]!.deferred!, lz4Compressor);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe('ERR_PROTOCOL_CHECKSUM');
  });
});
