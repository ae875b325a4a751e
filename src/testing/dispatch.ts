// Reads one connection's frames and answers each request: record it, apply the first fault
// rule that matches, else answer it (handshake, then the handler, then canned answers).
import { ErrorCode, Opcode, ProtocolError, decodeRequest, type DecodedRequest, type Frame, type FrameDecoder } from '../../protocol/index.js';
import type { FakeHandler } from './answers.js';
import type { FakeConnection } from './connection.js';
import { applyFault, sendFaulty, type FaultAction, type FaultRule } from './faults.js';
import { acceptsVersion, afterReply, beginSegments, handshakeReply, refuseVersion, type HandshakeSettings } from './handshake.js';
import type { ReceivedRequest } from './recording.js';
import { errorInfo, errorReply, type FakeReply } from './replies.js';

/** What a connection's dispatcher needs from its server. */
export interface DispatchContext {
  /** Handshake settings. */
  readonly settings: HandshakeSettings;
  /** Record a decoded request that arrived on `conn`. */
  record(conn: FakeConnection, frame: Frame, decoded: DecodedRequest): ReceivedRequest;
  /** The first fault rule matching `req`, counted as applied. */
  matchRule(req: ReceivedRequest): FaultRule | undefined;
  /** The scripted handler in force, read at each request since tests replace it. */
  handler(): FakeHandler | undefined;
  /** The answer when the handler gives none: canned answers, system tables, VOID. */
  defaultReply(req: ReceivedRequest): FakeReply;
  /** Run `fn` in `ms` milliseconds, unless the server closes first. */
  later(ms: number, fn: () => void): void;
}

/** Decodes and answers what the client of one connection sends. */
export class Dispatcher {
  constructor(
    private readonly ctx: DispatchContext,
    private readonly conn: FakeConnection,
  ) {}

  /** Take the bytes of one socket `'data'` event. */
  onData(chunk: Buffer): void {
    const { conn, ctx } = this;
    if (conn.closed) return;
    const frames: Frame[] = [];
    try {
      if (conn.version === undefined && chunk.length > 0) {
        const v = chunk[0]! & 0x7f;
        if (v !== 4 && v !== 5) {
          // Like Cassandra: refuse an unknown version in the version the server prefers.
          refuseVersion(ctx.settings, conn, v, chunk.length >= 4 ? chunk.readInt16BE(2) : 0);
          return;
        }
      }
      conn.decoder.push(chunk);
      let f: Frame | null;
      while ((f = conn.decoder.next()) !== null) {
        frames.push(f);
        // STARTUP switches v5 to segments: decode what follows with the segment decoder.
        if (f.opcode === Opcode.STARTUP && f.version === 5 && acceptsVersion(ctx.settings, 5) && !conn.segments) {
          const rest = (conn.decoder as FrameDecoder).takeBuffered();
          beginSegments(ctx.settings, conn, f);
          for (const b of rest) conn.decoder.push(b);
        }
      }
    } catch (err) {
      // Malformed client bytes: answer nothing more on this connection.
      this.take(chunk, frames);
      conn.closed = true;
      conn.socket.destroy(err instanceof ProtocolError ? undefined : (err as Error));
      return;
    }
    this.take(chunk, frames);
  }

  /** Note the shape of a chunk, then handle the frames it completed. */
  private take(chunk: Buffer, frames: readonly Frame[]): void {
    this.conn.chunks.push({ bytes: chunk.length, frames: frames.length });
    for (const f of frames) this.onFrame(f);
  }

  private onFrame(frame: Frame): void {
    const { conn, ctx } = this;
    if (conn.version === undefined) {
      if (!acceptsVersion(ctx.settings, frame.version)) {
        refuseVersion(ctx.settings, conn, frame.version, frame.stream);
        return;
      }
      conn.version = frame.version as 4 | 5;
    }
    let decoded;
    try {
      decoded = decodeRequest(frame);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      conn.write(conn.encode(frame.stream, errorReply(errorInfo(ErrorCode.PROTOCOL_ERROR, message))));
      return;
    }
    const req = ctx.record(conn, frame, decoded);
    const rule = ctx.matchRule(req);
    if (rule !== undefined) {
      applyFault(conn, req, rule.action, { answer: (fault) => void this.answer(req, fault), later: (ms, fn) => ctx.later(ms, fn) });
      return;
    }
    void this.answer(req);
  }

  /** Compute the normal answer, then send it (transformed by `fault` when given). */
  private async answer(req: ReceivedRequest, fault?: FaultAction): Promise<void> {
    const { conn, ctx } = this;
    let reply: FakeReply;
    try {
      reply = await this.replyTo(req);
    } catch (err) {
      reply = errorReply(errorInfo(ErrorCode.SERVER_ERROR, `fake server handler failed: ${err instanceof Error ? err.message : String(err)}`));
    }
    if (conn.closed) return;
    if (fault === undefined) {
      conn.write(conn.encode(req.stream, reply));
    } else {
      sendFaulty(conn, req, reply, fault);
    }
    afterReply(ctx.settings, conn, req.opcode);
  }

  private async replyTo(req: ReceivedRequest): Promise<FakeReply> {
    const handshake = handshakeReply(this.ctx.settings, this.conn, req.message);
    if (handshake !== undefined) return handshake;
    const handler = this.ctx.handler();
    if (handler) {
      const r = await handler(req);
      if (r !== undefined) return r;
    }
    return this.ctx.defaultReply(req);
  }
}
