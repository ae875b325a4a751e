// Spec §4.1.4 QUERY: <query><query_parameters>, and the <query_parameters> shared with EXECUTE.
import type { Reader, Unset, Writer } from '../../buffer.js';
import type { Consistency, ProtocolVersion } from '../../constants.js';
import { Opcode, QueryFlag } from '../../constants.js';
import { truncated } from '../../errors.js';
import type { ValueEncoder } from '../../types/codec.js';
import { encodeError, readConsistency, requireV5 } from '../util.js';

/** One bound value, already serialized: its bytes, `null`, or {@link UNSET} (leave the column unchanged). */
export type BoundValue = Buffer | null | Unset;

/** Values bound by marker name (QUERY only; flag With_names_for_values). `names[i]` goes with `values[i]`. */
export interface NamedValues {
  /** Bind marker names, in the order of {@link values}. */
  readonly names: readonly string[];
  /** Serialized values. */
  readonly values: readonly BoundValue[];
}

/**
 * Positional values serialized at write time, straight into the frame being written: no
 * intermediate Buffer per value. `write` must append exactly `count` [value]s (length prefix
 * included), which is what `compileEncoder` functions from `protocol/types` do.
 */
export interface ValueWriter {
  /** Number of [value]s {@link write} appends. */
  readonly count: number;
  /** Append the values to `w`. */
  write(w: Writer): void;
}

/**
 * Bound values of a QUERY, EXECUTE or BATCH statement: serialized positional values, named
 * values, or a {@link ValueWriter} (the prepared-statement hot path, see {@link EncodedValues}).
 * Decoders always produce one of the first two forms.
 */
export type BoundValues = readonly BoundValue[] | NamedValues | ValueWriter;

/**
 * A {@link ValueWriter} pairing compiled per-marker encoders (cached per prepared statement) with
 * one request's JS values. One small object per request; values are encoded only when the
 * frame is written.
 */
export class EncodedValues implements ValueWriter {
  constructor(
    /** One `compileEncoder` result per bind marker (each writes a whole [value]). */
    readonly encoders: readonly ValueEncoder[],
    /** One JS value per bind marker. */
    readonly values: readonly unknown[],
  ) {
    if (encoders.length !== values.length) {
      throw encodeError(`${values.length} values for ${encoders.length} bind markers`);
    }
  }

  /** Number of values. */
  get count(): number {
    return this.values.length;
  }

  /** Encode every value into `w`. */
  write(w: Writer): void {
    const encoders = this.encoders;
    const values = this.values;
    for (let i = 0; i < encoders.length; i++) encoders[i]!(w, values[i]);
  }
}

/** True when `v` is the positional, already-serialized form. */
export function isValueList(v: BoundValues): v is readonly BoundValue[] {
  return Array.isArray(v);
}

/** True when `v` is the named form. */
export function isNamedValues(v: BoundValues): v is NamedValues {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'names' in v;
}

/** <query_parameters> of QUERY and EXECUTE (spec §4.1.4). Absent optional fields are not sent. */
export interface QueryParameters {
  /** Consistency level of the operation. */
  readonly consistency: Consistency;
  /** Bound values (flag Values; named form adds With_names_for_values). */
  readonly values?: BoundValues;
  /** Ask for a Rows result without metadata (flag Skip_metadata): the client has it cached. */
  readonly skipMetadata?: boolean;
  /** Rows per page (flag Page_size). */
  readonly pageSize?: number;
  /** Continue from this paging state (flag With_paging_state). */
  readonly pagingState?: Buffer;
  /** SERIAL or LOCAL_SERIAL for conditional updates (flag With_serial_consistency). */
  readonly serialConsistency?: Consistency;
  /**
   * Default write timestamp in microseconds since the epoch (flag With_default_timestamp); a
   * number must be a safe integer. Decoded as a bigint.
   */
  readonly defaultTimestamp?: bigint | number;
  /** v5: keyspace to run the query in (flag With_keyspace). */
  readonly keyspace?: string;
  /** v5: "now" in seconds since the epoch, for TTL / testing (flag With_now_in_seconds). */
  readonly nowInSeconds?: number;
}

/** QUERY: run an unprepared CQL statement. */
export interface QueryRequest {
  readonly opcode: typeof Opcode.QUERY;
  /** CQL text. */
  readonly query: string;
  /** Consistency, values, paging and other options. */
  readonly params: QueryParameters;
}

/** Write `count` then the values of `values` (names included for the named form). */
export function writeBoundValues(w: Writer, values: BoundValues): void {
  // Callers outside the type system (plain JS) can pass anything: refuse it with a typed error.
  if (typeof values !== 'object' || values === null) throw encodeError(`bound values must be an array, named values or a ValueWriter, got ${values === null ? 'null' : typeof values}`);
  if (isValueList(values)) {
    if (values.length > 0xffff) throw encodeError(`too many bound values (${values.length})`);
    w.short(values.length);
    for (let i = 0; i < values.length; i++) w.value(values[i]!);
  } else if (isNamedValues(values)) {
    const { names, values: list } = values;
    if (names.length !== list.length) throw encodeError(`${names.length} names for ${list.length} values`);
    if (list.length > 0xffff) throw encodeError(`too many bound values (${list.length})`);
    w.short(list.length);
    for (let i = 0; i < list.length; i++) w.string(names[i]!).value(list[i]!);
  } else {
    if (typeof values.count !== 'number' || typeof values.write !== 'function') throw encodeError('bound values must be an array, named values or a ValueWriter');
    if (values.count > 0xffff || values.count < 0) throw encodeError(`invalid bound value count ${values.count}`);
    w.short(values.count);
    values.write(w);
  }
}

