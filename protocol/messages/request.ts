// Every request message (spec §4.1), their body codec, and the hot-path frame writer.
import { Reader, Writer } from '../buffer.js';
import type { ProtocolVersion } from '../constants.js';
import { FrameFlag, Opcode } from '../constants.js';
import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import type { CustomPayload } from './envelope.js';
import { readAuthResponse, writeAuthResponse, type AuthResponseRequest } from './request/auth-response.js';
import { readBatch, writeBatch, type BatchRequest } from './request/batch.js';
import { readExecute, writeExecute, type ExecuteRequest } from './request/execute.js';
import { OPTIONS_REQUEST, type OptionsRequest } from './request/options.js';
import { readPrepare, writePrepare, type PrepareRequest } from './request/prepare.js';
import { readQuery, writeQuery, type QueryRequest } from './request/query.js';
import { readRegister, writeRegister, type RegisterRequest } from './request/register.js';
import { readStartup, writeStartup, type StartupRequest } from './request/startup.js';
import { asProtocolError, checkVersion, encodeError } from './util.js';

/** Any request message, discriminated by `opcode`. */
export type Request =
  | StartupRequest
  | OptionsRequest
  | QueryRequest
  | PrepareRequest
  | ExecuteRequest
  | BatchRequest
  | RegisterRequest
  | AuthResponseRequest;

/** Frame-level options of one request. */
export interface RequestFrameOptions {
  /** Ask the server to trace this request (QUERY, PREPARE, EXECUTE, BATCH). */
  readonly tracing?: boolean;
  /** Custom payload for the server's QueryHandler. */
  readonly customPayload?: CustomPayload;
  /** Opt in to a protocol version the server marks as beta. */
  readonly beta?: boolean;
}

/** A decoded request with what its frame said around it. */
export interface DecodedRequest {
  /** Tracing flag of the frame. */
  readonly tracing: boolean;
  /** Custom payload (flag CUSTOM_PAYLOAD); values are copies. */
  readonly customPayload?: Readonly<Record<string, Buffer | null>>;
  /** The request. */
  readonly message: Request;
}

/** The header fields and (uncompressed) body {@link decodeRequest} needs; a `Frame` fits. */
export interface RequestFrameLike {
  readonly version: number;
  readonly flags: number;
  readonly opcode: number;
  readonly body: Buffer;
}

/** Frame header size (spec §2). */
const HEADER_SIZE = 9;
/** Spec §2.5: frame bodies are limited to 256 MB. */
const MAX_BODY = 256 * 1024 * 1024;

/** Append the body of `req` (no header, no custom payload) to `w`. */
export function writeRequestBody(w: Writer, req: Request, version: ProtocolVersion): void {
  switch (req.opcode) {
    case Opcode.STARTUP:
      return writeStartup(w, req);
    case Opcode.OPTIONS:
      return;
    case Opcode.QUERY:
      return writeQuery(w, req, version);
    case Opcode.PREPARE:
      return writePrepare(w, req, version);
    case Opcode.EXECUTE:
      return writeExecute(w, req, version);
    case Opcode.BATCH:
      return writeBatch(w, req, version);
    case Opcode.REGISTER:
      return writeRegister(w, req);
    case Opcode.AUTH_RESPONSE:
      return writeAuthResponse(w, req);
  }
}

/**
 * Encode the body of `req`. With `w`, appends to it and returns a view of the bytes written
 * by this call; otherwise returns a fresh buffer.
 */
export function encodeRequestBody(req: Request, version: ProtocolVersion, w?: Writer): Buffer {
  const out = w ?? new Writer(128);
  const start = out.offset;
  writeRequestBody(out, req, version);
  return out.buf.subarray(start, out.offset);
}

/**
 * Append one complete request frame (9-byte header, custom payload, body) to `w`, patching
 * the length in place: no intermediate buffers. On failure (e.g. a value that cannot be
 * encoded) `w` is left exactly as it was, so frames already in it stay valid.
 * The body is written uncompressed; v4 compression is applied by the caller.
 */
export function writeRequestFrame(
  w: Writer,
  version: ProtocolVersion,
  stream: number,
  req: Request,
  opts?: RequestFrameOptions,
): void {
  if (!(stream >= -0x8000 && stream <= 0x7fff) || !Number.isInteger(stream)) {
    throw encodeError(`stream id ${stream} is not a [short]`);
  }
  const start = w.offset;
  try {
    let flags = 0;
    if (opts !== undefined) {
      if (opts.tracing) flags |= FrameFlag.TRACING;
      if (opts.customPayload !== undefined) flags |= FrameFlag.CUSTOM_PAYLOAD;
      if (opts.beta) flags |= FrameFlag.USE_BETA;
    }
    w.ensure(HEADER_SIZE);
    const buf = w.buf;
    buf[start] = version;
    buf[start + 1] = flags;
    buf.writeInt16BE(stream, start + 2);
    buf[start + 4] = req.opcode;
    w.offset = start + HEADER_SIZE;
    if (opts?.customPayload !== undefined) w.bytesMap(opts.customPayload);
    writeRequestBody(w, req, version);
    const length = w.offset - start - HEADER_SIZE;
    if (length > MAX_BODY) {
      throw new ProtocolError(ProtocolErrorCode.FRAME_TOO_LARGE, `request body of ${length} bytes exceeds 256 MB`);
    }
    // The writer may have grown (new buffer) while writing the body.
    w.buf.writeInt32BE(length, start + 5);
  } catch (err) {
    w.offset = start;
    throw err;
  }
}

/**
 * Decode a request frame's body (already decompressed). Anything malformed raises
 * {@link ProtocolError}. Bound values are views of `frame.body`.
 */
export function decodeRequest(frame: RequestFrameLike): DecodedRequest {
  const version = checkVersion(frame.version & 0x7f);
  const r = new Reader(frame.body);
  try {
    const customPayload = frame.flags & FrameFlag.CUSTOM_PAYLOAD ? r.bytesMap() : undefined;
    const message = readRequestMessage(r, frame.opcode, version);
    const tracing = (frame.flags & FrameFlag.TRACING) !== 0;
    return customPayload === undefined ? { tracing, message } : { tracing, customPayload, message };
  } catch (err) {
    throw asProtocolError(err, 'request');
  }
}

function readRequestMessage(r: Reader, opcode: number, version: ProtocolVersion): Request {
  switch (opcode) {
    case Opcode.STARTUP:
      return readStartup(r);
    case Opcode.OPTIONS:
      return OPTIONS_REQUEST;
    case Opcode.QUERY:
      return readQuery(r, version);
    case Opcode.PREPARE:
      return readPrepare(r, version);
    case Opcode.EXECUTE:
      return readExecute(r, version);
    case Opcode.BATCH:
      return readBatch(r, version);
    case Opcode.REGISTER:
      return readRegister(r);
    case Opcode.AUTH_RESPONSE:
      return readAuthResponse(r);
    default:
      throw new ProtocolError(ProtocolErrorCode.UNSUPPORTED, `opcode 0x${opcode.toString(16)} is not a request`);
  }
}
