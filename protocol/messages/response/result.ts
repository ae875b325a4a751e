// Spec §4.2.5 RESULT: <kind [int]> then Void, Rows, Set_keyspace, Prepared or Schema_change.
import { Reader, type Writer } from '../../buffer.js';
import type { ProtocolVersion } from '../../constants.js';
import { FrameFlag, Opcode, ResultKind, RowsFlag } from '../../constants.js';
import { ProtocolError, ProtocolErrorCode, malformed, truncated } from '../../errors.js';
import type { DataType } from '../../types/datatype.js';
import { readTypeOption, writeTypeOption } from '../../types/option.js';
import { checkVersion, copyBytes, encodeError, readCount, requireV5 } from '../util.js';
import { readSchemaChange, writeSchemaChange, type SchemaChange } from './event.js';

/** Keyspace and table of a column. */
export interface TableSpec {
  /** Keyspace name. */
  readonly keyspace: string;
  /** Table name. */
  readonly table: string;
}

/** One column of a result, or one bind marker of a prepared statement. */
export interface ColumnSpec extends TableSpec {
  /** Column name, alias or bind marker name. */
  readonly name: string;
  /** CQL type. */
  readonly type: DataType;
}

/**
 * <metadata> of a Rows result (§4.2.5.2), also the <result_metadata> of a Prepared result.
 * Flags are implied by which fields are present.
 */
export interface RowsMetadata {
  /** Number of columns of each row (also when {@link columns} is absent). */
  readonly columnCount: number;
  /** Column specs; absent when the server sent No_metadata (the query asked to skip it). */
  readonly columns?: readonly ColumnSpec[];
  /** Set when the server sent one table spec for all columns (Global_tables_spec). */
  readonly globalTableSpec?: TableSpec;
  /** Opaque state to fetch the next page (Has_more_pages); a copy. */
  readonly pagingState?: Buffer;
  /** v5 Metadata_changed: the new result metadata id; the cached metadata must be replaced. */
  readonly newMetadataId?: Buffer;
}

/** <metadata> of a Prepared result: the bind markers. */
export interface PreparedMetadata {
  /** One spec per bind marker. */
  readonly columns: readonly ColumnSpec[];
  /** Bind marker index of each partition key component, in key order (empty if not all bound). */
  readonly pkIndexes: readonly number[];
  /** Set when the server sent one table spec for all markers. */
  readonly globalTableSpec?: TableSpec;
}

/** Void result: success, nothing to report. */
export interface VoidResult {
  readonly kind: 'void';
}

/**
 * Rows result. Metadata is decoded eagerly; the rows stay as bytes until the consumer decodes
 * them (`decodeRows`, `decodeRowsAsArrays`, `decodeRowsRaw`) or ships them elsewhere.
 */
export interface RowsResult {
  readonly kind: 'rows';
  /** Column specs, paging state, metadata id. */
  readonly metadata: RowsMetadata;
  /** Number of rows in {@link rowsContent}. */
  readonly rowCount: number;
  /**
   * The bytes after <rows_count>: rowCount × columnCount [bytes] cells, possibly followed by
   * bytes to ignore. A view of the frame body: no copy.
   */
  readonly rowsContent: Buffer;
}

/** Set_keyspace result: the answer to USE. */
export interface SetKeyspaceResult {
  readonly kind: 'setKeyspace';
  /** The keyspace now in use. */
  readonly keyspace: string;
}

/** Prepared result: the answer to PREPARE. */
export interface PreparedResult {
  readonly kind: 'prepared';
  /** Prepared statement id (a copy). */
  readonly id: Buffer;
  /** v5: id of {@link resultMetadata}, sent back in EXECUTE. */
  readonly resultMetadataId?: Buffer;
  /** Bind markers. */
  readonly metadata: PreparedMetadata;
  /** Metadata of the rows EXECUTE will return (may have no columns, e.g. for writes). */
  readonly resultMetadata: RowsMetadata;
}

/** Schema_change result: the answer to a DDL statement. */
export type SchemaChangeResult = { readonly kind: 'schemaChange' } & SchemaChange;

/** Any RESULT content, discriminated by `kind`. */
export type Result = VoidResult | RowsResult | SetKeyspaceResult | PreparedResult | SchemaChangeResult;

/** RESULT response. */
export interface ResultResponse {
  readonly opcode: typeof Opcode.RESULT;
  /** The result. */
  readonly result: Result;
}

// ------------------------------------------------------------------------------ column specs

