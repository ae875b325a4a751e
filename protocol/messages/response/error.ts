// Spec §4.2.1 ERROR: <code [int]><message [string]> then fields depending on the code (§9).
import type { Reader, Writer } from '../../buffer.js';
import type { ProtocolVersion } from '../../constants.js';
import { ErrorCode, Opcode } from '../../constants.js';
import { malformed, truncated } from '../../errors.js';
import { encodeError } from '../util.js';

/** Fields every server error has. */
interface ServerErrorBase {
  /** CQL error code ({@link ErrorCode}); unknown codes are kept as they are. */
  readonly code: number;
  /** Human-readable message from the server. */
  readonly message: string;
}

/** UNAVAILABLE: not enough live replicas. */
export interface UnavailableInfo extends ServerErrorBase {
  readonly kind: 'unavailable';
  /** Consistency level of the query ({@link Consistency} value). */
  readonly consistency: number;
  /** Replicas the consistency level needs. */
  readonly required: number;
  /** Replicas known alive. */
  readonly alive: number;
}

/** WRITE_TIMEOUT: replicas did not acknowledge the write in time. */
export interface WriteTimeoutInfo extends ServerErrorBase {
  readonly kind: 'writeTimeout';
  /** Consistency level of the query. */
  readonly consistency: number;
  /** Acknowledgements received. */
  readonly received: number;
  /** Acknowledgements required. */
  readonly blockFor: number;
  /** SIMPLE, BATCH, UNLOGGED_BATCH, COUNTER, BATCH_LOG, CAS, VIEW, CDC. */
  readonly writeType: string;
  /** v5, writeType CAS only: Paxos contentions seen. */
  readonly contentions?: number;
}

/** READ_TIMEOUT: replicas did not answer the read in time. */
export interface ReadTimeoutInfo extends ServerErrorBase {
  readonly kind: 'readTimeout';
  /** Consistency level of the query. */
  readonly consistency: number;
  /** Responses received. */
  readonly received: number;
  /** Responses required. */
  readonly blockFor: number;
  /** Whether the replica asked for data answered. */
  readonly dataPresent: boolean;
}

/** One entry of a v5 failure reason map. */
export interface FailureReason {
  /** Replica address (IPv4 or IPv6 text). */
  readonly endpoint: string;
  /** Failure reason code (0 UNKNOWN, 1 READ_TOO_MANY_TOMBSTONES, ...). */
  readonly code: number;
}

/** Fields of READ_FAILURE and WRITE_FAILURE. */
interface FailureFields {
  /** Consistency level of the query. */
  readonly consistency: number;
  /** Responses received. */
  readonly received: number;
  /** Responses required. */
  readonly blockFor: number;
  /** Number of replicas that failed (v5: the size of {@link reasonMap}). */
  readonly numFailures: number;
  /** v5: failure reason per replica. */
  readonly reasonMap?: readonly FailureReason[];
}

/** READ_FAILURE: replicas failed the read (e.g. too many tombstones). */
export interface ReadFailureInfo extends ServerErrorBase, FailureFields {
  readonly kind: 'readFailure';
  /** Whether the replica asked for data answered. */
  readonly dataPresent: boolean;
}

/** WRITE_FAILURE: replicas failed the write. */
export interface WriteFailureInfo extends ServerErrorBase, FailureFields {
  readonly kind: 'writeFailure';
  /** Type of the write, as in {@link WriteTimeoutInfo.writeType}. */
  readonly writeType: string;
}

/** FUNCTION_FAILURE: a user-defined function threw. */
export interface FunctionFailureInfo extends ServerErrorBase {
  readonly kind: 'functionFailure';
  /** Keyspace of the function. */
  readonly keyspace: string;
  /** Function name. */
  readonly function: string;
  /** CQL argument types. */
  readonly argTypes: readonly string[];
}

/** ALREADY_EXISTS: CREATE of a keyspace or table that exists. */
export interface AlreadyExistsInfo extends ServerErrorBase {
  readonly kind: 'alreadyExists';
  /** Keyspace. */
  readonly keyspace: string;
  /** Table, or "" when the keyspace is what exists. */
  readonly table: string;
}

