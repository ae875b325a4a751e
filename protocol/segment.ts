// v5 outer framing (native_protocol_v5.spec §2.1, §2.2; Cassandra's FrameEncoderCrc /
// FrameEncoderLZ4). The spec calls these "frames" and the CQL frames inside "envelopes"; here
// they are "segments" and "frames". All integers little-endian.
//
// Uncompressed header, 6 bytes: 24-bit LE word = payloadLength (17 bits) | selfContained << 17
//   (6 padding bits), then CRC24 of those 3 bytes (3 bytes LE).
// Compressed header, 8 bytes: 40-bit LE word = compressedLength (17) | uncompressedLength << 17
//   | selfContained << 34 (5 padding bits), then CRC24 of those 5 bytes (3 bytes LE).
//   uncompressedLength 0 means the payload is stored raw.
// Then the payload, then CRC32 (Cassandra-seeded) of the payload as sent, 4 bytes LE.
import type { Compressor } from './compression.js';
import { crc24, segmentCrc32 } from './crc.js';
import { ProtocolError, ProtocolErrorCode } from './errors.js';
import { FRAME_HEADER_LENGTH } from './frame.js';

/** Largest segment payload: 128 KiB - 1 (17-bit length). */
export const MAX_SEGMENT_PAYLOAD_LENGTH = 0x1ffff;
/** Header bytes of a segment without compression. */
export const UNCOMPRESSED_SEGMENT_HEADER_LENGTH = 6;
/** Header bytes of a segment when compression is negotiated. */
export const COMPRESSED_SEGMENT_HEADER_LENGTH = 8;
/** The CRC32 trailer after every payload. */
export const SEGMENT_TRAILER_LENGTH = 4;

/** A decoded segment header. */
export interface SegmentHeader {
  /** Bytes of payload that follow the header (compressed length in the compressed format). */
  payloadLength: number;
  /** Compressed format only: length after decompression, 0 if the payload is stored raw. */
  uncompressedLength: number;
  /** The payload holds one or more whole frames (else: a slice of one large frame). */
  selfContained: boolean;
}

function encodeError(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.ENCODE, message);
}

function checkLength(length: number, what: string): void {
  if (!(length >= 0 && length <= MAX_SEGMENT_PAYLOAD_LENGTH && (length | 0) === length)) {
    throw encodeError(`${what} ${length} is outside 0..${MAX_SEGMENT_PAYLOAD_LENGTH}`);
  }
}

function write24(buf: Uint8Array, at: number, value: number): void {
  buf[at] = value & 0xff;
  buf[at + 1] = (value >>> 8) & 0xff;
  buf[at + 2] = (value >>> 16) & 0xff;
}

function write32(buf: Uint8Array, at: number, value: number): void {
  buf[at] = value & 0xff;
  buf[at + 1] = (value >>> 8) & 0xff;
  buf[at + 2] = (value >>> 16) & 0xff;
  buf[at + 3] = value >>> 24;
}

/** Writes the 6-byte header of an uncompressed segment at `buf[offset]`. */
export function writeUncompressedSegmentHeader(buf: Uint8Array, offset: number, payloadLength: number, selfContained: boolean): void {
  checkLength(payloadLength, 'segment payload length');
  write24(buf, offset, selfContained ? payloadLength | 0x20000 : payloadLength);
  write24(buf, offset + 3, crc24(buf, offset, offset + 3));
}

/** Writes the 8-byte header of a compressed-format segment at `buf[offset]`. */
export function writeCompressedSegmentHeader(
  buf: Uint8Array,
  offset: number,
  compressedLength: number,
  uncompressedLength: number,
  selfContained: boolean,
): void {
  checkLength(compressedLength, 'compressed segment length');
  checkLength(uncompressedLength, 'uncompressed segment length');
  // bits 0-16 compressed, 17-33 uncompressed, 34 self-contained
  buf[offset] = compressedLength & 0xff;
  buf[offset + 1] = (compressedLength >>> 8) & 0xff;
  buf[offset + 2] = (compressedLength >>> 16) | ((uncompressedLength & 0x7f) << 1);
  buf[offset + 3] = (uncompressedLength >>> 7) & 0xff;
  buf[offset + 4] = (uncompressedLength >>> 15) | (selfContained ? 0x04 : 0);
  write24(buf, offset + 5, crc24(buf, offset, offset + 5));
}

