// Incremental decoders: bytes in as they arrive (any split), whole frames out.
// Received chunks are queued, not concatenated; a frame or segment that lies inside one chunk
// comes out as a view of it, and only one that straddles chunks is copied (once).
import { type Compressor, decompressInto, decompressV4Body } from './compression.js';
import { FrameFlag, ProtocolVersion } from './constants.js';
import { ProtocolError, ProtocolErrorCode } from './errors.js';
import { type DeferredSegment, type DeferredSegments, type Frame, DEFAULT_MAX_FRAME_SIZE, FRAME_HEADER_LENGTH, checkFrameHeader, frameFromHeader } from './frame.js';
import { segmentCrc32 } from './crc.js';
import {
  COMPRESSED_SEGMENT_HEADER_LENGTH,
  SEGMENT_TRAILER_LENGTH,
  type SegmentHeader,
  UNCOMPRESSED_SEGMENT_HEADER_LENGTH,
  readSegmentHeader,
} from './segment.js';

const EMPTY = Buffer.alloc(0);

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkMaxFrameSize(value: number | undefined): number {
  const max = value ?? DEFAULT_MAX_FRAME_SIZE;
  if (!(max >= 0 && max <= 0x7fffffff && Math.floor(max) === max)) throw new RangeError(`maxFrameSize must be an integer in 0..2^31-1, got ${max}`);
  return max;
}

/** FIFO of received chunks with a read position; copies only across chunk boundaries. */
class ChunkQueue {
  private chunks: Buffer[] = [];
  private head = 0;
  /** Read position in `chunks[head]`. */
  private offset = 0;
  /** Unread bytes in total. */
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The head chunk if the next `n` bytes lie wholly inside it (read at {@link headOffset}). */
  contiguous(n: number): Buffer | undefined {
    const chunk = this.chunks[this.head];
    return chunk !== undefined && chunk.length - this.offset >= n ? chunk : undefined;
  }

  get headOffset(): number {
    return this.offset;
  }

  /** Copies the next `n` (<= length) bytes into `dst` without consuming them. */
  peek(dst: Uint8Array, n: number): void {
    let at = 0;
    let i = this.head;
    let from = this.offset;
    while (at < n) {
      const chunk = this.chunks[i++];
      const count = Math.min(chunk.length - from, n - at);
      dst.set(chunk.subarray(from, from + count), at);
      at += count;
      from = 0;
    }
  }

  /** Consumes `n` (<= length) bytes. */
  skip(n: number): void {
    this.length -= n;
    while (n > 0) {
      const chunk = this.chunks[this.head];
      const available = chunk.length - this.offset;
      if (n < available) {
        this.offset += n;
        return;
      }
      n -= available;
      this.dropHead();
    }
  }

  /**
   * Consumes `n` (<= length) bytes: a view if they lie in one chunk, else one copy (into
   * `allocate(n)` when given).
   */
  take(n: number, allocate?: (length: number) => Buffer): Buffer {
    const chunk = this.chunks[this.head];
    if (chunk !== undefined && chunk.length - this.offset >= n) {
      const view = chunk.subarray(this.offset, this.offset + n);
      this.skip(n);
      return view;
    }
    const out = allocate !== undefined ? allocate(n) : Buffer.allocUnsafe(n);
    if (out.length !== n) throw new RangeError(`allocate(${n}) returned ${out.length} bytes`);
    this.peek(out, n);
    this.skip(n);
    return out;
  }

  /** Removes and returns every unread byte. */
  drain(): Buffer[] {
    const rest: Buffer[] = [];
    for (let i = this.head; i < this.chunks.length; i++) rest.push(i === this.head ? this.chunks[i].subarray(this.offset) : this.chunks[i]);
    this.chunks = [];
    this.head = 0;
    this.offset = 0;
    this.length = 0;
    return rest;
  }

  private dropHead(): void {
    this.chunks[this.head++] = EMPTY; // release the chunk for GC
    this.offset = 0;
    if (this.head === this.chunks.length) {
      this.chunks.length = 0;
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.chunks.length) {
      // Compact only when most entries are dead: O(1) amortised even for 1-byte chunks.
      this.chunks.splice(0, this.head);
      this.head = 0;
    }
  }
}

