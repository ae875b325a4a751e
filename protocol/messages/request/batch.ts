// Spec §4.1.7 BATCH:
//   <type><n><query_1>...<query_n><consistency><flags>[<serial_consistency>][<timestamp>][<keyspace>][<now_in_seconds>]
// with <query_i> = <kind><string_or_id><n>[<name_1>]<value_1>...; flags a [byte] in v4, an [int] in v5.
import type { Reader, Writer } from '../../buffer.js';
import type { BatchType, Consistency, ProtocolVersion } from '../../constants.js';
import { Opcode, QueryFlag } from '../../constants.js';
import { ProtocolError, ProtocolErrorCode, malformed, truncated } from '../../errors.js';
import { encodeError, readBatchType, readConsistency, requireV5 } from '../util.js';
import { writeBoundValues, type BoundValue, type ValueWriter } from './query.js';

/**
 * Values of one batch statement: serialized positional values or a {@link ValueWriter}. Named
 * values are not offered: the spec marks them broken for BATCH (CASSANDRA-10246).
 */
export type BatchValues = readonly BoundValue[] | ValueWriter;

/** <kind> of a batch entry. */
const BatchStatementKind = { QUERY: 0, PREPARED: 1 } as const;

/** One statement of a BATCH: CQL text or a prepared id, with its bound values. */
export type BatchStatement =
  | {
      readonly kind: 'query';
      /** CQL text. */
      readonly query: string;
      /** Bound values. */
      readonly values: BatchValues;
    }
  | {
      readonly kind: 'prepared';
      /** Prepared statement id. */
      readonly id: Buffer;
      /** Bound values. */
      readonly values: BatchValues;
    };

/** BATCH: run several DML statements as one batch. */
export interface BatchRequest {
  readonly opcode: typeof Opcode.BATCH;
  /** LOGGED, UNLOGGED or COUNTER. */
  readonly type: BatchType;
  /** The statements, at most 65535. */
  readonly statements: readonly BatchStatement[];
  /** Consistency level of the batch. */
  readonly consistency: Consistency;
  /** SERIAL or LOCAL_SERIAL for conditional batches. */
  readonly serialConsistency?: Consistency;
  /** Default write timestamp in microseconds since the epoch; a number must be a safe integer. Decoded as a bigint. */
  readonly timestamp?: bigint | number;
  /** v5: keyspace to run the batch in. */
  readonly keyspace?: string;
  /** v5: "now" in seconds since the epoch. */
  readonly nowInSeconds?: number;
}

/** Write the body of a BATCH. */
export function writeBatch(w: Writer, req: BatchRequest, version: ProtocolVersion): void {
  const statements = req.statements;
  if (statements.length > 0xffff) throw encodeError(`too many batch statements (${statements.length})`);
  let flags = 0;
  if (req.serialConsistency !== undefined) flags |= QueryFlag.WITH_SERIAL_CONSISTENCY;
  if (req.timestamp !== undefined) flags |= QueryFlag.WITH_DEFAULT_TIMESTAMP;
  if (req.keyspace !== undefined) {
    requireV5(version, 'keyspace');
    flags |= QueryFlag.WITH_KEYSPACE;
  }
  if (req.nowInSeconds !== undefined) {
    requireV5(version, 'nowInSeconds');
    flags |= QueryFlag.WITH_NOW_IN_SECONDS;
  }
  w.byte(req.type);
  w.short(statements.length);
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i]!;
    if (s.kind === 'query') {
      w.byte(BatchStatementKind.QUERY);
      w.longString(s.query);
    } else {
      w.byte(BatchStatementKind.PREPARED);
      w.shortBytes(s.id);
    }
    writeBoundValues(w, s.values);
  }
  w.short(req.consistency);
  if (version >= 5) w.int(flags);
  else w.byte(flags);
  if (req.serialConsistency !== undefined) w.short(req.serialConsistency);
  if (req.timestamp !== undefined) w.long(req.timestamp);
  if (req.keyspace !== undefined) w.string(req.keyspace);
  if (req.nowInSeconds !== undefined) w.int(req.nowInSeconds);
}

/** Read the body of a BATCH. Values are views of the input; ids are copied. */
export function readBatch(r: Reader, version: ProtocolVersion): BatchRequest {
  const type = readBatchType(r);
  const n = r.short();
  // A prepared entry takes at least 5 bytes (kind, empty id, zero values).
  if (r.remaining < n * 5) throw truncated('batch statements');
  const statements = readBatchStatements(r, n);
  const consistency = readConsistency(r);
  const flags = version >= 5 ? r.int() : r.byte();
  if (flags & QueryFlag.WITH_NAMES_FOR_VALUES) {
    // The statements were read without names; the spec says this flag cannot work for BATCH.
    throw new ProtocolError(ProtocolErrorCode.UNSUPPORTED, 'BATCH with names for values is not supported');
  }
  const req: { -readonly [K in keyof BatchRequest]: BatchRequest[K] } = {
    opcode: Opcode.BATCH,
    type,
    statements,
    consistency,
  };
  if (flags & QueryFlag.WITH_SERIAL_CONSISTENCY) req.serialConsistency = readConsistency(r);
  if (flags & QueryFlag.WITH_DEFAULT_TIMESTAMP) req.timestamp = r.long();
  if (version >= 5) {
    if (flags & QueryFlag.WITH_KEYSPACE) req.keyspace = r.string();
    if (flags & QueryFlag.WITH_NOW_IN_SECONDS) req.nowInSeconds = r.int();
  }
  return req;
}

function readBatchStatements(r: Reader, n: number): BatchStatement[] {
  const out: BatchStatement[] = new Array<BatchStatement>(n);
  for (let i = 0; i < n; i++) {
    const kind = r.byte();
    if (kind === BatchStatementKind.QUERY) {
      const query = r.longString();
      out[i] = { kind: 'query', query, values: readValueList(r) };
    } else if (kind === BatchStatementKind.PREPARED) {
      const id = Buffer.from(r.shortBytes());
      out[i] = { kind: 'prepared', id, values: readValueList(r) };
    } else {
      throw malformed(`unknown batch statement kind ${kind}`);
    }
  }
  return out;
}

function readValueList(r: Reader): readonly BoundValue[] {
  const n = r.short();
  if (r.remaining < n * 4) throw truncated('bound values');
  const values: BoundValue[] = new Array<BoundValue>(n);
  for (let i = 0; i < n; i++) values[i] = r.value();
  return values;
}
