// The fake server's request log: every decoded request, numbered and timed, with the CQL
// text it is about, for tests to assert on and for fault rules and canned answers to match.
import { Opcode, type CustomPayload, type DecodedRequest, type Frame, type Request } from '../../protocol/index.js';

/** A request as the fake server received and decoded it. */
export interface ReceivedRequest {
  /** Index of the connection it arrived on (0 for the first accepted connection). */
  readonly connection: number;
  /** 1-based position among every request the server received. */
  readonly seq: number;
  /** `performance.now()` when it was decoded. */
  readonly receivedAt: number;
  /** Protocol version of its frame. */
  readonly version: 4 | 5;
  /** Stream id the client chose. */
  readonly stream: number;
  /** Opcode ({@link Opcode}). */
  readonly opcode: number;
  /** Whether the frame asked for tracing. */
  readonly tracing: boolean;
  /** Custom payload of the frame, if any. */
  readonly customPayload?: Readonly<Record<string, Buffer | null>>;
  /** The decoded message. */
  readonly message: Request;
  /**
   * CQL text the request is about: QUERY and PREPARE text, the prepared text of an EXECUTE
   * (when the id is known), the statements of a BATCH joined with `"; "`.
   */
  readonly query?: string;
}

/** Whether CQL `text` equals `match`, or matches it when it is a pattern. */
export function queryMatches(match: string | RegExp, text: string): boolean {
  return typeof match === 'string' ? match === text : match.test(text);
}

/** Every request a server received, in arrival order. */
export class RequestLog {
  /** The requests, oldest first. */
  readonly requests: ReceivedRequest[] = [];
  private seq = 0;

  /**
   * Record a decoded request that arrived on connection `connection`; `preparedText` gives
   * the text of a prepared id, if known.
   */
  record(connection: number, frame: Frame, decoded: DecodedRequest, preparedText: (id: Buffer) => string | undefined): ReceivedRequest {
    const m = decoded.message;
    let query: string | undefined;
    if (m.opcode === Opcode.QUERY || m.opcode === Opcode.PREPARE) query = m.query;
    else if (m.opcode === Opcode.EXECUTE) query = preparedText(m.queryId);
    else if (m.opcode === Opcode.BATCH) {
      query = m.statements.map((s) => (s.kind === 'query' ? s.query : (preparedText(s.id) ?? '?'))).join('; ');
    }
    const req: ReceivedRequest = {
      connection,
      seq: ++this.seq,
      receivedAt: performance.now(),
      version: frame.version as 4 | 5,
      stream: frame.stream,
      opcode: frame.opcode,
      tracing: decoded.tracing,
      ...(decoded.customPayload !== undefined ? { customPayload: decoded.customPayload } : {}),
      message: m,
      ...(query !== undefined ? { query } : {}),
    };
    this.requests.push(req);
    return req;
  }

  /** Requests received with the given opcode. */
  of(opcode: number): ReceivedRequest[] {
    return this.requests.filter((r) => r.opcode === opcode);
  }
}

// Small helper so a custom payload can be read as text in assertions.
/** The UTF-8 text of `key` in a received custom payload, or undefined. */
export function payloadText(payload: CustomPayload | Readonly<Record<string, Buffer | null>> | undefined, key: string): string | undefined {
  const v = payload?.[key];
  return v === undefined || v === null ? undefined : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
}