/** Options of {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /**
   * Largest frame body accepted, in bytes (default 256 MiB, the spec's limit). A header
   * declaring more fails with `FRAME_TOO_LARGE` at once, before the body is awaited.
   */
  maxFrameSize?: number;
  /**
   * The negotiated compressor, to decompress v4 bodies flagged `COMPRESSION`. Without one, a
   * v4 frame with that flag fails with `COMPRESSION`. v5 ignores the flag (spec §2.4.1.2).
   */
  compressor?: Compressor;
  /**
   * v4 bodies flagged `COMPRESSION` whose compressed size is at least this many bytes come out
   * still compressed (flag kept), for the caller to decompress elsewhere, e.g. in a worker
   * thread, with {@link decompressV4Body}. Default: never (every body is decompressed here).
   */
  deferDecompressionFrom?: number;
  /**
   * Returns the buffer a body is written into when it cannot be a view of a received chunk: an
   * uncompressed body spread over several chunks, or a decompressed v4 body (exactly the length
   * asked; e.g. a view of a recycled buffer). Default: a fresh one.
   */
  allocateBody?: (length: number) => Buffer;
}

/**
 * Incremental decoder of unsegmented frames: protocol v4, and v5 before its handshake
 * completes (STARTUP/OPTIONS exchanges are not segmented). `push` received bytes, then call
 * `next` until it returns null.
 *
 * Any malformed input throws a {@link ProtocolError}; after that the decoder is dead and every
 * call throws the same error.
 */
export class FrameDecoder {
  private readonly queue = new ChunkQueue();
  private readonly maxFrameSize: number;
  private compressor: Compressor | undefined;
  private readonly deferFrom: number;
  private readonly allocateBody: ((length: number) => Buffer) | undefined;
  private readonly header = Buffer.alloc(FRAME_HEADER_LENGTH);
  /** Body length of the frame whose header is parsed (and still queued), or -1. */
  private bodyLength = -1;
  private error: ProtocolError | undefined;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameSize = checkMaxFrameSize(options.maxFrameSize);
    this.compressor = options.compressor;
    this.deferFrom = options.deferDecompressionFrom ?? Infinity;
    this.allocateBody = options.allocateBody;
  }

  /** Unconsumed bytes held (0 between whole frames: more means a frame is incomplete). */
  get bufferedBytes(): number {
    return this.queue.length;
  }

  /** Queues received bytes. Does not copy them. */
  push(chunk: Uint8Array): void {
    if (this.error !== undefined) throw this.error;
    this.queue.push(asBuffer(chunk));
  }

  /**
   * The next whole frame, or null until more bytes arrive.
   *
   * @throws ProtocolError `VERSION`, `FRAME_TOO_LARGE` or `COMPRESSION` (then always again).
   */
  next(): Frame | null {
    if (this.error !== undefined) throw this.error;
    try {
      return this.decode();
    } catch (e) {
      this.error = e instanceof ProtocolError ? e : new ProtocolError(ProtocolErrorCode.MALFORMED, 'frame decoding failed', { cause: e });
      throw this.error;
    }
  }

  /**
   * Sets (or clears) the compressor for v4 bodies flagged `COMPRESSION`, e.g. once STARTUP
   * negotiated one. Setting it before STARTUP is harmless: only flagged frames use it.
   */
  setCompressor(compressor: Compressor | undefined): void {
    this.compressor = compressor;
  }

  /**
   * Removes and returns the bytes not yet decoded, e.g. to hand them to a
   * {@link SegmentDecoder} when a v5 connection switches to segments after READY.
   */
  takeBuffered(): Buffer[] {
    if (this.error !== undefined) throw this.error;
    this.bodyLength = -1;
    return this.queue.drain();
  }

  private decode(): Frame | null {
    const queue = this.queue;
    if (this.bodyLength < 0) {
      if (queue.length < FRAME_HEADER_LENGTH) return null;
      const chunk = queue.contiguous(FRAME_HEADER_LENGTH);
      this.bodyLength =
        chunk !== undefined
          ? checkFrameHeader(chunk, queue.headOffset, this.maxFrameSize)
          : (queue.peek(this.header, FRAME_HEADER_LENGTH), checkFrameHeader(this.header, 0, this.maxFrameSize));
    }
    const total = FRAME_HEADER_LENGTH + this.bodyLength;
    if (queue.length < total) return null;

    const whole = queue.contiguous(total);
    let frame: Frame;
    if (whole !== undefined) {
      const at = queue.headOffset;
      frame = frameFromHeader(whole, at, whole.subarray(at + FRAME_HEADER_LENGTH, at + total));
      queue.skip(total);
    } else {
      queue.peek(this.header, FRAME_HEADER_LENGTH);
      queue.skip(FRAME_HEADER_LENGTH);
      // A compressed body is garbage once inflated: only an uncompressed one is joined into a
      // buffer from allocateBody (the inflated one is, below).
      const compressed = (this.header[1]! & FrameFlag.COMPRESSION) !== 0 && (this.header[0]! & 0x7f) < ProtocolVersion.V5;
      frame = frameFromHeader(this.header, 0, queue.take(this.bodyLength, compressed ? undefined : this.allocateBody));
    }
    this.bodyLength = -1;

    if ((frame.flags & FrameFlag.COMPRESSION) !== 0 && frame.version < ProtocolVersion.V5) {
      if (this.compressor === undefined) {
        throw new ProtocolError(ProtocolErrorCode.COMPRESSION, 'compressed frame received but no compression was negotiated');
      }
      if (frame.body.length >= this.deferFrom) return frame; // the caller decompresses it
      frame.body = decompressV4Body(this.compressor, frame.body, this.maxFrameSize, this.allocateBody);
      frame.flags &= ~FrameFlag.COMPRESSION;
    }
    return frame;
  }
}

