import { CqlwireError } from '../../protocol/index.js';

export { CqlwireError };

/** Stable `code` values of the driver's own (non-server) errors. */
export const DriverErrorCode = {
  /** The request did not complete within its timeout. */
  REQUEST_TIMEOUT: 'ERR_REQUEST_TIMEOUT',
  /** The request was cancelled through its AbortSignal. */
  ABORTED: 'ERR_ABORTED',
  /** The connection closed (or was destroyed) before the response arrived. */
  CONNECTION_CLOSED: 'ERR_CONNECTION_CLOSED',
  /** Could not open a connection (refused, TLS failure, handshake failure). */
  CONNECT_FAILED: 'ERR_CONNECT_FAILED',
  /** Every host tried failed; `errors` holds each host's cause. */
  NO_HOST_AVAILABLE: 'ERR_NO_HOST_AVAILABLE',
  /** Too many requests queued waiting for a free stream id. */
  QUEUE_FULL: 'ERR_QUEUE_FULL',
  /** The client was closed. */
  CLIENT_CLOSED: 'ERR_CLIENT_CLOSED',
  /** A caller passed an invalid argument or option. */
  INVALID_ARGUMENT: 'ERR_INVALID_ARGUMENT',
  /** The server answered something the driver cannot use at this point. */
  UNEXPECTED_RESPONSE: 'ERR_UNEXPECTED_RESPONSE',
  /** Authentication was required but not configured, or failed locally. */
  AUTH: 'ERR_AUTH',
  /** An offload worker crashed or stopped answering. */
  WORKER_FAILED: 'ERR_WORKER_FAILED',
  /** A typed statement's declared column types differ from the server's metadata. */
  SCHEMA_MISMATCH: 'ERR_SCHEMA_MISMATCH',
} as const;
/** One of the {@link DriverErrorCode} values. */
export type DriverErrorCode = (typeof DriverErrorCode)[keyof typeof DriverErrorCode];

