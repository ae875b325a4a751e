// FrameDecoder `deferDecompressionFrom`: v4 bodies whose compressed size reaches the threshold
// come out still compressed (flag kept) for a worker; smaller ones are decompressed as before.
import { describe, expect, test } from 'vitest';
import { FrameDecoder, FrameFlag, Opcode, compressV4Body, decompressV4Body, encodeFrame, lz4Compressor, type Frame } from '../../protocol/index.js';

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