/** Options of {@link SegmentDecoder}. */
export interface SegmentDecoderOptions {
  /**
   * The negotiated compressor. Its presence selects the compressed segment format (8-byte
   * headers) for every segment; absent, segments have 6-byte headers.
   */
  compressor?: Compressor;
  /** Largest frame body accepted (default 256 MiB), including frames spread over segments. */
  maxFrameSize?: number;
  /**
   * A frame spread over several segments whose size on the wire (header included; with
   * compression, estimated from the ratio of its first segment) is at least this many bytes
   * comes out with its remaining segments unverified and still compressed, in
   * `frame.deferred`, for the caller to complete elsewhere (e.g. in a worker thread) with
   * {@link completeDeferredFrame}. Its first segment is checked here, as are every segment
   * header and the frame's length. Default: never.
   */
  deferFramesFrom?: number;
  /**
   * Returns the buffer a frame spread over several segments is joined into, of exactly the
   * length asked (the whole frame, header included), e.g. a view of a recycled buffer. Default:
   * a fresh one.
   */
  allocateFrame?: (length: number) => Buffer;
}

/**
 * Incremental decoder of protocol v5 segments (after the handshake): verifies each header's
 * CRC24 and payload's CRC32, decompresses, and yields the frames inside — several from a
 * self-contained segment, or one reassembled from a run of non-self-contained ones.
 *
 * Any malformed input or checksum mismatch throws a {@link ProtocolError} (`CHECKSUM`,
 * `COMPRESSION`, `MALFORMED`, `VERSION`, `FRAME_TOO_LARGE`); after that the decoder is dead and
 * every call throws the same error.
 */
export class SegmentDecoder {
  private readonly queue = new ChunkQueue();
  private readonly maxFrameSize: number;
  private readonly compressor: Compressor | undefined;
  private readonly headerLength: number;
  private readonly scratch = Buffer.alloc(COMPRESSED_SEGMENT_HEADER_LENGTH);
  /** Verified header of the segment whose payload is awaited. */
  private segment: SegmentHeader | undefined;
  /** Self-contained payload being split into frames, and the position in it. */
  private payload: Buffer | undefined;
  private payloadOffset = 0;
  /** Slices of a large frame received so far, their total, and the frame's total (or -1). */
  private parts: Buffer[] = [];
  private partsLength = 0;
  private partsTotal = -1;
  /** Bytes the slices in `parts` took on the wire (compressed). */
  private partsWire = 0;
  /** With `allocateFrame`: the buffer the large frame is joined into as it arrives. */
  private frameBuffer: Buffer | undefined;
  /** Raw segments of the large frame being deferred, or null. */
  private deferred: DeferredSegment[] | null = null;
  private readonly deferFrom: number;
  private readonly allocateFrame: ((length: number) => Buffer) | undefined;
  private error: ProtocolError | undefined;

  constructor(options: SegmentDecoderOptions = {}) {
    this.maxFrameSize = checkMaxFrameSize(options.maxFrameSize);
    this.compressor = options.compressor;
    this.deferFrom = options.deferFramesFrom ?? Infinity;
    this.allocateFrame = options.allocateFrame;
    this.headerLength = this.compressor !== undefined ? COMPRESSED_SEGMENT_HEADER_LENGTH : UNCOMPRESSED_SEGMENT_HEADER_LENGTH;
  }

