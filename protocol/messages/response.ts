// Every response message (spec §4.2), the response envelope, and response frame encoding
// (used by fake servers, proxies and tests).
import { Reader, Writer } from '../buffer.js';
import type { ProtocolVersion } from '../constants.js';
import { FrameFlag, Opcode } from '../constants.js';
import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { readResponsePreamble, writeResponsePreamble, type ResponsePreamble } from './envelope.js';
import { readAuthChallenge, writeAuthChallenge, type AuthChallengeResponse } from './response/auth-challenge.js';
import { readAuthSuccess, writeAuthSuccess, type AuthSuccessResponse } from './response/auth-success.js';
import { readAuthenticate, writeAuthenticate, type AuthenticateResponse } from './response/authenticate.js';
import { readError, writeError, type ErrorResponse } from './response/error.js';
import { readEvent, writeEvent, type EventResponse } from './response/event.js';
import { READY_RESPONSE, type ReadyResponse } from './response/ready.js';
import { readResult, writeResult, type ResultResponse } from './response/result.js';
import { readSupported, writeSupported, type SupportedResponse } from './response/supported.js';
import { asProtocolError, checkVersion, encodeError } from './util.js';

/** Any response message, discriminated by `opcode`. */
export type Response =
  | ErrorResponse
  | ReadyResponse
  | AuthenticateResponse
  | SupportedResponse
  | ResultResponse
  | EventResponse
  | AuthChallengeResponse
  | AuthSuccessResponse;

/** A decoded response with its envelope: tracing id, warnings, custom payload. */
export interface ResponseEnvelope extends ResponsePreamble {
  /** The response message. */
  readonly message: Response;
}

/** The header fields and (decompressed) body {@link decodeResponse} needs; a `Frame` fits. */
export interface ResponseFrameLike {
  /** Protocol version (the response bit 0x80 may be set or not). */
  readonly version: number;
  readonly flags: number;
  readonly opcode: number;
  readonly body: Buffer;
}

const HEADER_SIZE = 9;
const RESPONSE_BIT = 0x80;
const PREAMBLE_FLAGS = FrameFlag.TRACING | FrameFlag.WARNING | FrameFlag.CUSTOM_PAYLOAD;

/**
 * Decode a response frame's body (already decompressed). Malformed or truncated input raises
 * {@link ProtocolError} and nothing else; bytes after the message are ignored (spec §4.2).
 * Rows stay undecoded: see `decodeRows`. An ERROR frame of protocol v1–v3 (a server refusing
 * the version during negotiation) is decoded too.
 */
export function decodeResponse(frame: ResponseFrameLike): ResponseEnvelope {
  const raw = frame.version & 0x7f;
  // Error bodies start with the same <code><message> in every version.
  const version = frame.opcode === Opcode.ERROR && raw >= 1 && raw < 4 ? 4 : checkVersion(raw);
  const r = new Reader(frame.body);
  try {
    const preamble = frame.flags & PREAMBLE_FLAGS ? readResponsePreamble(r, frame.flags) : undefined;
    const message = readResponseMessage(r, frame.opcode, version);
    if (preamble === undefined) return { message };
    return { ...preamble, message };
  } catch (err) {
    throw asProtocolError(err, 'response');
  }
}

function readResponseMessage(r: Reader, opcode: number, version: ProtocolVersion): Response {
  switch (opcode) {
    case Opcode.ERROR:
      return readError(r, version);
    case Opcode.READY:
      return READY_RESPONSE;
    case Opcode.AUTHENTICATE:
      return readAuthenticate(r);
    case Opcode.SUPPORTED:
      return readSupported(r);
    case Opcode.RESULT:
      return readResult(r, version);
    case Opcode.EVENT:
      return readEvent(r);
    case Opcode.AUTH_CHALLENGE:
      return readAuthChallenge(r);
    case Opcode.AUTH_SUCCESS:
      return readAuthSuccess(r);
    default:
      throw new ProtocolError(ProtocolErrorCode.UNSUPPORTED, `opcode 0x${opcode.toString(16)} is not a response`);
  }
}

/** Append the body of `res` (no header, no envelope) to `w`. */
export function writeResponseBody(w: Writer, res: Response, version: ProtocolVersion): void {
  switch (res.opcode) {
    case Opcode.ERROR:
      return writeError(w, res, version);
    case Opcode.READY:
      return;
    case Opcode.AUTHENTICATE:
      return writeAuthenticate(w, res);
    case Opcode.SUPPORTED:
      return writeSupported(w, res);
    case Opcode.RESULT:
      return writeResult(w, res, version);
    case Opcode.EVENT:
      return writeEvent(w, res);
    case Opcode.AUTH_CHALLENGE:
      return writeAuthChallenge(w, res);
    case Opcode.AUTH_SUCCESS:
      return writeAuthSuccess(w, res);
  }
}

/** Encode the body of `res`; with `w`, appends to it and returns a view of what this call wrote. */
export function encodeResponseBody(res: Response, version: ProtocolVersion, w?: Writer): Buffer {
  const out = w ?? new Writer(128);
  const start = out.offset;
  writeResponseBody(out, res, version);
  return out.buf.subarray(start, out.offset);
}

/**
 * Append one complete, uncompressed response frame (header with the response bit, envelope,
 * body) to `w`. Header flags follow from the envelope fields present. On failure `w` is left
 * as it was.
 */
export function writeResponseFrame(
  w: Writer,
  version: ProtocolVersion,
  stream: number,
  res: Response,
  envelope?: ResponsePreamble,
): void {
  if (!(stream >= -0x8000 && stream <= 0x7fff) || !Number.isInteger(stream)) {
    throw encodeError(`stream id ${stream} is not a [short]`);
  }
  const start = w.offset;
  try {
    w.ensure(HEADER_SIZE);
    w.offset = start + HEADER_SIZE;
    const flags = writeResponsePreamble(w, envelope);
    writeResponseBody(w, res, version);
    const buf = w.buf;
    buf[start] = RESPONSE_BIT | version;
    buf[start + 1] = flags;
    buf.writeInt16BE(stream, start + 2);
    buf[start + 4] = res.opcode;
    buf.writeInt32BE(w.offset - start - HEADER_SIZE, start + 5);
  } catch (err) {
    w.offset = start;
    throw err;
  }
}

/** One complete response frame as a fresh buffer (see {@link writeResponseFrame}). */
export function encodeResponseFrame(
  version: ProtocolVersion,
  stream: number,
  res: Response,
  envelope?: ResponsePreamble,
): Buffer {
  const w = new Writer(256);
  writeResponseFrame(w, version, stream, res, envelope);
  return Buffer.from(w.finish());
}
