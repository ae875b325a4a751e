import { CqlwireError, ErrorCode, type ErrorResponse } from '../../protocol/index.js';

/** Stable `code` of each server error class, by CQL error code. */
export const ServerErrorCode = {
  SERVER_ERROR: 'ERR_SERVER_ERROR',
  PROTOCOL: 'ERR_SERVER_PROTOCOL',
  AUTHENTICATION: 'ERR_SERVER_AUTHENTICATION',
  UNAVAILABLE: 'ERR_SERVER_UNAVAILABLE',
  OVERLOADED: 'ERR_SERVER_OVERLOADED',
  IS_BOOTSTRAPPING: 'ERR_SERVER_IS_BOOTSTRAPPING',
  TRUNCATE: 'ERR_SERVER_TRUNCATE',
  WRITE_TIMEOUT: 'ERR_SERVER_WRITE_TIMEOUT',
  READ_TIMEOUT: 'ERR_SERVER_READ_TIMEOUT',
  READ_FAILURE: 'ERR_SERVER_READ_FAILURE',
  FUNCTION_FAILURE: 'ERR_SERVER_FUNCTION_FAILURE',
  WRITE_FAILURE: 'ERR_SERVER_WRITE_FAILURE',
  CDC_WRITE_FAILURE: 'ERR_SERVER_CDC_WRITE_FAILURE',
  CAS_WRITE_UNKNOWN: 'ERR_SERVER_CAS_WRITE_UNKNOWN',
  SYNTAX: 'ERR_SERVER_SYNTAX',
  UNAUTHORIZED: 'ERR_SERVER_UNAUTHORIZED',
  INVALID: 'ERR_SERVER_INVALID',
  CONFIG: 'ERR_SERVER_CONFIG',
  ALREADY_EXISTS: 'ERR_SERVER_ALREADY_EXISTS',
  UNPREPARED: 'ERR_SERVER_UNPREPARED',
  UNKNOWN: 'ERR_SERVER_UNKNOWN',
} as const;
/** One of the {@link ServerErrorCode} values. */
export type ServerErrorCode = (typeof ServerErrorCode)[keyof typeof ServerErrorCode];

/** An ERROR message sent by the server. `cqlCode` is the protocol's numeric error code. */
export class ServerError extends CqlwireError {
  declare readonly code: ServerErrorCode;
  /** The numeric CQL error code (spec §9). */
  readonly cqlCode: number;
  /** The coordinator that sent the error (`address:port`). */
  readonly host: string;
  constructor(code: ServerErrorCode, cqlCode: number, message: string, host: string) {
    super(code, message);
    this.cqlCode = cqlCode;
    this.host = host;
  }
}

/** Not enough replicas alive to reach the consistency level. */
export class UnavailableError extends ServerError {
  /** Requested consistency. */
  readonly consistency: number;
  /** Replicas required. */
  readonly required: number;
  /** Replicas alive. */
  readonly alive: number;
  constructor(m: string, host: string, f: { consistency: number; required: number; alive: number }) {
    super(ServerErrorCode.UNAVAILABLE, ErrorCode.UNAVAILABLE, m, host);
    this.consistency = f.consistency;
    this.required = f.required;
    this.alive = f.alive;
  }
}

/** The coordinator timed out waiting for replicas during a read. */
export class ReadTimeoutError extends ServerError {
  /** Requested consistency. */
  readonly consistency: number;
  /** Replicas that answered. */
  readonly received: number;
  /** Replicas required. */
  readonly blockFor: number;
  /** Whether the replica asked for data answered. */
  readonly dataPresent: boolean;
  constructor(m: string, host: string, f: { consistency: number; received: number; blockFor: number; dataPresent: boolean }) {
    super(ServerErrorCode.READ_TIMEOUT, ErrorCode.READ_TIMEOUT, m, host);
    this.consistency = f.consistency;
    this.received = f.received;
    this.blockFor = f.blockFor;
    this.dataPresent = f.dataPresent;
  }
}

/** The coordinator timed out waiting for replicas during a write. */
export class WriteTimeoutError extends ServerError {
  /** Requested consistency. */
  readonly consistency: number;
  /** Replicas that acknowledged. */
  readonly received: number;
  /** Replicas required. */
  readonly blockFor: number;
  /** SIMPLE, BATCH, UNLOGGED_BATCH, COUNTER, BATCH_LOG, CAS, VIEW, CDC. */
  readonly writeType: string;
  /** v5 CAS: contentions. */
  readonly contentions: number | undefined;
  constructor(m: string, host: string, f: { consistency: number; received: number; blockFor: number; writeType: string; contentions?: number }) {
    super(ServerErrorCode.WRITE_TIMEOUT, ErrorCode.WRITE_TIMEOUT, m, host);
    this.consistency = f.consistency;
    this.received = f.received;
    this.blockFor = f.blockFor;
    this.writeType = f.writeType;
    this.contentions = f.contentions;
  }
}