/** UNPREPARED: the server does not know this prepared id (re-prepare and retry). */
export interface UnpreparedInfo extends ServerErrorBase {
  readonly kind: 'unprepared';
  /** The unknown prepared id. */
  readonly id: Buffer;
}

/** CAS_WRITE_UNKNOWN (v5): outcome of a conditional write is unknown. */
export interface CasWriteUnknownInfo extends ServerErrorBase {
  readonly kind: 'casWriteUnknown';
  /** Consistency level of the query. */
  readonly consistency: number;
  /** Acknowledgements received. */
  readonly received: number;
  /** Acknowledgements required. */
  readonly blockFor: number;
}

/**
 * Any other error (SERVER_ERROR, PROTOCOL_ERROR, AUTHENTICATION_ERROR, OVERLOADED,
 * IS_BOOTSTRAPPING, TRUNCATE_ERROR, SYNTAX_ERROR, UNAUTHORIZED, INVALID, CONFIG_ERROR,
 * CDC_WRITE_FAILURE, or a code this codec does not know): code and message only.
 */
export interface GenericErrorInfo extends ServerErrorBase {
  readonly kind: 'generic';
}

/** The content of an ERROR message, discriminated by `kind` (which follows from `code`). */
export type ServerErrorInfo =
  | UnavailableInfo
  | WriteTimeoutInfo
  | ReadTimeoutInfo
  | ReadFailureInfo
  | WriteFailureInfo
  | FunctionFailureInfo
  | AlreadyExistsInfo
  | UnpreparedInfo
  | CasWriteUnknownInfo
  | GenericErrorInfo;

/** ERROR response. */
export interface ErrorResponse {
  readonly opcode: typeof Opcode.ERROR;
  /** What went wrong. */
  readonly error: ServerErrorInfo;
}

/** The {@link ServerErrorInfo} `kind` that an error code carries. */
export function errorKindOf(code: number): ServerErrorInfo['kind'] {
  switch (code) {
    case ErrorCode.UNAVAILABLE:
      return 'unavailable';
    case ErrorCode.WRITE_TIMEOUT:
      return 'writeTimeout';
    case ErrorCode.READ_TIMEOUT:
      return 'readTimeout';
    case ErrorCode.READ_FAILURE:
      return 'readFailure';
    case ErrorCode.WRITE_FAILURE:
      return 'writeFailure';
    case ErrorCode.FUNCTION_FAILURE:
      return 'functionFailure';
    case ErrorCode.ALREADY_EXISTS:
      return 'alreadyExists';
    case ErrorCode.UNPREPARED:
      return 'unprepared';
    case ErrorCode.CAS_WRITE_UNKNOWN:
      return 'casWriteUnknown';
    default:
      return 'generic';
  }
}

/** Write the body of an ERROR. Throws an ENCODE error if `kind` does not match `code`. */
export function writeError(w: Writer, res: ErrorResponse, version: ProtocolVersion): void {
  const e = res.error;
  if (errorKindOf(e.code) !== e.kind) {
    throw encodeError(`error code 0x${e.code.toString(16)} does not carry kind '${e.kind}'`);
  }
  w.int(e.code);
  w.string(e.message);
  switch (e.kind) {
    case 'unavailable':
      w.short(e.consistency).int(e.required).int(e.alive);
      return;
    case 'writeTimeout':
      w.short(e.consistency).int(e.received).int(e.blockFor).string(e.writeType);
      if (version >= 5 && e.writeType === 'CAS' && e.contentions !== undefined) w.short(e.contentions);
      return;
    case 'readTimeout':
      w.short(e.consistency).int(e.received).int(e.blockFor).byte(e.dataPresent ? 1 : 0);
      return;
    case 'readFailure':
      writeFailureFields(w, e, version);
      w.byte(e.dataPresent ? 1 : 0);
      return;
    case 'writeFailure':
      writeFailureFields(w, e, version);
      w.string(e.writeType);
      return;
    case 'functionFailure':
      w.string(e.keyspace).string(e.function).stringList(e.argTypes);
      return;
    case 'alreadyExists':
      w.string(e.keyspace).string(e.table);
      return;
    case 'unprepared':
      w.shortBytes(e.id);
      return;
    case 'casWriteUnknown':
      w.short(e.consistency).int(e.received).int(e.blockFor);
      return;
    case 'generic':
      return;
  }
}

