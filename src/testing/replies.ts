// Builders of the answers a test scripts: VOID, Rows (whole or paged) and ERROR replies.
import {
  Opcode,
  errorKindOf,
  rowsResultFromValues,
  type ColumnSpec,
  type DataType,
  type ErrorCode, // for the {@link ErrorCode} in errorInfo's doc
  type Response,
  type ResponsePreamble,
  type ServerErrorInfo,
} from '../../protocol/index.js';
import type { ReceivedRequest } from './recording.js';

/**
 * What the server answers to a QUERY, PREPARE, EXECUTE or BATCH: any response message with
 * an optional envelope (tracing id, warnings, custom payload).
 */
export interface FakeReply {
  /** The response message. */
  readonly response: Response;
  /** Tracing id, warnings and custom payload to send with it. */
  readonly envelope?: ResponsePreamble;
}

/** A column of a canned Rows result. */
export interface FakeColumn {
  /** Column name. */
  readonly name: string;
  /** CQL type. */
  readonly type: DataType;
}

/** Column specs of `columns`, all in `keyspace.table` (default `ks.tbl`, like canned rows). */
export function columnSpecs(columns: readonly FakeColumn[], keyspace = 'ks', table = 'tbl'): ColumnSpec[] {
  return columns.map((c) => ({ keyspace, table, name: c.name, type: c.type }));
}

/** A VOID result. */
export function voidReply(envelope?: ResponsePreamble): FakeReply {
  return { response: { opcode: Opcode.RESULT, result: { kind: 'void' } }, envelope };
}

/**
 * A Rows result from JS values (encoded with the protocol's codecs for each column's type).
 * `pagingState` marks more pages.
 */
export function rowsReply(
  columns: readonly FakeColumn[],
  rows: readonly (readonly unknown[])[],
  options: { readonly keyspace?: string; readonly table?: string; readonly pagingState?: Buffer; readonly envelope?: ResponsePreamble } = {},
): FakeReply {
  const specs = columnSpecs(columns, options.keyspace, options.table);
  const result = rowsResultFromValues({ columnCount: specs.length, columns: specs, pagingState: options.pagingState }, rows);
  return { response: { opcode: Opcode.RESULT, result }, envelope: options.envelope };
}

/**
 * A canned answer (for {@link FakeServer.when}) that pages `rows` like Cassandra: each QUERY or
 * EXECUTE gets at most its `pageSize` rows (default all) from where its paging state points,
 * and a paging state while more remain. The paging state is the next row offset as 4 bytes.
 */
export function pagedReply(columns: readonly FakeColumn[], rows: readonly (readonly unknown[])[]): (request: ReceivedRequest) => FakeReply {
  return (request) => {
    const m = request.message;
    const params = m.opcode === Opcode.QUERY || m.opcode === Opcode.EXECUTE ? m.params : undefined;
    const state = params?.pagingState;
    const from = state !== undefined && state.length === 4 ? state.readUInt32BE(0) : 0;
    const size = params?.pageSize !== undefined && params.pageSize > 0 ? params.pageSize : rows.length;
    const to = Math.min(rows.length, from + size);
    let pagingState: Buffer | undefined;
    if (to < rows.length) {
      pagingState = Buffer.alloc(4);
      pagingState.writeUInt32BE(to, 0);
    }
    return rowsReply(columns, rows.slice(from, to), { pagingState });
  };
}

/** An ERROR reply carrying `info` (its `kind` must match its `code`; see {@link errorInfo}). */
export function errorReply(info: ServerErrorInfo, envelope?: ResponsePreamble): FakeReply {
  return { response: { opcode: Opcode.ERROR, error: info }, envelope };
}

/**
 * A code-and-message-only error ({@link ErrorCode} values such as OVERLOADED, IS_BOOTSTRAPPING,
 * SERVER_ERROR, PROTOCOL_ERROR, SYNTAX_ERROR, INVALID...). For codes with typed fields
 * (UNAVAILABLE, READ_TIMEOUT, ...) build the {@link ServerErrorInfo} yourself.
 */
export function errorInfo(code: number, message = `fake error 0x${code.toString(16)}`): ServerErrorInfo {
  const kind = errorKindOf(code);
  if (kind !== 'generic') throw new TypeError(`error code 0x${code.toString(16)} has typed fields (kind '${kind}'); build the ServerErrorInfo`);
  return { kind, code, message };
}
