// Frame (v5: "envelope") header, spec §2 (v4) and §2.4 (v5): 9 bytes, big-endian.
//   version(1: 0x80 = response) flags(1) stream(2, signed) opcode(1) length(4)
// Flags travel untouched: the body envelope they imply (tracing id, warnings, custom payload)
// is read by the message codecs, not here.
import { Writer } from './buffer.js';
import type { Compressor } from './compression.js';
import { FrameFlag, ProtocolVersion } from './constants.js';
import { ProtocolError, ProtocolErrorCode } from './errors.js';

/** Bytes in a frame header. */
export const FRAME_HEADER_LENGTH = 9;

/** Default maximum frame body length: 256 MiB, the spec's limit (§2.5). */
export const DEFAULT_MAX_FRAME_SIZE = 256 * 1024 * 1024;

/** Direction bit of the version byte: set on responses (spec §2.1). */
export const RESPONSE_VERSION_BIT = 0x80;

/** The fields of a frame header, for encoding. */
export interface FrameHeader {
  /** Protocol version, 4 or 5 (any 0–127 encodes, for tests that need a wrong one). */
  readonly version: number;
  /** Sets the response bit of the version byte. Default false (a request). */
  readonly isResponse?: boolean;
  /** {@link FrameFlag} bits. */
  readonly flags: number;
  /** Stream id, -32768..32767; negative ids are server-initiated (events use -1). */
  readonly stream: number;
  /** {@link Opcode} of the message in the body. */
  readonly opcode: number;
}

/** A decoded frame: header fields and the (decompressed) body. */
export interface Frame {
  /** Protocol version (response bit removed): 4 or 5. */
  version: number;
  /** Whether the version byte had the response bit. */
  isResponse: boolean;
  /** {@link FrameFlag} bits; `COMPRESSION` is cleared once a v4 body is decompressed. */
  flags: number;
  /** Signed stream id. */
  stream: number;
  /** Opcode byte; unknown values are left for the message layer to reject. */
  opcode: number;
  /** The body: often a view into the received bytes, not a copy. */
  body: Buffer;
  /**
   * v5, only from a `SegmentDecoder` with `deferFramesFrom`: the body of a large multi-segment
   * frame left unverified and compressed for the caller (e.g. a worker thread) to complete with
   * `completeDeferredFrame`; {@link body} is empty then.
   */
  deferred?: DeferredSegments;
}

/** One v5 segment payload as received: not yet checked against its CRC32, maybe compressed. */
export interface DeferredSegment {
  /** The payload bytes (compressed when {@link uncompressedLength} > 0). */
  readonly payload: Buffer;
  /** The CRC32 trailer read after the payload. */
  readonly crc32: number;
  /** Length after decompression; 0 if the payload is stored raw. */
  readonly uncompressedLength: number;
}

/** The body of a large v5 frame, to be completed elsewhere (see {@link Frame.deferred}). */
export interface DeferredSegments {
  /** Body bytes that arrived before deferring started: already verified and decompressed. */
  readonly head: Buffer;
  /** The rest of the body, segment by segment, as received. */
  readonly segments: readonly DeferredSegment[];
}

/** True for the protocol versions this codec decodes (4 and 5). */
export function isSupportedVersion(version: number): boolean {
  return version === ProtocolVersion.V4 || version === ProtocolVersion.V5;
}

function encodeError(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.ENCODE, message);
}

/**
 * Writes a 9-byte frame header at `buf[offset]`, for builders that write the body in place
 * right after it. v5 frames may not set `FrameFlag.COMPRESSION`: v5 compresses segments.
 *
 * @throws ProtocolError `ENCODE` if a field is out of range.
 */
