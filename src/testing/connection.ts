// One accepted client connection of the fake server: its negotiated state and how it frames
// what it sends (v4 frames, compressed or not, or v5 segments).
import type * as net from 'node:net';
import {
  FrameDecoder,
  Opcode,
  SegmentDecoder,
  Writer,
  encodeCompressedV4Frame,
  encodeSegments,
  writeResponseFrame,
  type Compressor,
  type Response,
} from '../../protocol/index.js';
import type { FakeReply } from './replies.js';

/**
 * A response frame header declaring a body of `length` bytes, whatever follows (faults send
 * headers that lie).
 */
export function frameHeader(version: 4 | 5, flags: number, stream: number, opcode: number, length: number): Buffer {
  const header = Buffer.alloc(9);
  header[0] = 0x80 | version;
  header[1] = flags;
  header.writeInt16BE(stream, 2);
  header[4] = opcode;
  header.writeUInt32BE(length, 5);
  return header;
}

/**
 * One accepted client connection of a {@link FakeServer}: its negotiated state and the shape
 * of the bytes the client wrote.
 */
export class FakeConnection {
  /** Protocol version of the client's first frame, once known. */
  version: 4 | 5 | undefined;
  /** STARTUP options the client sent, once received. */
  startupOptions: Readonly<Record<string, string>> | undefined;
  /** True once the client authenticated (or when no authentication is required, after STARTUP). */
  authenticated = false;
  /**
   * One entry per socket `'data'` event: bytes received and how many whole frames they
   * completed (shows write coalescing on the client side).
   */
  readonly chunks: { readonly bytes: number; readonly frames: number }[] = [];
  /** Whether the socket is closed. */
  closed = false;

  /** @internal */
  decoder: FrameDecoder | SegmentDecoder = new FrameDecoder();
  /** @internal */
  segments = false;
  /** @internal */
  compressor: Compressor | undefined;
  /** @internal Segment framing to switch to once the STARTUP answer is out (v5). */
  pendingSegmentSwitch: { compressor: Compressor | undefined } | undefined;

  constructor(
    /** 0-based accept order. */
    readonly index: number,
    /** The server side of the socket (a TLSSocket when the server serves TLS). */
    readonly socket: net.Socket,
    /** The TCP socket underneath (the same as {@link socket} without TLS). */
    readonly tcp: net.Socket = socket,
  ) {}

  /** Send a server-initiated EVENT (stream -1). */
  sendEvent(event: Response): void {
    if (event.opcode !== Opcode.EVENT) throw new TypeError('sendEvent expects an EVENT message');
    this.write(this.encode(-1, { response: event }));
  }

  /**
   * Send a frame with any stream id, opcode and body bytes (not validated), framed like any
   * answer (v5 segments, v4 compression): e.g. a malformed EVENT on stream -1.
   */
  sendFrame(stream: number, opcode: number, body: Uint8Array, flags = 0): void {
    const frame = Buffer.concat([frameHeader(this.version ?? 4, flags, stream, opcode, body.length), body]);
    this.write(this.frameBytes(frame));
  }

  /** Close gracefully (FIN). */
  close(): void {
    this.socket.end();
  }

  /** Reset the connection (RST). */
  reset(): void {
    this.tcp.resetAndDestroy();
  }

  /** @internal Encode one response frame the way this connection currently frames them. */
  encode(stream: number, reply: FakeReply): Buffer {
    const version = this.version ?? 4;
    const w = new Writer(256);
    writeResponseFrame(w, version, stream, reply.response, reply.envelope);
    return this.frameBytes(Buffer.from(w.finish()));
  }

  /** @internal Wrap one encoded, uncompressed frame for the wire: v5 segments or v4 compression. */
  frameBytes(encoded: Buffer): Buffer {
    if (this.segments) {
      const segments = encodeSegments(encoded, { compressor: this.compressor });
      return segments.length === 1 ? segments[0]! : Buffer.concat(segments);
    }
    return this.compressor !== undefined && (this.version ?? 4) === 4 ? encodeCompressedV4Frame(encoded, this.compressor) : encoded;
  }

  /** @internal */
  write(bytes: Buffer): void {
    if (!this.closed && !this.socket.destroyed) this.socket.write(bytes);
  }
}