/** A replica failed (not timed out) during a read. */
export class ReadFailureError extends ServerError {
  /** Requested consistency. */
  readonly consistency: number;
  /** Replicas that answered. */
  readonly received: number;
  /** Replicas required. */
  readonly blockFor: number;
  /** Failed replicas: address → reason code (v5), or just the count (v4). */
  readonly failures: number;
  /** v5: failure reason per replica address. */
  readonly reasons: Readonly<Record<string, number>>;
  /** Whether the replica asked for data answered. */
  readonly dataPresent: boolean;
  constructor(m: string, host: string, f: { consistency: number; received: number; blockFor: number; failures: number; reasons: Readonly<Record<string, number>>; dataPresent: boolean }) {
    super(ServerErrorCode.READ_FAILURE, ErrorCode.READ_FAILURE, m, host);
    this.consistency = f.consistency;
    this.received = f.received;
    this.blockFor = f.blockFor;
    this.failures = f.failures;
    this.reasons = f.reasons;
    this.dataPresent = f.dataPresent;
  }
}

/** A replica failed (not timed out) during a write. */
export class WriteFailureError extends ServerError {
  /** Requested consistency. */
  readonly consistency: number;
  /** Replicas that acknowledged. */
  readonly received: number;
  /** Replicas required. */
  readonly blockFor: number;
  /** Failed replicas. */
  readonly failures: number;
  /** v5: failure reason per replica address. */
  readonly reasons: Readonly<Record<string, number>>;
  /** Kind of write. */
  readonly writeType: string;
  constructor(m: string, host: string, f: { consistency: number; received: number; blockFor: number; failures: number; reasons: Readonly<Record<string, number>>; writeType: string }) {
    super(ServerErrorCode.WRITE_FAILURE, ErrorCode.WRITE_FAILURE, m, host);
    this.consistency = f.consistency;
    this.received = f.received;
    this.blockFor = f.blockFor;
    this.failures = f.failures;
    this.reasons = f.reasons;
    this.writeType = f.writeType;
  }
}

/** A user-defined function failed. */
export class FunctionFailureError extends ServerError {
  /** Keyspace of the function. */
  readonly keyspace: string;
  /** Function name. */
  readonly functionName: string;
  /** CQL argument types. */
  readonly argTypes: readonly string[];
  constructor(m: string, host: string, f: { keyspace: string; functionName: string; argTypes: readonly string[] }) {
    super(ServerErrorCode.FUNCTION_FAILURE, ErrorCode.FUNCTION_FAILURE, m, host);
    this.keyspace = f.keyspace;
    this.functionName = f.functionName;
    this.argTypes = f.argTypes;
  }
}

/** CREATE of a keyspace or table that exists. */
export class AlreadyExistsError extends ServerError {
  /** Keyspace. */
  readonly keyspace: string;
  /** Table; empty when the keyspace itself exists. */
  readonly table: string;
  constructor(m: string, host: string, f: { keyspace: string; table: string }) {
    super(ServerErrorCode.ALREADY_EXISTS, ErrorCode.ALREADY_EXISTS, m, host);
    this.keyspace = f.keyspace;
    this.table = f.table;
  }
}

/** The coordinator does not know a prepared statement id (the driver re-prepares and retries). */
export class UnpreparedError extends ServerError {
  /** The unknown statement id. */
  readonly statementId: Buffer;
  constructor(m: string, host: string, id: Buffer) {
    super(ServerErrorCode.UNPREPARED, ErrorCode.UNPREPARED, m, host);
    this.statementId = id;
  }
}

/** A CAS write whose outcome is unknown (v5). */
export class CasWriteUnknownError extends ServerError {
  /** Requested consistency. */
  readonly consistency: number;
  /** Replicas that acknowledged. */
  readonly received: number;
  /** Replicas required. */
  readonly blockFor: number;
  constructor(m: string, host: string, f: { consistency: number; received: number; blockFor: number }) {
    super(ServerErrorCode.CAS_WRITE_UNKNOWN, ErrorCode.CAS_WRITE_UNKNOWN, m, host);
    this.consistency = f.consistency;
    this.received = f.received;
    this.blockFor = f.blockFor;
  }
}

/** The coordinator failed internally (CQL 0x0000). */
export class ServerInternalError extends ServerError {
  constructor(m: string, host: string) {
    super(ServerErrorCode.SERVER_ERROR, ErrorCode.SERVER_ERROR, m, host);
  }
}

/** The server rejected a message as a protocol violation, e.g. an unsupported version (CQL 0x000A). */
export class ServerProtocolError extends ServerError {
  constructor(m: string, host: string) {
    super(ServerErrorCode.PROTOCOL, ErrorCode.PROTOCOL_ERROR, m, host);
  }
}

/** Authentication failed: bad credentials (CQL 0x0100). */
export class AuthenticationError extends ServerError {
  constructor(m: string, host: string) {
    super(ServerErrorCode.AUTHENTICATION, ErrorCode.AUTHENTICATION_ERROR, m, host);
  }
}

