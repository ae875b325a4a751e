// Compression codecs behind one interface. protocol/ never loads a module itself: the driver
// loads lz4-napi (if installed) and hands it to createLz4NapiCompressor.
import { ProtocolError, ProtocolErrorCode } from './errors.js';
import { lz4Compress, lz4CompressBound, lz4CompressInto, lz4Decompress, lz4MaxDecompressedLength } from './lz4.js';

/**
 * A block compressor negotiated with STARTUP's `COMPRESSION` option. v4 compresses each frame
 * body ({@link compressV4Body}); v5 compresses each segment payload (see segment.ts).
 */
export interface Compressor {
  /** The STARTUP `COMPRESSION` value. */
  readonly name: 'lz4';
  /** Compresses `src` as one raw block (no length prefix). */
  compress(src: Uint8Array): Buffer;
  /**
   * Decompresses one raw block that must expand to exactly `uncompressedLength` bytes.
   * Callers check `uncompressedLength` against their own maximum first.
   * @throws ProtocolError `COMPRESSION` if the block is malformed.
   */
  decompress(src: Uint8Array, uncompressedLength: number): Buffer;
  /** Worst-case compressed size of `length` bytes; present together with {@link compressInto}. */
  maxCompressedLength?(length: number): number;
  /**
   * Compresses `src` into `dst` at `dstOffset` (which has {@link maxCompressedLength} bytes
   * free) and returns the bytes written: lets encoders compress straight into the outgoing
   * buffer without an intermediate copy.
   */
  compressInto?(src: Uint8Array, dst: Uint8Array, dstOffset: number): number;
}

/** The pure-TypeScript LZ4 block codec; always available. */
export const lz4Compressor: Compressor = Object.freeze({
  name: 'lz4' as const,
  compress: lz4Compress,
  decompress: lz4Decompress,
  maxCompressedLength: lz4CompressBound,
  compressInto: lz4CompressInto,
});

/** The part of the npm `lz4-napi` module this codec uses (`require('lz4-napi')`). */
export interface Lz4NapiModule {
  /** Compresses to a 4-byte little-endian uncompressed length followed by a raw LZ4 block. */
  compressSync(data: Buffer): Buffer;
  /** Inverse of `compressSync`: expects the same 4-byte little-endian length prefix. */
  uncompressSync(data: Buffer): Buffer;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * An LZ4 {@link Compressor} backed by the native `lz4-napi` module, byte-compatible with
 * {@link lz4Compressor}. lz4-napi frames its blocks with a 4-byte little-endian length; this
 * adapter strips it on compress and adds it on decompress (one copy of the compressed bytes).
 *
 * @param mod the loaded `lz4-napi` module.
 */
export function createLz4NapiCompressor(mod: Lz4NapiModule): Compressor {
  return Object.freeze({
    name: 'lz4' as const,
    compress(src: Uint8Array): Buffer {
      return mod.compressSync(asBuffer(src)).subarray(4);
    },
    decompress(src: Uint8Array, uncompressedLength: number): Buffer {
      if (
        !Number.isSafeInteger(uncompressedLength) ||
        uncompressedLength < 0 ||
        uncompressedLength > 0xffffffff ||
        uncompressedLength > lz4MaxDecompressedLength(src.length)
      ) {
        throw new ProtocolError(ProtocolErrorCode.COMPRESSION, `${src.length} LZ4 bytes cannot decompress to ${uncompressedLength}`);
      }
      const prefixed = Buffer.allocUnsafe(4 + src.length);
      prefixed.writeUInt32LE(uncompressedLength, 0);
      prefixed.set(src, 4);
      let out: Buffer;
      try {
        out = mod.uncompressSync(prefixed);
      } catch (cause) {
        throw new ProtocolError(ProtocolErrorCode.COMPRESSION, 'invalid LZ4 block', { cause });
      }
      if (out.length !== uncompressedLength) {
        throw new ProtocolError(ProtocolErrorCode.COMPRESSION, `LZ4 block decompressed to ${out.length} bytes, expected ${uncompressedLength}`);
      }
      return out;
    },
  });
}

/**
 * Compresses a v4 frame body as the v4 spec (§5) requires for LZ4: an [int] (big-endian)
 * uncompressed length followed by the compressed block. Set `FrameFlag.COMPRESSION` on the
 * frame that carries it.
 */
export function compressV4Body(compressor: Compressor, body: Uint8Array): Buffer {
  if (compressor.compressInto !== undefined && compressor.maxCompressedLength !== undefined) {
    const out = Buffer.allocUnsafe(4 + compressor.maxCompressedLength(body.length));
    out.writeInt32BE(body.length, 0);
    return out.subarray(0, 4 + compressor.compressInto(body, out, 4));
  }
  const block = compressor.compress(body);
  const out = Buffer.allocUnsafe(4 + block.length);
  out.writeInt32BE(body.length, 0);
  out.set(block, 4);
  return out;
}

/**
 * Decompresses a v4 frame body made by {@link compressV4Body} (or a server).
 *
 * @param maxUncompressedLength the largest body accepted (the decoder's maximum frame size).
 * @throws ProtocolError `FRAME_TOO_LARGE` if the declared length exceeds the maximum (checked
 *   before allocating), `COMPRESSION` if the body is malformed.
 */
export function decompressV4Body(compressor: Compressor, body: Uint8Array, maxUncompressedLength: number): Buffer {
  if (body.length < 4) {
    throw new ProtocolError(ProtocolErrorCode.COMPRESSION, `compressed body of ${body.length} bytes has no length prefix`);
  }
  const length = ((body[0] << 24) | (body[1] << 16) | (body[2] << 8) | body[3]) >>> 0;
  if (length > 0x7fffffff) {
    throw new ProtocolError(ProtocolErrorCode.COMPRESSION, `negative uncompressed length ${length | 0}`);
  }
  if (length > maxUncompressedLength) {
    throw new ProtocolError(
      ProtocolErrorCode.FRAME_TOO_LARGE,
      `compressed body declares ${length} bytes, more than the maximum of ${maxUncompressedLength}`,
    );
  }
  return compressor.decompress(body.subarray(4), length);
}
