// Small helpers shared by the message codecs. Internal: not re-exported from the package.
import type { ProtocolVersion } from '../constants.js';
import { Consistency, BatchType } from '../constants.js';
import { ProtocolError, ProtocolErrorCode, malformed } from '../errors.js';
import type { Reader } from '../buffer.js';

/** Encoding a field the negotiated version does not have is a caller bug, never silently dropped. */
export function requireV5(version: ProtocolVersion, field: string): void {
  if (version < 5) {
    throw new ProtocolError(ProtocolErrorCode.ENCODE, `${field} requires protocol v5 (connection uses v${version})`);
  }
}

/** A caller-supplied value the wire format cannot carry. */
export function encodeError(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.ENCODE, message);
}

const MAX_CONSISTENCY = Consistency.LOCAL_ONE;

/** [consistency] in a request: only the levels the spec defines. */
export function readConsistency(r: Reader): Consistency {
  const c = r.short();
  if (c > MAX_CONSISTENCY) throw malformed(`unknown consistency level 0x${c.toString(16)}`);
  return c as Consistency;
}

/** Batch type [byte]: 0, 1 or 2. */
export function readBatchType(r: Reader): BatchType {
  const t = r.byte();
  if (t > BatchType.COUNTER) throw malformed(`unknown batch type ${t}`);
  return t as BatchType;
}

/** [int] that must be ≥ 0 (counts, page sizes). */
export function readCount(r: Reader, what: string): number {
  const n = r.int();
  if (n < 0) throw malformed(`negative ${what} ${n}`);
  return n;
}

/** Copy a view so the result does not pin the (possibly large) frame buffer it came from. */
export function copyBytes(b: Buffer): Buffer {
  return Buffer.from(b);
}

/** Check a protocol version number taken from a frame. */
export function checkVersion(version: number): ProtocolVersion {
  if (version !== 4 && version !== 5) {
    throw new ProtocolError(ProtocolErrorCode.VERSION, `unsupported protocol version ${version}`);
  }
  return version;
}

/** Turn anything a decoder threw into a ProtocolError (decoders of other layers may throw RangeError on bad input). */
export function asProtocolError(err: unknown, what: string): ProtocolError {
  if (err instanceof ProtocolError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new ProtocolError(ProtocolErrorCode.MALFORMED, `malformed ${what}: ${detail}`, { cause: err });
}