/** The coordinator is overloaded (CQL 0x1001). */
export class OverloadedError extends ServerError {
  constructor(m: string, host: string) {
    super(ServerErrorCode.OVERLOADED, ErrorCode.OVERLOADED, m, host);
  }
}

/** The coordinator is bootstrapping (CQL 0x1002). */
export class IsBootstrappingError extends ServerError {
  constructor(m: string, host: string) {
    super(ServerErrorCode.IS_BOOTSTRAPPING, ErrorCode.IS_BOOTSTRAPPING, m, host);
  }
}

/** A TRUNCATE failed (CQL 0x1003). */
export class TruncateError extends ServerError {
  constructor(m: string, host: string) {
    super(ServerErrorCode.TRUNCATE, ErrorCode.TRUNCATE_ERROR, m, host);
  }
}

/** A write to a CDC-enabled table was rejected (CQL 0x1600, v5). */
export class CdcWriteFailureError extends ServerError {
  constructor(m: string, host: string) {
    super(ServerErrorCode.CDC_WRITE_FAILURE, ErrorCode.CDC_WRITE_FAILURE, m, host);
  }
}

/** The CQL text does not parse (CQL 0x2000). Named so as not to shadow the global `SyntaxError`. */
export class CqlSyntaxError extends ServerError {
  constructor(m: string, host: string) {
    super(ServerErrorCode.SYNTAX, ErrorCode.SYNTAX_ERROR, m, host);
  }
}

/** The logged-in user may not run this statement (CQL 0x2100). */
export class UnauthorizedError extends ServerError {
  constructor(m: string, host: string) {
    super(ServerErrorCode.UNAUTHORIZED, ErrorCode.UNAUTHORIZED, m, host);
  }
}

/** The statement parses but is invalid: unknown keyspace/table/column, wrong value type… (CQL 0x2200). */
export class InvalidQueryError extends ServerError {
  constructor(m: string, host: string) {
    super(ServerErrorCode.INVALID, ErrorCode.INVALID, m, host);
  }
}

/** The statement conflicts with the schema or server configuration (CQL 0x2300). */
export class ConfigurationError extends ServerError {
  constructor(m: string, host: string) {
    super(ServerErrorCode.CONFIG, ErrorCode.CONFIG_ERROR, m, host);
  }
}

const SIMPLE_CLASSES: Readonly<Record<number, new (m: string, host: string) => ServerError>> = {
  [ErrorCode.SERVER_ERROR]: ServerInternalError,
  [ErrorCode.PROTOCOL_ERROR]: ServerProtocolError,
  [ErrorCode.AUTHENTICATION_ERROR]: AuthenticationError,
  [ErrorCode.OVERLOADED]: OverloadedError,
  [ErrorCode.IS_BOOTSTRAPPING]: IsBootstrappingError,
  [ErrorCode.TRUNCATE_ERROR]: TruncateError,
  [ErrorCode.CDC_WRITE_FAILURE]: CdcWriteFailureError,
  [ErrorCode.SYNTAX_ERROR]: CqlSyntaxError,
  [ErrorCode.UNAUTHORIZED]: UnauthorizedError,
  [ErrorCode.INVALID]: InvalidQueryError,
  [ErrorCode.CONFIG_ERROR]: ConfigurationError,
};

/** Turn a decoded ERROR message into its typed error class. */
export function toServerError(response: ErrorResponse, host: string): ServerError {
  const e = response.error;
  const m = e.message;
  switch (e.kind) {
    case 'unavailable':
      return new UnavailableError(m, host, e);
    case 'readTimeout':
      return new ReadTimeoutError(m, host, e);
    case 'writeTimeout':
      return new WriteTimeoutError(m, host, e);
    case 'readFailure':
      return new ReadFailureError(m, host, { ...e, failures: e.numFailures, reasons: reasonsOf(e.reasonMap) });
    case 'writeFailure':
      return new WriteFailureError(m, host, { ...e, failures: e.numFailures, reasons: reasonsOf(e.reasonMap) });
    case 'functionFailure':
      return new FunctionFailureError(m, host, { keyspace: e.keyspace, functionName: e.function, argTypes: e.argTypes });
    case 'alreadyExists':
      return new AlreadyExistsError(m, host, e);
    case 'unprepared':
      return new UnpreparedError(m, host, e.id);
    case 'casWriteUnknown':
      return new CasWriteUnknownError(m, host, e);
    default: {
      const Simple = SIMPLE_CLASSES[e.code];
      return Simple ? new Simple(m, host) : new ServerError(ServerErrorCode.UNKNOWN, e.code, m, host);
    }
  }
}

function reasonsOf(map: readonly { endpoint: string; code: number }[] | undefined): Record<string, number> {
  const out: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const r of map ?? []) out[r.endpoint] = r.code;
  return out;
}