/** Read `count` values (each preceded by a name when `named`); values are views of the input. */
export function readBoundValues(r: Reader, named: boolean): readonly BoundValue[] | NamedValues {
  const n = r.short();
  // Each [value] takes at least 4 bytes, a name at least 2 more: refuse counts the input cannot hold.
  if (r.remaining < n * (named ? 6 : 4)) throw truncated('bound values');
  const values: BoundValue[] = new Array<BoundValue>(n);
  if (!named) {
    for (let i = 0; i < n; i++) values[i] = r.value();
    return values;
  }
  const names: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    names[i] = r.string();
    values[i] = r.value();
  }
  return { names, values };
}

/** Write <query_parameters>: v4 flags are a [byte], v5 flags an [int]. */
export function writeQueryParameters(w: Writer, p: QueryParameters, version: ProtocolVersion): void {
  let flags = 0;
  const values = p.values;
  if (values !== undefined) {
    flags |= QueryFlag.VALUES;
    if (isNamedValues(values)) flags |= QueryFlag.WITH_NAMES_FOR_VALUES;
  }
  if (p.skipMetadata) flags |= QueryFlag.SKIP_METADATA;
  if (p.pageSize !== undefined) flags |= QueryFlag.PAGE_SIZE;
  if (p.pagingState !== undefined) flags |= QueryFlag.WITH_PAGING_STATE;
  if (p.serialConsistency !== undefined) flags |= QueryFlag.WITH_SERIAL_CONSISTENCY;
  if (p.defaultTimestamp !== undefined) flags |= QueryFlag.WITH_DEFAULT_TIMESTAMP;
  if (p.keyspace !== undefined) {
    requireV5(version, 'keyspace');
    flags |= QueryFlag.WITH_KEYSPACE;
  }
  if (p.nowInSeconds !== undefined) {
    requireV5(version, 'nowInSeconds');
    flags |= QueryFlag.WITH_NOW_IN_SECONDS;
  }
  w.short(p.consistency);
  if (version >= 5) w.int(flags);
  else w.byte(flags);
  if (values !== undefined) writeBoundValues(w, values);
  if (p.pageSize !== undefined) w.int(p.pageSize);
  if (p.pagingState !== undefined) w.bytes(p.pagingState);
  if (p.serialConsistency !== undefined) w.short(p.serialConsistency);
  if (p.defaultTimestamp !== undefined) w.long(p.defaultTimestamp);
  if (p.keyspace !== undefined) w.string(p.keyspace);
  if (p.nowInSeconds !== undefined) w.int(p.nowInSeconds);
}

/** Read <query_parameters>. Bound values are views of the input; the paging state is copied. */
export function readQueryParameters(r: Reader, version: ProtocolVersion): QueryParameters {
  const consistency = readConsistency(r);
  const flags = version >= 5 ? r.int() : r.byte();
  let values: readonly BoundValue[] | NamedValues | undefined;
  let pageSize: number | undefined;
  let pagingState: Buffer | undefined;
  let serialConsistency: Consistency | undefined;
  let defaultTimestamp: bigint | undefined;
  let keyspace: string | undefined;
  let nowInSeconds: number | undefined;
  if (flags & QueryFlag.VALUES) values = readBoundValues(r, (flags & QueryFlag.WITH_NAMES_FOR_VALUES) !== 0);
  if (flags & QueryFlag.PAGE_SIZE) pageSize = r.int();
  if (flags & QueryFlag.WITH_PAGING_STATE) {
    const b = r.bytes();
    // A null paging state means "from the start", i.e. no paging state.
    if (b !== null) pagingState = Buffer.from(b);
  }
  if (flags & QueryFlag.WITH_SERIAL_CONSISTENCY) serialConsistency = readConsistency(r);
  if (flags & QueryFlag.WITH_DEFAULT_TIMESTAMP) defaultTimestamp = r.long();
  if (version >= 5) {
    if (flags & QueryFlag.WITH_KEYSPACE) keyspace = r.string();
    if (flags & QueryFlag.WITH_NOW_IN_SECONDS) nowInSeconds = r.int();
  }
  const p: {
    -readonly [K in keyof QueryParameters]: QueryParameters[K];
  } = { consistency };
  if (values !== undefined) p.values = values;
  if (flags & QueryFlag.SKIP_METADATA) p.skipMetadata = true;
  if (pageSize !== undefined) p.pageSize = pageSize;
  if (pagingState !== undefined) p.pagingState = pagingState;
  if (serialConsistency !== undefined) p.serialConsistency = serialConsistency;
  if (defaultTimestamp !== undefined) p.defaultTimestamp = defaultTimestamp;
  if (keyspace !== undefined) p.keyspace = keyspace;
  if (nowInSeconds !== undefined) p.nowInSeconds = nowInSeconds;
  return p;
}

/** Write the body of a QUERY. */
export function writeQuery(w: Writer, req: QueryRequest, version: ProtocolVersion): void {
  w.longString(req.query);
  writeQueryParameters(w, req.params, version);
}

/** Read the body of a QUERY. */
export function readQuery(r: Reader, version: ProtocolVersion): QueryRequest {
  const query = r.longString();
  return { opcode: Opcode.QUERY, query, params: readQueryParameters(r, version) };
}