  /** Bytes received but not yet verified as part of a segment. */
  get bufferedBytes(): number {
    return this.queue.length;
  }

  /** True if nothing partial is held: no incomplete segment, frame, or unread frames. */
  get isIdle(): boolean {
    return this.queue.length === 0 && this.partsLength === 0 && this.payload === undefined;
  }

  /** Queues received bytes. Does not copy them. */
  push(chunk: Uint8Array): void {
    if (this.error !== undefined) throw this.error;
    this.queue.push(asBuffer(chunk));
  }

  /**
   * The next whole frame, or null until more bytes arrive.
   *
   * @throws ProtocolError on corrupt or malformed input (then always again).
   */
  next(): Frame | null {
    if (this.error !== undefined) throw this.error;
    try {
      return this.decode();
    } catch (e) {
      this.error = e instanceof ProtocolError ? e : new ProtocolError(ProtocolErrorCode.MALFORMED, 'segment decoding failed', { cause: e });
      throw this.error;
    }
  }

  private decode(): Frame | null {
    for (;;) {
      const payload = this.payload;
      if (payload !== undefined) {
        if (this.payloadOffset < payload.length) return this.frameFromPayload(payload);
        this.payload = undefined;
      }
      const segment = this.segment ?? this.readHeader();
      if (segment === undefined) return null;
      if (this.deferred !== null && !segment.selfContained) {
        const raw = this.readDeferred(segment, this.deferred);
        if (raw === undefined) return null;
        if (raw !== null) return raw;
        continue;
      }
      const into = this.frameBuffer;
      if (into !== undefined && !segment.selfContained && segment.uncompressedLength !== 0 && this.compressor !== undefined) {
        const frame = this.readInto(segment, into, this.compressor);
        if (frame === undefined) return null;
        if (frame !== null) return frame;
        continue;
      }
      const body = this.readPayload(segment);
      if (body === undefined) return null;
      if (segment.selfContained) {
        if (this.partsLength > 0) throw new ProtocolError(ProtocolErrorCode.MALFORMED, 'self-contained segment inside a multi-segment frame');
        this.payload = body;
        this.payloadOffset = 0;
      } else {
        const frame = this.accumulate(body, segment.payloadLength);
        if (frame !== null) return frame;
      }
    }
  }

  private readHeader(): SegmentHeader | undefined {
    const queue = this.queue;
    const n = this.headerLength;
    if (queue.length < n) return undefined;
    const chunk = queue.contiguous(n);
    const header =
      chunk !== undefined
        ? readSegmentHeader(chunk, queue.headOffset, n === COMPRESSED_SEGMENT_HEADER_LENGTH)
        : (queue.peek(this.scratch, n), readSegmentHeader(this.scratch, 0, n === COMPRESSED_SEGMENT_HEADER_LENGTH));
    queue.skip(n);
    this.segment = header;
    return header;
  }

  /**
   * The raw payload of `segment` once it and its trailer arrived (undefined before), consumed
   * from the queue; the trailer's CRC32 is left in `scratch`.
   */
  private takePayload(segment: SegmentHeader): Buffer | undefined {
    const queue = this.queue;
    const length = segment.payloadLength;
    if (queue.length < length + SEGMENT_TRAILER_LENGTH) return undefined;
    const payload = queue.take(length);
    queue.peek(this.scratch, SEGMENT_TRAILER_LENGTH);
    queue.skip(SEGMENT_TRAILER_LENGTH);
    this.segment = undefined;
    return payload;
  }

  /** The verified payload of `segment` (still compressed), or undefined until all of it arrived. */
  private readVerified(segment: SegmentHeader): Buffer | undefined {
    const payload = this.takePayload(segment);
    if (payload === undefined) return undefined;
    const expected = this.scratch.readUInt32LE(0);
    const actual = segmentCrc32(payload);
    if (expected !== actual) {
      throw new ProtocolError(
        ProtocolErrorCode.CHECKSUM,
        `segment payload CRC32 mismatch: read 0x${expected.toString(16)}, computed 0x${actual.toString(16)}`,
      );
    }
    return payload;
  }

