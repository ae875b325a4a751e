// Compression codecs behind one interface. protocol/ never loads a module itself: the driver
// loads lz4-napi (if installed) and hands it to createLz4NapiCompressor.
import { ProtocolError, ProtocolErrorCode } from './errors.js';
import { lz4Compress, lz4CompressBound, lz4CompressInto, lz4Decompress, lz4DecompressInto, lz4MaxDecompressedLength } from './lz4.js';

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
  /**
   * Decompresses one raw block into `dst` at `dstOffset`, which has `uncompressedLength` bytes
   * free; same checks and errors as {@link decompress}. Lets a decoder write a segment straight
   * into the buffer its frame is joined in. Optional: see {@link decompressInto}.
   */
  decompressInto?(src: Uint8Array, uncompressedLength: number, dst: Uint8Array, dstOffset: number): void;
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
  decompressInto(src: Uint8Array, uncompressedLength: number, dst: Uint8Array, dstOffset: number): void {
    lz4DecompressInto(src, dst, dstOffset, uncompressedLength);
  },
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
 * Blocks that expand at least this many times are decoded by the TypeScript codec even when
 * lz4-napi is loaded. Such a block is a few long matches and literal runs, which the TypeScript
 * decoder copies natively (`copyWithin`/`set`) straight into the destination, while each napi
 * call pays a fixed cost (a prefixed copy of the input, a fresh output buffer, then a copy of
 * it). Measured by bench/offload/lz4.ts (5 MB of text in 128 KiB blocks): the TypeScript
 * decoder takes 0.13× napi's time at 158× expansion, 0.5× at 75×, par at ~23×, 1.1× at 12×,
 * and 3–6× from 6× down (many short sequences).
 */
export const LZ4_TS_MIN_EXPANSION = 24;

/**
 * An LZ4 {@link Compressor} backed by the native `lz4-napi` module, byte-compatible with
 * {@link lz4Compressor}. lz4-napi frames its blocks with a 4-byte little-endian length; this
 * adapter strips it on compress and adds it on decompress (one copy of the compressed bytes).
 * Blocks that expand {@link LZ4_TS_MIN_EXPANSION} times or more are decompressed by the
 * TypeScript codec, which is faster for them.
 *
 * @param mod the loaded `lz4-napi` module.
 */
export function createLz4NapiCompressor(mod: Lz4NapiModule): Compressor {
  const napiDecompress = (src: Uint8Array, uncompressedLength: number): Buffer => {
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
  };
  return Object.freeze({
    name: 'lz4' as const,
    compress(src: Uint8Array): Buffer {
      return mod.compressSync(asBuffer(src)).subarray(4);
    },
    decompress(src: Uint8Array, uncompressedLength: number): Buffer {
      if (uncompressedLength >= src.length * LZ4_TS_MIN_EXPANSION) return lz4Decompress(src, uncompressedLength);
      return napiDecompress(src, uncompressedLength);
    },
    decompressInto(src: Uint8Array, uncompressedLength: number, dst: Uint8Array, dstOffset: number): void {
      if (uncompressedLength >= src.length * LZ4_TS_MIN_EXPANSION) lz4DecompressInto(src, dst, dstOffset, uncompressedLength);
      else copyInto(napiDecompress(src, uncompressedLength), dst, dstOffset);
    },
  });
}

/**
 * Decompresses one block into `dst` at `dstOffset` with the compressor's
 * {@link Compressor.decompressInto} when it has one, else by {@link Compressor.decompress} and a copy.
 */
export function decompressInto(compressor: Compressor, src: Uint8Array, uncompressedLength: number, dst: Uint8Array, dstOffset: number): void {
  if (compressor.decompressInto !== undefined) compressor.decompressInto(src, uncompressedLength, dst, dstOffset);
  else copyInto(compressor.decompress(src, uncompressedLength), dst, dstOffset);
}

/** A decompressed block copied into `dst` at `dstOffset`, which must have room for it. */
function copyInto(block: Buffer, dst: Uint8Array, dstOffset: number): void {
  if (!Number.isSafeInteger(dstOffset) || dstOffset < 0 || dstOffset + block.length > dst.length) {
    throw new ProtocolError(ProtocolErrorCode.COMPRESSION, 'output buffer too small');
  }
  dst.set(block, dstOffset);
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
 * @param allocate returns the buffer to inflate into, of exactly the length asked (e.g. a view
 *   of a recycled buffer); by default the compressor's own.
 * @throws ProtocolError `FRAME_TOO_LARGE` if the declared length exceeds the maximum (checked
 *   before allocating), `COMPRESSION` if the body is malformed.
 */
export function decompressV4Body(compressor: Compressor, body: Uint8Array, maxUncompressedLength: number, allocate?: (length: number) => Buffer): Buffer {
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
  if (allocate === undefined) return compressor.decompress(body.subarray(4), length);
  if (length > lz4MaxDecompressedLength(body.length - 4)) {
    throw new ProtocolError(ProtocolErrorCode.COMPRESSION, `${body.length - 4} LZ4 bytes cannot decompress to ${length}`);
  }
  const out = allocate(length);
  if (out.length !== length) throw new RangeError(`allocate(${length}) returned ${out.length} bytes`);
  decompressInto(compressor, body.subarray(4), length, out, 0);
  return out;
}
