/**
 * Root of every error cqlwire raises, in the codec and in the driver.
 *
 * `code` is stable across releases and is what programs should switch on; `message` is for
 * humans. The brand makes {@link CqlwireError.is} work across two copies of the package,
 * where `instanceof` would not.
 */
export class CqlwireError extends Error {
  /** Stable machine-readable error code, e.g. `ERR_PROTOCOL_TRUNCATED`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  override get name(): string {
    return this.constructor.name;
  }

  /** True for any cqlwire error, even one made by another copy of the package. */
  static is(value: unknown): value is CqlwireError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[CQLWIRE_ERROR_BRAND] === true;
  }
}

const CQLWIRE_ERROR_BRAND = Symbol.for('cqlwire.error');
Object.defineProperty(CqlwireError.prototype, CQLWIRE_ERROR_BRAND, { value: true });

/** Stable codes of {@link ProtocolError}. */
export const ProtocolErrorCode = {
  /** Input ended before a complete value / message could be read. */
  TRUNCATED: 'ERR_PROTOCOL_TRUNCATED',
  /** A length, count, flag or tag has a value the spec does not allow. */
  MALFORMED: 'ERR_PROTOCOL_MALFORMED',
  /** A frame or segment declares a body larger than the configured maximum. */
  FRAME_TOO_LARGE: 'ERR_PROTOCOL_FRAME_TOO_LARGE',
  /** A v5 segment header or payload checksum does not match. */
  CHECKSUM: 'ERR_PROTOCOL_CHECKSUM',
  /** Unknown protocol version in a frame header. */
  VERSION: 'ERR_PROTOCOL_VERSION',
  /** Compressed data could not be decompressed. */
  COMPRESSION: 'ERR_PROTOCOL_COMPRESSION',
  /** A JS value cannot be encoded as the requested CQL type. */
  ENCODE: 'ERR_PROTOCOL_ENCODE',
  /** A message, opcode or type is not known to this codec. */
  UNSUPPORTED: 'ERR_PROTOCOL_UNSUPPORTED',
} as const;

/** One of the {@link ProtocolErrorCode} values. */
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/** Malformed, truncated or unsupported bytes, or a value that cannot be encoded. */
export class ProtocolError extends CqlwireError {
  declare readonly code: ProtocolErrorCode;
  /**
   * Stream id of the frame the error is about, when its header could be read (e.g. a frame
   * larger than the maximum): a driver fails that request with this error.
   */
  readonly stream: number | undefined;
  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown; stream?: number }) {
    super(code, message, options);
    this.stream = options?.stream;
  }
}

/** Shorthand used by decoders: input ended early. */
export function truncated(what: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.TRUNCATED, `truncated input while reading ${what}`);
}

/** Shorthand used by decoders: a field has a value the spec does not allow. */
export function malformed(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.MALFORMED, message);
}