/**
 * Reads and verifies a segment header at `buf[offset]` (6 or 8 bytes must be readable).
 *
 * @param compressed whether compression was negotiated (selects the 8-byte format).
 * @throws ProtocolError `CHECKSUM` if the header's CRC24 does not match: the stream cannot be
 *   resynchronised, so this is fatal for the connection.
 */
export function readSegmentHeader(buf: Uint8Array, offset: number, compressed: boolean): SegmentHeader {
  const covered = compressed ? 5 : 3;
  const expected = buf[offset + covered] | (buf[offset + covered + 1] << 8) | (buf[offset + covered + 2] << 16);
  const actual = crc24(buf, offset, offset + covered);
  if (expected !== actual) {
    throw new ProtocolError(
      ProtocolErrorCode.CHECKSUM,
      `segment header CRC24 mismatch: read 0x${expected.toString(16)}, computed 0x${actual.toString(16)}`,
    );
  }
  const b2 = buf[offset + 2];
  if (!compressed) {
    return { payloadLength: buf[offset] | (buf[offset + 1] << 8) | ((b2 & 1) << 16), uncompressedLength: 0, selfContained: (b2 & 2) !== 0 };
  }
  const b4 = buf[offset + 4];
  return {
    payloadLength: buf[offset] | (buf[offset + 1] << 8) | ((b2 & 1) << 16),
    uncompressedLength: (b2 >>> 1) | (buf[offset + 3] << 7) | ((b4 & 3) << 15),
    selfContained: (b4 & 4) !== 0,
  };
}

/**
 * Seals an uncompressed segment in place, for zero-copy writers: the caller reserved
 * {@link UNCOMPRESSED_SEGMENT_HEADER_LENGTH} bytes at `offset`, wrote `payloadLength` bytes of
 * whole frames after them, and left {@link SEGMENT_TRAILER_LENGTH} bytes free after those.
 * Writes the header and the CRC32 trailer.
 *
 * @returns the offset just past the trailer.
 */
export function sealUncompressedSegment(buf: Uint8Array, offset: number, payloadLength: number, selfContained: boolean): number {
  const payloadStart = offset + UNCOMPRESSED_SEGMENT_HEADER_LENGTH;
  const payloadEnd = payloadStart + payloadLength;
  if (offset < 0 || payloadEnd + SEGMENT_TRAILER_LENGTH > buf.length) throw encodeError('segment does not fit in the buffer');
  writeUncompressedSegmentHeader(buf, offset, payloadLength, selfContained);
  write32(buf, payloadEnd, segmentCrc32(buf, payloadStart, payloadEnd));
  return payloadEnd + SEGMENT_TRAILER_LENGTH;
}

/**
 * Writes a compressed-format segment for `payload` at `out[offset]`, which must have room for
 * the stored-raw case and, with `compressInto`, its worst case. Compressed only when that
 * makes it smaller (as Cassandra does); otherwise stored raw with uncompressed length 0.
 */
function writeCompressedSegment(out: Buffer, payload: Uint8Array, selfContained: boolean, compressor: Compressor): Buffer {
  const header = COMPRESSED_SEGMENT_HEADER_LENGTH;
  let stored: number;
  let uncompressedLength: number;
  if (compressor.compressInto !== undefined) {
    stored = compressor.compressInto(payload, out, header);
    uncompressedLength = payload.length;
    if (stored >= payload.length) {
      out.set(payload, header);
      stored = payload.length;
      uncompressedLength = 0;
    }
  } else {
    const compressed = compressor.compress(payload);
    if (compressed.length < payload.length) {
      out.set(compressed, header);
      stored = compressed.length;
      uncompressedLength = payload.length;
    } else {
      out.set(payload, header);
      stored = payload.length;
      uncompressedLength = 0;
    }
  }
  writeCompressedSegmentHeader(out, 0, stored, uncompressedLength, selfContained);
  write32(out, header + stored, segmentCrc32(out, header, header + stored));
  return out.subarray(0, header + stored + SEGMENT_TRAILER_LENGTH);
}

/**
 * Encodes one segment around `payload` (at most {@link MAX_SEGMENT_PAYLOAD_LENGTH} bytes):
 * one allocation, the payload copied (or compressed) once.
 *
 * @param selfContained true if `payload` is one or more whole frames; false for a slice of a
 *   frame too large for one segment.
 * @param compressor set when compression was negotiated: selects the compressed format (the
 *   payload may still be stored raw if compression does not shrink it).
 */