function readColumns(r: Reader, count: number, global: TableSpec | undefined): ColumnSpec[] {
  // Smallest spec: empty name [string] + [option] id (4 bytes), plus two empty [string]s without a global spec.
  if (r.remaining < count * (global ? 4 : 8)) throw truncated('column specs');
  const columns: ColumnSpec[] = new Array<ColumnSpec>(count);
  for (let i = 0; i < count; i++) {
    let keyspace: string;
    let table: string;
    if (global) {
      keyspace = global.keyspace;
      table = global.table;
    } else {
      keyspace = r.string();
      table = r.string();
    }
    const name = r.string();
    columns[i] = { keyspace, table, name, type: readTypeOption(r) };
  }
  return columns;
}

function writeColumns(w: Writer, columns: readonly ColumnSpec[], global: TableSpec | undefined, version: ProtocolVersion): void {
  for (const c of columns) {
    if (global) {
      if (c.keyspace !== global.keyspace || c.table !== global.table) {
        throw encodeError(`column ${c.name} is not in the global table ${global.keyspace}.${global.table}`);
      }
    } else {
      w.string(c.keyspace).string(c.table);
    }
    w.string(c.name);
    writeTypeOption(w, c.type, version);
  }
}

// ------------------------------------------------------------------------------ rows metadata

/** Read a Rows <metadata>. */
export function readRowsMetadata(r: Reader, version: ProtocolVersion): RowsMetadata {
  const flags = r.int();
  const columnCount = readCount(r, 'column count');
  const m: { -readonly [K in keyof RowsMetadata]: RowsMetadata[K] } = { columnCount };
  if (flags & RowsFlag.HAS_MORE_PAGES) {
    const state = r.bytes();
    if (state !== null) m.pagingState = copyBytes(state);
  }
  if (version >= 5 && flags & RowsFlag.METADATA_CHANGED) m.newMetadataId = copyBytes(r.shortBytes());
  if (flags & RowsFlag.NO_METADATA) return m;
  if (flags & RowsFlag.GLOBAL_TABLES_SPEC) {
    const keyspace = r.string();
    m.globalTableSpec = { keyspace, table: r.string() };
  }
  m.columns = readColumns(r, columnCount, m.globalTableSpec);
  return m;
}

/** Write a Rows <metadata>. */
export function writeRowsMetadata(w: Writer, m: RowsMetadata, version: ProtocolVersion): void {
  const columns = m.columns;
  if (columns !== undefined && columns.length !== m.columnCount) {
    throw encodeError(`columnCount ${m.columnCount} but ${columns.length} column specs`);
  }
  let flags = 0;
  if (columns === undefined) flags |= RowsFlag.NO_METADATA;
  else if (m.globalTableSpec !== undefined) flags |= RowsFlag.GLOBAL_TABLES_SPEC;
  if (m.pagingState !== undefined) flags |= RowsFlag.HAS_MORE_PAGES;
  if (m.newMetadataId !== undefined) {
    requireV5(version, 'newMetadataId');
    flags |= RowsFlag.METADATA_CHANGED;
  }
  w.int(flags).int(m.columnCount);
  if (m.pagingState !== undefined) w.bytes(m.pagingState);
  if (m.newMetadataId !== undefined) w.shortBytes(m.newMetadataId);
  if (columns === undefined) return;
  if (m.globalTableSpec !== undefined) w.string(m.globalTableSpec.keyspace).string(m.globalTableSpec.table);
  writeColumns(w, columns, m.globalTableSpec, version);
}

// -------------------------------------------------------------------------- prepared metadata

/** Read a Prepared <metadata> (bind markers with partition key indexes). */
export function readPreparedMetadata(r: Reader): PreparedMetadata {
  const flags = r.int();
  const columnCount = readCount(r, 'bind marker count');
  const pkCount = readCount(r, 'partition key count');
  if (r.remaining < pkCount * 2) throw truncated('partition key indexes');
  const pkIndexes: number[] = new Array<number>(pkCount);
  for (let i = 0; i < pkCount; i++) {
    const index = r.short();
    if (index >= columnCount) throw malformed(`partition key index ${index} ≥ bind marker count ${columnCount}`);
    pkIndexes[i] = index;
  }
  let globalTableSpec: TableSpec | undefined;
  if (flags & RowsFlag.GLOBAL_TABLES_SPEC) {
    const keyspace = r.string();
    globalTableSpec = { keyspace, table: r.string() };
  }
  const columns = readColumns(r, columnCount, globalTableSpec);
  return globalTableSpec ? { columns, pkIndexes, globalTableSpec } : { columns, pkIndexes };
}

/** Write a Prepared <metadata>. */
export function writePreparedMetadata(w: Writer, m: PreparedMetadata, version: ProtocolVersion): void {
  w.int(m.globalTableSpec !== undefined ? RowsFlag.GLOBAL_TABLES_SPEC : 0);
  w.int(m.columns.length).int(m.pkIndexes.length);
  for (const i of m.pkIndexes) w.short(i);
  if (m.globalTableSpec !== undefined) w.string(m.globalTableSpec.keyspace).string(m.globalTableSpec.table);
  writeColumns(w, m.columns, m.globalTableSpec, version);
}

