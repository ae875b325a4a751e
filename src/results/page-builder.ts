import { Opcode, sameDataType, type ColumnSpec, type DecodeOptions, type RowsResult } from '../../protocol/index.js';
import type { ConnectionResponse } from '../connection/connection.js';
import { UnexpectedResponseError } from '../errors/driver-errors.js';
import { OffloadedRowsResult } from '../offload/pool.js';
import { ResultPage, type ColumnInfo, type ExecutionInfo } from './page.js';
import { arrivingRows, decodeResultRows, pendingRows } from './page-rows.js';

// RESULT messages into pages. Building a page changes nothing: what a result asks of the
// session (a new keyspace, a prepared statement's new result columns) is returned to it.

/** An answered request, as the execution core hands it up. */
export interface AnsweredRequest {
  /** The coordinator's answer. */
  readonly response: ConnectionResponse;
  /** Hosts tried, in order, with the error of each failed attempt. */
  readonly attempts: ExecutionInfo['attempts'];
  /** Protocol version of the connection that answered. */
  readonly version: 4 | 5;
  /** False when a schema change's wait for agreement ran out before every node agreed. */
  readonly schemaInAgreement: boolean;
  /** How the rows' values are read (the client's `int64`, `timestampAs`); undefined: defaults. */
  readonly decode?: DecodeOptions | undefined;
}

/** What a prepared statement's result metadata is, for the page builder. */
export interface PreparedResultMetadata {
  /** v5: id of the result metadata the statement was prepared (or last updated) with. */
  readonly resultMetadataId: Buffer | undefined;
  /** Columns the statement's rows had when last seen. */
  readonly resultColumns: readonly ColumnSpec[];
}

/** What a result asks of the session. The session applies it; the builder does not. */
export interface ResultEffects {
  /** `USE ks` ran through execute: the session's keyspace is now this one. */
  readonly keyspace?: string;
  /** The statement's result columns changed since it was prepared: adopt these. */
  readonly resultMetadata?: { readonly id: Buffer | undefined; readonly columns: readonly ColumnSpec[] };
}

/** A built page, and what its result asks of the session. */
export interface BuiltPage<R> {
  /** The page; a promise when an offload worker's rows are still being built. */
  readonly page: ResultPage<R> | Promise<ResultPage<R>>;
  /** Undefined for nearly every result. */
  readonly effects: ResultEffects | undefined;
}

/** Fetches the page after a given paging state with the same statement and options. */
export type FetchNextPage<R> = (pagingState: Buffer) => Promise<ResultPage<R>>;

const NO_WARNINGS: readonly string[] = Object.freeze([]);
const NO_COLUMNS: readonly ColumnInfo[] = Object.freeze([]);

/** The paging state of a RESULT of kind rows, else null (no next page). */
export function nextPagingState(answer: AnsweredRequest): Buffer | null {
  const m = answer.response.message;
  return m.opcode === Opcode.RESULT && m.result.kind === 'rows' ? ((m.result as RowsResult).metadata.pagingState ?? null) : null;
}

/**
 * The page of an answered request.
 * @param prepared the statement that ran, if it ran prepared: its cached columns (and their
 *   compiled decoder) are used when the server sends the same ones again.
 * @param undecoded for a stream: leave the rows undecoded until read, and build the page of an
 *   answer whose rows an offload worker still decodes at once (`ResultPage.rowsReady`); else
 *   that page is a promise until the rows are built.
 */
export function buildPage<R>(answer: AnsweredRequest, prepared: PreparedResultMetadata | undefined, fetchNext: FetchNextPage<R> | null, undecoded: boolean): BuiltPage<R> {
  const response = answer.response;
  const m = response.message;
  if (m.opcode !== Opcode.RESULT) throw new UnexpectedResponseError(`expected RESULT, got opcode ${m.opcode}`);
  const info: ExecutionInfo = {
    coordinator: response.host,
    traceId: response.tracingId,
    warnings: response.warnings ?? NO_WARNINGS,
    customPayload: response.customPayload,
    protocolVersion: answer.version,
    attempts: answer.attempts,
    schemaInAgreement: answer.schemaInAgreement,
  };
  const result = m.result;
  if (result.kind !== 'rows') {
    const effects = result.kind === 'setKeyspace' ? { keyspace: result.keyspace } : undefined;
    return { page: new ResultPage<R>([], NO_COLUMNS, null, info, null), effects };
  }
  const rows = result as RowsResult;
  let columns = rows.metadata.columns;
  let effects: ResultEffects | undefined;
  if (prepared !== undefined) {
    if (rows.metadata.newMetadataId !== undefined && columns !== undefined) {
      // v5: the table changed since preparation.
      effects = { resultMetadata: { id: rows.metadata.newMetadataId, columns } };
    } else if (columns !== undefined && columns !== prepared.resultColumns) {
      // Metadata sent in full (v4): when it matches the cached columns, use those, whose
      // compiled row decoder is cached; else the new columns are adopted for next time.
      if (sameColumns(columns, prepared.resultColumns)) columns = prepared.resultColumns;
      else effects = { resultMetadata: { id: prepared.resultMetadataId, columns } };
    }
    columns ??= prepared.resultColumns;
  }
  const cols = columns ?? NO_COLUMNS;
  const next = rows.metadata.pagingState ?? null;
  const bodyUnshared = response.customPayload === undefined;
  const decode = answer.decode;
  // Answered when its frame went to an offload worker: the rows follow when it is done.
  const later = rows instanceof OffloadedRowsResult ? rows.rows : undefined;
  if (undecoded && rows.rowCount > 0) {
    // The column count is checked now, or when a worker's rows arrive (a mismatch fails this
    // page); each row's cells are checked and decoded when the consumer reaches it, and a
    // malformed one fails the iteration there with a ProtocolError.
    const pending = later === undefined ? pendingRows<R>(rows, cols, bodyUnshared, decode) : arrivingRows<R>(later, rows.rowCount, cols, bodyUnshared, decode);
    return { page: ResultPage.undecoded<R>(pending, cols, next, info, fetchNext), effects };
  }
  const decoded = later === undefined ? decodeResultRows(rows, cols, undefined, decode) : later.then((r) => decodeResultRows(r, cols, undefined, decode));
  // A page decoded by an offload worker is built in slices that yield to the event loop.
  const page = Array.isArray(decoded) ? new ResultPage<R>(decoded as R[], cols, next, info, fetchNext) : decoded.then((d) => new ResultPage<R>(d as R[], cols, next, info, fetchNext));
  return { page, effects };
}

function sameColumns(a: readonly ColumnInfo[], b: readonly ColumnInfo[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name || x.table !== y.table || x.keyspace !== y.keyspace || !sameDataType(x.type, y.type)) return false;
  }
  return true;
}
