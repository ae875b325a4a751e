import type * as net from 'node:net';
import { Writer, encodeSegments, writeCompressedV4Frame, writeRequestFrame, type Compressor, type EncodeSegmentsOptions, type Request } from '../../protocol/index.js';

/** Frame options of one request (tracing flag, custom payload). */
export type FrameOptions = { tracing?: boolean; customPayload?: Readonly<Record<string, Uint8Array | null>> } | undefined;

/**
 * The write side of one connection: the requests of one tick are encoded into one buffer and
 * written to the socket together at its end (write coalescing), as plain v4 frames, LZ4 v4
 * frames or, once framing starts, v5 segments.
 */
export class FrameWriter {
  private out = new Writer(16 * 1024);
  private scheduled = false;
  private readonly flushFn = (): void => this.flush();
  private socket: net.Socket | null = null;
  /** v5 segments in use, and how they are encoded. */
  private segments: EncodeSegmentsOptions | null = null;
  /** v4 frame bodies compressed with this. */
  private v4Compressor: Compressor | null = null;

  /** Write to `socket` from now on. */
  attach(socket: net.Socket): void {
    this.socket = socket;
  }

  /** From now on, v5 segments (compressed with `compressor`, if any). */
  useSegments(compressor: Compressor | null): void {
    this.segments = { compressor: compressor ?? undefined };
  }

  /** From now on, v4 frame bodies compressed with `compressor`. */
  compressV4(compressor: Compressor | null): void {
    this.v4Compressor = compressor;
  }

  /** Nothing more is written (the connection closed). */
  close(): void {
    this.socket = null;
  }

  /**
   * Encode one request frame into the tick's buffer and schedule the write.
   * @returns the plain frame's size (what tracing reports, whatever the compression)
   * @throws what encoding throws (a value that cannot be encoded): nothing is written then
   */
  write(version: 4 | 5, stream: number, request: Request, frameOptions: FrameOptions): number {
    let written: number;
    if (this.segments === null && this.v4Compressor !== null) {
      // The plain frame is encoded aside, then compressed straight into the write buffer by the
      // codec, which owns the header bytes (flag, length).
      const tmp = new Writer(256);
      writeRequestFrame(tmp, version, stream, request, frameOptions);
      const plain = tmp.finish();
      writeCompressedV4Frame(this.out, plain, this.v4Compressor);
      written = plain.length;
    } else {
      const before = this.out.offset;
      writeRequestFrame(this.out, version, stream, request, frameOptions);
      written = this.out.offset - before;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      // Every request issued in this tick's microtasks joins one socket write.
      process.nextTick(this.flushFn);
    }
    return written;
  }

  private flush(): void {
    this.scheduled = false;
    const socket = this.socket;
    if (this.out.offset === 0 || socket === null) return;
    const bytes = this.out.finish();
    if (this.segments !== null) {
      // Segments are fresh buffers (header, payload copy, CRC): the write buffer is free again.
      const segments = encodeSegments(bytes, this.segments);
      this.out.offset = 0;
      if (segments.length === 1) socket.write(segments[0]!);
      else {
        socket.cork();
        for (const segment of segments) socket.write(segment);
        socket.uncork();
      }
    } else {
      socket.write(bytes);
      // Written through to the kernel already: reuse the buffer. Else the socket holds a view
      // of it until the write completes, so start a fresh one.
      if (socket.writableLength === 0) this.out.offset = 0;
      else this.out = new Writer(Math.max(16 * 1024, Math.min(bytes.length, 1 << 20)));
    }
  }
}