  /** The verified, decompressed payload of `segment`, or undefined until all of it arrived. */
  private readPayload(segment: SegmentHeader): Buffer | undefined {
    const payload = this.readVerified(segment);
    if (payload === undefined || segment.uncompressedLength === 0 || this.compressor === undefined) return payload;
    return this.compressor.decompress(payload, segment.uncompressedLength);
  }

  /**
   * A compressed segment of the large frame being joined into `frameBuffer`: verified and
   * decompressed straight into it (no buffer of its own). Returns the frame once complete,
   * null before, undefined until the segment's bytes arrived.
   */
  private readInto(segment: SegmentHeader, into: Buffer, compressor: Compressor): Frame | null | undefined {
    const payload = this.readVerified(segment);
    if (payload === undefined) return undefined;
    const length = segment.uncompressedLength;
    if (this.partsLength + length > this.partsTotal) {
      throw new ProtocolError(ProtocolErrorCode.MALFORMED, 'multi-segment frame has bytes past its declared length');
    }
    decompressInto(compressor, payload, length, into, this.partsLength);
    this.partsLength += length;
    return this.frameIfJoined(into);
  }

  /** Queues a segment of a deferred frame as received; returns the frame once complete, null before, undefined until the bytes arrived. */
  private readDeferred(segment: SegmentHeader, deferred: DeferredSegment[]): Frame | null | undefined {
    const payload = this.takePayload(segment);
    if (payload === undefined) return undefined;
    const length = segment.payloadLength;
    const uncompressedLength = this.compressor === undefined ? 0 : segment.uncompressedLength;
    deferred.push({ payload, crc32: this.scratch.readUInt32LE(0), uncompressedLength });
    this.partsLength += uncompressedLength === 0 ? length : uncompressedLength;
    if (this.partsLength < this.partsTotal) return null;
    if (this.partsLength > this.partsTotal) {
      throw new ProtocolError(ProtocolErrorCode.MALFORMED, 'multi-segment frame has bytes past its declared length');
    }
    const head = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
    const frame = frameFromHeader(head, 0, EMPTY);
    frame.deferred = { head: head.subarray(FRAME_HEADER_LENGTH), segments: deferred };
    this.endFrame();
    this.deferred = null;
    return frame;
  }

  /** Next frame of a self-contained payload: it must lie wholly inside. */
  private frameFromPayload(payload: Buffer): Frame {
    const at = this.payloadOffset;
    if (payload.length - at < FRAME_HEADER_LENGTH) {
      throw new ProtocolError(ProtocolErrorCode.MALFORMED, 'self-contained segment ends inside a frame header');
    }
    const end = at + FRAME_HEADER_LENGTH + checkFrameHeader(payload, at, this.maxFrameSize);
    if (end > payload.length) throw new ProtocolError(ProtocolErrorCode.MALFORMED, 'self-contained segment ends inside a frame body');
    this.payloadOffset = end;
    return frameFromHeader(payload, at, payload.subarray(at + FRAME_HEADER_LENGTH, end));
  }