function writeFailureFields(w: Writer, e: FailureFields, version: ProtocolVersion): void {
  w.short(e.consistency).int(e.received).int(e.blockFor);
  if (version >= 5) {
    // v5 replaces <numfailures> by the reason map, whose [int] count plays the same role.
    const map = e.reasonMap ?? [];
    w.int(map.length);
    for (const f of map) w.inetAddr(f.endpoint).short(f.code);
  } else {
    w.int(e.numFailures);
  }
}

/** Read the body of an ERROR. Trailing bytes are ignored (spec §4.2). */
export function readError(r: Reader, version: ProtocolVersion): ErrorResponse {
  const code = r.int();
  const message = r.string();
  return { opcode: Opcode.ERROR, error: readErrorFields(r, code, message, version) };
}

function readErrorFields(r: Reader, code: number, message: string, version: ProtocolVersion): ServerErrorInfo {
  switch (errorKindOf(code)) {
    case 'unavailable': {
      const consistency = r.short();
      const required = r.int();
      const alive = r.int();
      return { kind: 'unavailable', code, message, consistency, required, alive };
    }
    case 'writeTimeout': {
      const consistency = r.short();
      const received = r.int();
      const blockFor = r.int();
      const writeType = r.string();
      // The count is v5-only; tolerate a server that omits it rather than lose the error.
      if (version >= 5 && writeType === 'CAS' && r.remaining >= 2) {
        return { kind: 'writeTimeout', code, message, consistency, received, blockFor, writeType, contentions: r.short() };
      }
      return { kind: 'writeTimeout', code, message, consistency, received, blockFor, writeType };
    }
    case 'readTimeout': {
      const consistency = r.short();
      const received = r.int();
      const blockFor = r.int();
      const dataPresent = r.byte() !== 0;
      return { kind: 'readTimeout', code, message, consistency, received, blockFor, dataPresent };
    }
    case 'readFailure': {
      const f = readFailureFields(r, version);
      return { kind: 'readFailure', code, message, ...f, dataPresent: r.byte() !== 0 };
    }
    case 'writeFailure': {
      const f = readFailureFields(r, version);
      return { kind: 'writeFailure', code, message, ...f, writeType: r.string() };
    }
    case 'functionFailure': {
      const keyspace = r.string();
      const fn = r.string();
      return { kind: 'functionFailure', code, message, keyspace, function: fn, argTypes: r.stringList() };
    }
    case 'alreadyExists': {
      const keyspace = r.string();
      return { kind: 'alreadyExists', code, message, keyspace, table: r.string() };
    }
    case 'unprepared':
      return { kind: 'unprepared', code, message, id: Buffer.from(r.shortBytes()) };
    case 'casWriteUnknown': {
      const consistency = r.short();
      const received = r.int();
      const blockFor = r.int();
      return { kind: 'casWriteUnknown', code, message, consistency, received, blockFor };
    }
    case 'generic':
      return { kind: 'generic', code, message };
  }
}

function readFailureFields(r: Reader, version: ProtocolVersion): FailureFields {
  const consistency = r.short();
  const received = r.int();
  const blockFor = r.int();
  const n = r.int();
  if (version < 5) return { consistency, received, blockFor, numFailures: n };
  // Each entry takes at least 7 bytes ([inetaddr] of 4 + [short]).
  if (n < 0) throw malformed(`negative failure reason map size ${n}`);
  if (r.remaining < n * 7) throw truncated('failure reason map');
  const reasonMap: FailureReason[] = new Array<FailureReason>(n);
  for (let i = 0; i < n; i++) {
    const endpoint = r.inetAddr();
    reasonMap[i] = { endpoint, code: r.short() };
  }
  return { consistency, received, blockFor, numFailures: n, reasonMap };
}