export function encodeSegment(payload: Uint8Array, selfContained: boolean, compressor?: Compressor): Buffer {
  checkLength(payload.length, 'segment payload length');
  if (compressor === undefined) {
    const out = Buffer.allocUnsafe(UNCOMPRESSED_SEGMENT_HEADER_LENGTH + payload.length + SEGMENT_TRAILER_LENGTH);
    out.set(payload, UNCOMPRESSED_SEGMENT_HEADER_LENGTH);
    sealUncompressedSegment(out, 0, payload.length, selfContained);
    return out;
  }
  const room =
    compressor.compressInto !== undefined && compressor.maxCompressedLength !== undefined
      ? Math.max(payload.length, compressor.maxCompressedLength(payload.length))
      : payload.length;
  return writeCompressedSegment(Buffer.allocUnsafe(COMPRESSED_SEGMENT_HEADER_LENGTH + room + SEGMENT_TRAILER_LENGTH), payload, selfContained, compressor);
}

/** Options of {@link encodeSegments}. */
export interface EncodeSegmentsOptions {
  /** Negotiated compressor: selects the compressed segment format. */
  compressor?: Compressor;
  /** Largest payload per segment; default and maximum {@link MAX_SEGMENT_PAYLOAD_LENGTH}. */
  maxPayloadLength?: number;
}

/** Cuts a concatenation of whole encoded frames at frame boundaries (trusted, own output). */
function splitFrames(payload: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let at = 0;
  while (at < payload.length) {
    if (payload.length - at < FRAME_HEADER_LENGTH) throw encodeError('payload ends inside a frame header');
    const length = ((payload[at + 5] << 24) | (payload[at + 6] << 16) | (payload[at + 7] << 8) | payload[at + 8]) >>> 0;
    const end = at + FRAME_HEADER_LENGTH + length;
    if (end > payload.length) throw encodeError('payload ends inside a frame body');
    frames.push(payload.subarray(at, end));
    at = end;
  }
  return frames;
}

/**
 * Packs encoded frames into v5 segments: consecutive whole frames share self-contained
 * segments up to the maximum payload; a frame larger than that is sliced across
 * non-self-contained segments of its own (first..last).
 *
 * @param frames encoded frames, or one payload that is a concatenation of whole frames.
 * @returns the segments, in order, ready to write.
 */
export function encodeSegments(frames: readonly Uint8Array[] | Uint8Array, options: EncodeSegmentsOptions = {}): Buffer[] {
  const max = options.maxPayloadLength ?? MAX_SEGMENT_PAYLOAD_LENGTH;
  if (!(max >= 1 && max <= MAX_SEGMENT_PAYLOAD_LENGTH && (max | 0) === max)) throw encodeError(`bad maxPayloadLength ${max}`);
  const compressor = options.compressor;
  let list: readonly Uint8Array[];
  if (frames instanceof Uint8Array) {
    if (frames.length === 0) return [];
    if (frames.length <= max) return [encodeSegment(frames, true, compressor)];
    list = splitFrames(frames);
  } else {
    list = frames;
  }

  const segments: Buffer[] = [];
  let groupStart = 0;
  let groupLength = 0;
  const flush = (end: number): void => {
    if (groupLength === 0) return;
    if (end - groupStart === 1) {
      segments.push(encodeSegment(list[groupStart], true, compressor));
    } else if (compressor === undefined) {
      const out = Buffer.allocUnsafe(UNCOMPRESSED_SEGMENT_HEADER_LENGTH + groupLength + SEGMENT_TRAILER_LENGTH);
      let at = UNCOMPRESSED_SEGMENT_HEADER_LENGTH;
      for (let i = groupStart; i < end; i++) {
        out.set(list[i], at);
        at += list[i].length;
      }
      sealUncompressedSegment(out, 0, groupLength, true);
      segments.push(out);
    } else {
      segments.push(encodeSegment(Buffer.concat(list.slice(groupStart, end), groupLength), true, compressor));
    }
  };

  for (let i = 0; i < list.length; i++) {
    const frame = list[i];
    if (frame.length > max) {
      flush(i);
      for (let at = 0; at < frame.length; at += max) {
        segments.push(encodeSegment(frame.subarray(at, Math.min(at + max, frame.length)), false, compressor));
      }
      groupStart = i + 1;
      groupLength = 0;
    } else if (groupLength + frame.length > max) {
      flush(i);
      groupStart = i;
      groupLength = frame.length;
    } else {
      groupLength += frame.length;
    }
  }
  flush(list.length);
  return segments;
}