  /** `parts` copied to the start of a buffer of `length` bytes (from `allocateFrame` if given). */
  private join(parts: readonly Buffer[], length: number): Buffer {
    if (this.allocateFrame === undefined) return Buffer.concat(parts, length);
    const out = this.allocateFrame(length);
    if (out.length !== length) throw new RangeError(`allocateFrame(${length}) returned ${out.length} bytes`);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** Forgets the large frame just completed: the next segment starts a new one. */
  private endFrame(): void {
    this.parts = [];
    this.partsLength = 0;
    this.partsWire = 0;
    this.partsTotal = -1;
    this.frameBuffer = undefined;
  }

  /** The frame joined in `into` once its last byte arrived, else null. */
  private frameIfJoined(into: Buffer): Frame | null {
    if (this.partsLength < this.partsTotal) return null;
    this.endFrame();
    return frameFromHeader(into, 0, into.subarray(FRAME_HEADER_LENGTH));
  }

  /**
   * Adds a slice of a large frame (`wireLength` bytes as received, before decompression);
   * returns the frame once its last byte arrived.
   */
  private accumulate(part: Buffer, wireLength: number): Frame | null {
    if (part.length === 0) return null;
    const into = this.frameBuffer;
    if (into !== undefined) {
      // Copied at once: the segment's own (decompressed) buffer is garbage right away instead
      // of living, and aging, until the frame's last segment arrives.
      if (this.partsLength + part.length > this.partsTotal) {
        throw new ProtocolError(ProtocolErrorCode.MALFORMED, 'multi-segment frame has bytes past its declared length');
      }
      into.set(part, this.partsLength);
      this.partsLength += part.length;
      return this.frameIfJoined(into);
    }
    this.parts.push(part);
    this.partsLength += part.length;
    this.partsWire += wireLength;
    if (this.partsTotal < 0 && this.partsLength >= FRAME_HEADER_LENGTH) {
      const header = this.parts[0].length >= FRAME_HEADER_LENGTH ? this.parts[0] : Buffer.concat(this.parts, FRAME_HEADER_LENGTH);
      this.partsTotal = FRAME_HEADER_LENGTH + checkFrameHeader(header, 0, this.maxFrameSize);
    }
    if (this.partsTotal < 0 || this.partsLength < this.partsTotal) {
      // A large frame: leave the rest of its segments to the caller (deferFramesFrom).
      // Whether to defer goes by the frame's size on the wire, estimated from the compression
      // ratio of what arrived so far: that is what verifying and inflating it costs.
      if (this.partsLength >= FRAME_HEADER_LENGTH && (this.partsTotal * this.partsWire) / this.partsLength >= this.deferFrom) this.deferred = [];
      else if (this.partsTotal >= 0 && this.allocateFrame !== undefined) {
        // Its size is known: join the rest straight into the caller's buffer as it arrives.
        this.frameBuffer = this.join(this.parts, this.partsTotal);
        this.parts = [];
      }
      return null;
    }
    if (this.partsLength > this.partsTotal) {
      throw new ProtocolError(ProtocolErrorCode.MALFORMED, 'multi-segment frame has bytes past its declared length');
    }
    const whole = this.parts.length === 1 ? this.parts[0] : this.join(this.parts, this.partsLength);
    this.endFrame();
    return frameFromHeader(whole, 0, whole.subarray(FRAME_HEADER_LENGTH));
  }
}

/**
 * The body of a frame whose segments a {@link SegmentDecoder} deferred (`frame.deferred`):
 * checks each segment's CRC32, decompresses it, and joins them after the head.
 *
 * @param allocate returns the buffer to write the body into, of exactly the length asked
 *   (e.g. a view of a recycled buffer); a fresh one by default.
 * @throws ProtocolError `CHECKSUM` on a CRC mismatch, `COMPRESSION` on a bad LZ4 block or a
 *   compressed segment without a compressor.
 */
export function completeDeferredFrame(deferred: DeferredSegments, compressor: Compressor | undefined, allocate?: (length: number) => Buffer): Buffer {
  let total = deferred.head.length;
  for (const s of deferred.segments) total += s.uncompressedLength === 0 ? s.payload.length : s.uncompressedLength;
  const out = allocate !== undefined ? allocate(total) : Buffer.allocUnsafe(total);
  if (out.length !== total) throw new RangeError(`allocate(${total}) returned ${out.length} bytes`);
  out.set(deferred.head, 0);
  let at = deferred.head.length;
  for (const s of deferred.segments) {
    checkSegmentCrc32(s);
    if (s.uncompressedLength === 0) {
      out.set(s.payload, at);
      at += s.payload.length;
    } else {
      if (compressor === undefined) throw new ProtocolError(ProtocolErrorCode.COMPRESSION, 'compressed segment but no compressor');
      decompressInto(compressor, s.payload, s.uncompressedLength, out, at);
      at += s.uncompressedLength;
    }
  }
  return out;
}

function checkSegmentCrc32(s: DeferredSegment): void {
  const actual = segmentCrc32(s.payload);
  if (actual !== s.crc32) {
    throw new ProtocolError(ProtocolErrorCode.CHECKSUM, `segment payload CRC32 mismatch: read 0x${s.crc32.toString(16)}, computed 0x${actual.toString(16)}`);
  }
}

/**
 * Checks the CRC32 of every deferred segment when none is compressed, so that head and payloads,
 * if they already lie back to back in one buffer, are the frame body as they are: no copy.
 * Returns false (checking nothing) when a segment is compressed: use
 * {@link completeDeferredFrame}.
 *
 * @throws ProtocolError `CHECKSUM` on a CRC mismatch.
 */
export function verifyUncompressedDeferred(deferred: DeferredSegments): boolean {
  for (const s of deferred.segments) if (s.uncompressedLength !== 0) return false;
  for (const s of deferred.segments) checkSegmentCrc32(s);
  return true;
}