export function writeFrameHeader(buf: Uint8Array, offset: number, header: FrameHeader, bodyLength: number): void {
  const { version, flags, stream, opcode } = header;
  if (!(version >= 0 && version <= 0x7f && (version | 0) === version)) throw encodeError(`bad protocol version ${version}`);
  if (!(flags >= 0 && flags <= 0xff && (flags | 0) === flags)) throw encodeError(`bad frame flags ${flags}`);
  if (!(stream >= -0x8000 && stream <= 0x7fff && (stream | 0) === stream)) throw encodeError(`stream id ${stream} out of range`);
  if (!(opcode >= 0 && opcode <= 0xff && (opcode | 0) === opcode)) throw encodeError(`bad opcode ${opcode}`);
  if (!(bodyLength >= 0 && bodyLength <= 0x7fffffff && Math.floor(bodyLength) === bodyLength)) {
    throw encodeError(`bad body length ${bodyLength}`);
  }
  if (version >= ProtocolVersion.V5 && (flags & FrameFlag.COMPRESSION) !== 0) {
    throw encodeError('v5 frames are never compressed individually (segments are)');
  }
  if (offset < 0 || buf.length - offset < FRAME_HEADER_LENGTH) throw encodeError('no room for the frame header');
  buf[offset] = header.isResponse === true ? version | RESPONSE_VERSION_BIT : version;
  buf[offset + 1] = flags;
  buf[offset + 2] = (stream >>> 8) & 0xff;
  buf[offset + 3] = stream & 0xff;
  buf[offset + 4] = opcode;
  buf[offset + 5] = bodyLength >>> 24;
  buf[offset + 6] = (bodyLength >>> 16) & 0xff;
  buf[offset + 7] = (bodyLength >>> 8) & 0xff;
  buf[offset + 8] = bodyLength & 0xff;
}

/** Encodes one frame: header + `body` (copied) in a new buffer. */
export function encodeFrame(header: FrameHeader, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + body.length);
  writeFrameHeader(out, 0, header, body.length);
  out.set(body, FRAME_HEADER_LENGTH);
  return out;
}

/**
 * Appends `frame` to `w` as a compressed v4 frame (native_protocol_v4.spec §2.2 flags, §5
 * compression): the header is copied with its COMPRESSION flag (0x01) set and its length field
 * set to the compressed body's length, and the body becomes an [int] (big-endian) uncompressed
 * length followed by the compressor's block, as `compressV4Body` makes it. `frame` is one
 * whole uncompressed frame, header included, as `writeRequestFrame` / `writeResponseFrame`
 * write it. When the compressor has {@link Compressor.compressInto} the block is compressed
 * straight into `w`, with no intermediate buffer.
 *
 * @param w the writer to append to; `frame` must not be a view of its unwritten space (it may
 *   be reallocated or overwritten).
 * @param frame exactly one encoded frame of protocol v4 (or an older version, for tests), not
 *   already compressed.
 * @param compressor the compressor negotiated with STARTUP's `COMPRESSION` option.
 * @returns the number of bytes appended.
 * @throws ProtocolError `ENCODE` if `frame` is not exactly one whole frame, is v5 or later (v5
 *   compresses segments, not frames) or already has the COMPRESSION flag.
 */
export function writeCompressedV4Frame(w: Writer, frame: Uint8Array, compressor: Compressor): number {
  const bodyLength = checkUncompressedV4Frame(frame);
  const body = frame.subarray(FRAME_HEADER_LENGTH);
  const start = w.offset;
  let blockLength: number;
  if (compressor.compressInto !== undefined && compressor.maxCompressedLength !== undefined) {
    // Reserve the worst case once and compress in place: the hot path of a v4 connection.
    w.ensure(FRAME_HEADER_LENGTH + 4 + compressor.maxCompressedLength(bodyLength));
    blockLength = compressor.compressInto(body, w.buf, start + FRAME_HEADER_LENGTH + 4);
  } else {
    const block = compressor.compress(body);
    blockLength = block.length;
    w.ensure(FRAME_HEADER_LENGTH + 4 + blockLength);
    w.buf.set(block, start + FRAME_HEADER_LENGTH + 4);
  }
  // Read `w.buf` only now: ensure() may have replaced it.
  const buf = w.buf;
  // version, flags (+ COMPRESSION), stream and opcode as given; then the new length.
  buf[start] = frame[0]!;
  buf[start + 1] = frame[1]! | FrameFlag.COMPRESSION;
  buf[start + 2] = frame[2]!;
  buf[start + 3] = frame[3]!;
  buf[start + 4] = frame[4]!;
  buf.writeInt32BE(4 + blockLength, start + 5);
  buf.writeInt32BE(bodyLength, start + FRAME_HEADER_LENGTH);
  const written = FRAME_HEADER_LENGTH + 4 + blockLength;
  w.offset = start + written;
  return written;
}

/**
 * One compressed v4 frame in a buffer of its own; see {@link writeCompressedV4Frame}, which
 * appends it to a writer instead (fake servers and tools; connections use that one).
 *
 * @param frame exactly one encoded, uncompressed frame of protocol v4.
 * @param compressor the compressor negotiated with STARTUP's `COMPRESSION` option.
 * @returns a view of exactly the frame's bytes.
 * @throws ProtocolError `ENCODE` as {@link writeCompressedV4Frame}.
 */