/** An error raised by the driver itself (not sent by the server). */
export class DriverError extends CqlwireError {
  declare readonly code: DriverErrorCode;
  constructor(code: DriverErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The request did not complete within its timeout. Its stream id stays reserved until the late answer arrives. */
export class RequestTimeoutError extends DriverError {
  /** Timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;
  /** Host the request was sent to. */
  readonly host: string;
  constructor(host: string, timeoutMs: number) {
    super(DriverErrorCode.REQUEST_TIMEOUT, `request to ${host} timed out after ${timeoutMs} ms`);
    this.host = host;
    this.timeoutMs = timeoutMs;
  }
}

/** The request was cancelled through its AbortSignal. */
export class AbortedError extends DriverError {
  constructor(reason?: unknown) {
    super(DriverErrorCode.ABORTED, 'request aborted', reason === undefined ? undefined : { cause: reason });
  }
}

/** The connection closed before the response arrived; whether the server ran the request is unknown. */
export class ConnectionClosedError extends DriverError {
  /** Host of the connection. */
  readonly host: string;
  constructor(host: string, reason: string, cause?: unknown) {
    super(DriverErrorCode.CONNECTION_CLOSED, `connection to ${host} closed: ${reason}`, cause === undefined ? undefined : { cause });
    this.host = host;
  }
}

/** A connection could not be opened or its handshake failed. */
export class ConnectError extends DriverError {
  /** Host that could not be reached. */
  readonly host: string;
  constructor(host: string, reason: string, cause?: unknown) {
    super(DriverErrorCode.CONNECT_FAILED, `cannot connect to ${host}: ${reason}`, cause === undefined ? undefined : { cause });
    this.host = host;
  }
}

/** No host could serve the request. `errors` maps each host tried to why it failed. */
export class NoHostAvailableError extends DriverError {
  /** Per-host cause, keyed by `address:port`. */
  readonly errors: ReadonlyMap<string, Error>;
  constructor(errors: ReadonlyMap<string, Error>, message?: string) {
    const detail = [...errors].map(([h, e]) => `${h}: ${e.message}`).join('; ');
    super(
      DriverErrorCode.NO_HOST_AVAILABLE,
      message ?? (errors.size === 0 ? 'no host available (none to try)' : `no host available (${detail})`),
      errors.size === 1 ? { cause: [...errors.values()][0] } : undefined,
    );
    this.errors = errors;
  }
}

/**
 * A bound was hit: too many requests waiting for a stream id.
 *
 * Raised without a stack trace: under overload it is raised once per request past the bound,
 * in bulk, and capturing a stack costs several microseconds of event-loop time each (200,000 of
 * them blocked the loop for seconds). The code and message say what happened; the stack would
 * only show the driver's own frames. The DataStax Java driver does the same for its
 * BusyConnectionException.
 */
export class QueueFullError extends DriverError {
  /** The configured limit. */
  readonly limit: number;
  constructor(host: string, limit: number) {
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(DriverErrorCode.QUEUE_FULL, `request queue for ${host} is full (${limit} waiting); the server is not keeping up`);
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    this.limit = limit;
  }

  /**
   * The same error made without running `Error`'s constructor, which costs about a microsecond
   * even with no stack: for shedding a burst, where one is made per request refused. It is an
   * `instanceof` QueueFullError (and Error, CqlwireError) with own `code` and `limit`; its
   * `message` and `stack` are shared by every error shed for the same host and limit (they come
   * from a per-host prototype, made once, so a shed error costs two property writes).
   * @internal
   */
  static shed(host: string, limit: number): QueueFullError {
    let proto = shedPrototypes.get(host);
    if (proto === undefined || proto.limit !== limit) {
      proto = Object.create(QueueFullError.prototype) as QueueFullError;
      const message = `request queue for ${host} is full (${limit} waiting); the server is not keeping up`;
      Object.defineProperty(proto, 'message', { value: message, writable: true, configurable: true });
      Object.defineProperty(proto, 'stack', { value: `QueueFullError: ${message}`, writable: true, configurable: true });
      Object.defineProperty(proto, 'limit', { value: limit, writable: true, configurable: true });
      shedPrototypes.set(host, proto);
    }
    const e = Object.create(proto) as { -readonly [K in keyof QueueFullError]: QueueFullError[K] };
    e.code = DriverErrorCode.QUEUE_FULL;
    e.limit = limit;
    return e as QueueFullError;
  }
}

/** Per host: the prototype of its shed errors (see `QueueFullError.shed`). */
const shedPrototypes = new Map<string, QueueFullError>();

/** The client was closed before or while the request ran. */
export class ClientClosedError extends DriverError {
  constructor() {
    super(DriverErrorCode.CLIENT_CLOSED, 'client is closed');
  }
}

/** An invalid argument or option. */
export class InvalidArgumentError extends DriverError {
  /** @param cause why, when it comes from elsewhere (e.g. an optional peer that failed to load). */
  constructor(message: string, cause?: unknown) {
    super(DriverErrorCode.INVALID_ARGUMENT, message, cause === undefined ? undefined : { cause });
  }
}

/** Authentication failed locally or is required but not configured. */
export class AuthError extends DriverError {
  constructor(message: string, cause?: unknown) {
    super(DriverErrorCode.AUTH, message, cause === undefined ? undefined : { cause });
  }
}

/** The server answered with a message the driver did not expect. */
export class UnexpectedResponseError extends DriverError {
  constructor(message: string) {
    super(DriverErrorCode.UNEXPECTED_RESPONSE, message);
  }
}

/**
 * An offload worker (`ClientOptions.offload`) crashed, exited or stopped answering while it
 * decoded this request's response. The worker is replaced; other requests go on. The server
 * did run the request (its response had arrived).
 */
export class WorkerFailedError extends DriverError {
  /** What happened to the worker: it threw, exited, or did not answer in time. */
  readonly reason: 'crashed' | 'exited' | 'hung' | 'terminated';
  constructor(reason: 'crashed' | 'exited' | 'hung' | 'terminated', message: string, cause?: unknown) {
    super(DriverErrorCode.WORKER_FAILED, message, cause === undefined ? undefined : { cause });
    this.reason = reason;
  }
}

/**
 * A typed statement (`client.prepare(cql, { expect })`) does not match the server: a column's
 * CQL type differs from the declared one, a result column is not declared, or a declared column
 * of a `SELECT *` is gone. Raised at prepare time, and on protocol v5 when an execution reports
 * changed result metadata. Regenerate the types (`cqlwire generate`) after a schema change.
 */
export class SchemaMismatchError extends DriverError {
  /** Keyspace of the column's table. */
  readonly keyspace: string;
  /** Table of the column. */
  readonly table: string;
  /** The column that differs. */
  readonly column: string;
  /** Its declared CQL type, or null when it is not declared. */
  readonly declared: string | null;
  /** Its CQL type on the server, or null when the server has no such column here. */
  readonly actual: string | null;
  constructor(f: { keyspace: string; table: string; column: string; declared: string | null; actual: string | null; query: string }) {
    const what =
      f.declared === null
        ? `has column ${JSON.stringify(f.column)} (${f.actual}) that the declared types lack`
        : f.actual === null
          ? `lacks declared column ${JSON.stringify(f.column)} (${f.declared})`
          : `column ${JSON.stringify(f.column)} is ${f.actual}, declared ${f.declared}`;
    super(DriverErrorCode.SCHEMA_MISMATCH, `schema mismatch: ${f.keyspace}.${f.table} ${what} (statement: ${f.query})`);
    this.keyspace = f.keyspace;
    this.table = f.table;
    this.column = f.column;
    this.declared = f.declared;
    this.actual = f.actual;
  }
}