// ------------------------------------------------------------------------------------ RESULT

/** Read the body of a RESULT. Rows stay undecoded (see {@link RowsResult}). */
export function readResult(r: Reader, version: ProtocolVersion): ResultResponse {
  const kind = r.int();
  let result: Result;
  switch (kind) {
    case ResultKind.VOID:
      result = { kind: 'void' };
      break;
    case ResultKind.ROWS: {
      const metadata = readRowsMetadata(r, version);
      const rowCount = readCount(r, 'row count');
      const rowsContent = r.buf.subarray(r.offset, r.end);
      checkRowCount(rowCount, metadata.columnCount, rowsContent.length);
      r.offset = r.end;
      result = { kind: 'rows', metadata, rowCount, rowsContent };
      break;
    }
    case ResultKind.SET_KEYSPACE:
      result = { kind: 'setKeyspace', keyspace: r.string() };
      break;
    case ResultKind.PREPARED: {
      const id = copyBytes(r.shortBytes());
      const resultMetadataId = version >= 5 ? copyBytes(r.shortBytes()) : undefined;
      const metadata = readPreparedMetadata(r);
      const resultMetadata = readRowsMetadata(r, version);
      result =
        resultMetadataId === undefined
          ? { kind: 'prepared', id, metadata, resultMetadata }
          : { kind: 'prepared', id, resultMetadataId, metadata, resultMetadata };
      break;
    }
    case ResultKind.SCHEMA_CHANGE:
      result = { kind: 'schemaChange', ...readSchemaChange(r) };
      break;
    default:
      throw new ProtocolError(ProtocolErrorCode.UNSUPPORTED, `unknown RESULT kind 0x${kind.toString(16)}`);
  }
  return { opcode: Opcode.RESULT, result };
}

/**
 * Every cell takes at least 4 bytes, so a row count the content cannot hold is malformed; a
 * row count with zero columns would let an untrusted count size an array of empty rows.
 */
function checkRowCount(rowCount: number, columnCount: number, bytes: number): void {
  if (columnCount === 0) {
    if (rowCount !== 0) throw malformed(`${rowCount} rows of zero columns`);
    return;
  }
  if (rowCount * columnCount * 4 > bytes) throw truncated('rows content');
}

/** Write the body of a RESULT. */
export function writeResult(w: Writer, res: ResultResponse, version: ProtocolVersion): void {
  const result = res.result;
  switch (result.kind) {
    case 'void':
      w.int(ResultKind.VOID);
      return;
    case 'rows':
      w.int(ResultKind.ROWS);
      writeRowsMetadata(w, result.metadata, version);
      w.int(result.rowCount);
      w.raw(result.rowsContent);
      return;
    case 'setKeyspace':
      w.int(ResultKind.SET_KEYSPACE).string(result.keyspace);
      return;
    case 'prepared':
      w.int(ResultKind.PREPARED).shortBytes(result.id);
      if (version >= 5) {
        if (result.resultMetadataId === undefined) throw encodeError('a v5 Prepared result needs resultMetadataId');
        w.shortBytes(result.resultMetadataId);
      }
      writePreparedMetadata(w, result.metadata, version);
      writeRowsMetadata(w, result.resultMetadata, version);
      return;
    case 'schemaChange':
      w.int(ResultKind.SCHEMA_CHANGE);
      writeSchemaChange(w, result);
      return;
  }
}

/**
 * The metadata (paging state included) and row count of a RESULT Rows body, from its first bytes
 * alone — e.g. the first segment of a frame whose rows are decoded elsewhere — so that the next
 * page can be asked for, and the page described, before its rows are decoded. `undefined`
 * when these bytes cannot tell: not Rows, cut short, or a body that starts with tracing id,
 * warnings or custom payload (frame flags).
 *
 * @param version the frame's protocol version; `frameFlags` its flags; `body` the start of its
 *   (decompressed) body.
 */
export function peekRowsHeader(version: number, frameFlags: number, body: Buffer): Pick<RowsResult, 'metadata' | 'rowCount'> | undefined {
  if ((frameFlags & (FrameFlag.TRACING | FrameFlag.CUSTOM_PAYLOAD | FrameFlag.WARNING)) !== 0) return undefined;
  const r = new Reader(body);
  try {
    if (r.int() !== ResultKind.ROWS) return undefined;
    const metadata = readRowsMetadata(r, checkVersion(version));
    return { metadata, rowCount: readCount(r, 'row count') };
  } catch {
    // Cut short (or malformed): whoever decodes the whole body reports what is wrong.
    return undefined;
  }
}