export function encodeCompressedV4Frame(frame: Uint8Array, compressor: Compressor): Buffer {
  const bodyLength = checkUncompressedV4Frame(frame);
  // A first guess of the size; writeCompressedV4Frame grows the writer when the block needs it.
  const w = new Writer(FRAME_HEADER_LENGTH + 4 + (compressor.maxCompressedLength?.(bodyLength) ?? bodyLength));
  writeCompressedV4Frame(w, frame, compressor);
  return w.finish();
}

/** The body length of `frame`, checked to be one whole uncompressed frame below v5. */
function checkUncompressedV4Frame(frame: Uint8Array): number {
  if (frame.length < FRAME_HEADER_LENGTH) throw encodeError(`${frame.length} bytes cannot hold a frame header`);
  const version = frame[0]! & 0x7f;
  if (version >= ProtocolVersion.V5) throw encodeError('v5 frames are never compressed individually (segments are)');
  if ((frame[1]! & FrameFlag.COMPRESSION) !== 0) throw encodeError('the frame is already compressed');
  const declared = ((frame[5]! << 24) | (frame[6]! << 16) | (frame[7]! << 8) | frame[8]!) >>> 0;
  const bodyLength = frame.length - FRAME_HEADER_LENGTH;
  if (declared !== bodyLength) throw encodeError(`frame header declares a ${declared}-byte body, but ${bodyLength} bytes follow it`);
  return bodyLength;
}

/**
 * Reads a frame's body length from its header at `buf[offset]` and checks its version and
 * size. Shared by the decoders; expects 9 readable bytes.
 *
 * @throws ProtocolError `VERSION` for an unsupported version, `FRAME_TOO_LARGE` for a body
 *   longer than `maxFrameSize`.
 */
export function checkFrameHeader(buf: Uint8Array, offset: number, maxFrameSize: number): number {
  const version = buf[offset] & 0x7f;
  if (!isSupportedVersion(version)) {
    throw new ProtocolError(ProtocolErrorCode.VERSION, `unsupported protocol version ${version} in frame header`);
  }
  const length = ((buf[offset + 5] << 24) | (buf[offset + 6] << 16) | (buf[offset + 7] << 8) | buf[offset + 8]) >>> 0;
  if (length > maxFrameSize) {
    const stream = ((buf[offset + 2] << 24) | (buf[offset + 3] << 16)) >> 16;
    throw new ProtocolError(ProtocolErrorCode.FRAME_TOO_LARGE, `frame body of ${length} bytes exceeds the maximum of ${maxFrameSize}`, { stream });
  }
  return length;
}

/** Builds a {@link Frame} from a checked header at `header[offset]` and its body. */
export function frameFromHeader(header: Uint8Array, offset: number, body: Buffer): Frame {
  const versionByte = header[offset];
  return {
    version: versionByte & 0x7f,
    isResponse: (versionByte & RESPONSE_VERSION_BIT) !== 0,
    flags: header[offset + 1],
    stream: ((header[offset + 2] << 24) | (header[offset + 3] << 16)) >> 16,
    opcode: header[offset + 4],
    body,
  };
}

/**
 * Decodes a buffer holding exactly one whole frame (tools and tests; streams use
 * `FrameDecoder`). The body is a view into `bytes`; compressed v4 bodies are not decompressed.
 *
 * @throws ProtocolError `TRUNCATED` / `MALFORMED` if `bytes` is not exactly one frame,
 *   `VERSION` or `FRAME_TOO_LARGE` as {@link checkFrameHeader}.
 */
export function decodeFrame(bytes: Uint8Array, maxFrameSize: number = DEFAULT_MAX_FRAME_SIZE): Frame {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < FRAME_HEADER_LENGTH) throw new ProtocolError(ProtocolErrorCode.TRUNCATED, 'truncated input while reading frame header');
  const length = checkFrameHeader(buf, 0, maxFrameSize);
  const end = FRAME_HEADER_LENGTH + length;
  if (buf.length < end) throw new ProtocolError(ProtocolErrorCode.TRUNCATED, 'truncated input while reading frame body');
  if (buf.length > end) throw new ProtocolError(ProtocolErrorCode.MALFORMED, `${buf.length - end} bytes after the frame`);
  return frameFromHeader(buf, 0, buf.subarray(FRAME_HEADER_LENGTH, end));
}
