// The Rows hot path (§4.2.5.2 <rows_content>): rowCount × columnCount [bytes] cells, decoded
// with one compiled decoder per column in a single pass over the buffer — or from a table of
// where each cell lies (cellTable), computed once elsewhere, e.g. by a worker thread.
import { Writer } from '../../buffer.js';
import { ProtocolError, ProtocolErrorCode, malformed, truncated } from '../../errors.js';
import { compileDecoder, compileEncoder, type DecodeOptions, type ValueDecoder } from '../../types/codec.js';
import { asProtocolError, encodeError } from '../util.js';
import type { ColumnSpec, RowsMetadata, RowsResult } from './result.js';

/** A decoded row: column name → value, keys in column order. */
export type Row = Record<string, unknown>;

/** One raw cell: a view of its bytes, or null. */
export type RawCell = Buffer | null;

/**
 * Per-column decoders compiled once for a set of columns. Cache one per prepared statement
 * (or per result metadata id) and pass it to {@link decodeRows}.
 */
export class RowDecoder {
  /** Column names, in order. */
  readonly names: readonly string[];
  /** Column decoders, in order. */
  readonly decoders: readonly ValueDecoder[];
  /**
   * Every column set to null, in order. Rows start as a spread copy of it: they share one
   * hidden class, and a column named `__proto__` is already an own data property, so
   * assigning it never reaches the prototype setter.
   */
  readonly template: Readonly<Row>;

  constructor(columns: readonly ColumnSpec[], opts?: DecodeOptions) {
    const names: string[] = [];
    const decoders: ValueDecoder[] = [];
    const template: Row = {};
    for (const c of columns) {
      names.push(c.name);
      decoders.push(compileDecoder(c.type, opts));
      Object.defineProperty(template, c.name, { value: null, writable: true, enumerable: true, configurable: true });
    }
    this.names = names;
    this.decoders = decoders;
    this.template = template;
  }
}

/** Compile the decoders of `columns` (see {@link RowDecoder}). */
export function compileRowDecoder(columns: readonly ColumnSpec[], opts?: DecodeOptions): RowDecoder {
  return new RowDecoder(columns, opts);
}

// Results of the same statement share their column array when metadata comes from a cache:
// remember the compiled decoders for it, per options object (a client keeps one for its life).
const defaultDecoders = new WeakMap<readonly ColumnSpec[], RowDecoder>();
const decodersByOptions = new WeakMap<DecodeOptions, WeakMap<readonly ColumnSpec[], RowDecoder>>();

function resolveDecoder(
  result: RowsResult,
  columns: readonly ColumnSpec[] | RowDecoder | undefined,
  opts: DecodeOptions | undefined,
): RowDecoder {
  let decoder: RowDecoder;
  if (columns instanceof RowDecoder) {
    decoder = columns;
  } else {
    const specs = columns ?? result.metadata.columns;
    if (specs === undefined) {
      throw new ProtocolError(
        ProtocolErrorCode.MALFORMED,
        'rows result has no metadata (Skip_metadata): pass the cached result columns',
      );
    }
    let cache = defaultDecoders;
    if (opts !== undefined) {
      let c = decodersByOptions.get(opts);
      if (c === undefined) {
        c = new WeakMap();
        decodersByOptions.set(opts, c);
      }
      cache = c;
    }
    let cached = cache.get(specs);
    if (cached === undefined) {
      cached = new RowDecoder(specs, opts);
      cache.set(specs, cached);
    }
    decoder = cached;
  }
  if (decoder.names.length !== result.metadata.columnCount) {
    throw malformed(`rows have ${result.metadata.columnCount} columns, decoder has ${decoder.names.length}`);
  }
  return decoder;
}

/**
 * Decode every row of `result` into a plain object keyed by column name (fixed key order, so
 * rows share one hidden class). Columns come from `columns` — a compiled {@link RowDecoder},
 * or specs such as a prepared statement's cached result metadata when the result was sent
 * with No_metadata — or else from the result itself. A column named `__proto__` becomes an
 * own data property; the prototype is never touched. Null cells decode to `null`.
 */
export function decodeRows(
  result: RowsResult,
  columns?: readonly ColumnSpec[] | RowDecoder,
  opts?: DecodeOptions,
): Row[] {
  const d = resolveDecoder(result, columns, opts);
  const names = d.names;
  const decoders = d.decoders;
  const template = d.template;
  const buf = result.rowsContent;
  const end = buf.length;
  const rowCount = result.rowCount;
  const rows: Row[] = new Array<Row>(rowCount);
  let pos = 0;
  try {
    for (let i = 0; i < rowCount; i++) {
      const row: Row = { ...template };
      pos = readRowCells(row, buf, pos, end, names, decoders);
      rows[i] = row;
    }
  } catch (err) {
    throw asProtocolError(err, 'row');
  }
  return rows;
}

/** Decodes the cells of one row starting at `pos` into `row`; returns the position after them. */
function readRowCells(row: Row, buf: Buffer, pos: number, end: number, names: readonly string[], decoders: readonly ValueDecoder[]): number {
  for (let c = 0; c < names.length; c++) {
    if (end - pos < 4) throw truncated('row cell length');
    // Big-endian [int] read by hand: `<< 24` yields the signed 32-bit value.
    const len = (buf[pos]! << 24) | (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!;
    pos += 4;
    if (len >= 0) {
      if (end - pos < len) throw truncated('row cell');
      row[names[c]!] = decoders[c]!(buf, pos, pos + len);
      pos += len;
    } else {
      // Already null from the template, unless an earlier column had the same name.
      row[names[c]!] = null;
    }
  }
  return pos;
}

/**
 * Where each cell of `result` lies: two int32 per cell in row-major order, its start in
 * `rowsContent` and its length (-1 for null). Every length is checked against the content, as
 * decoding would. Computed where the bytes are checked anyway (an offload worker), it lets
 * {@link RowReader} build the rows without walking the lengths again.
 */
export function cellTable(result: RowsResult): Int32Array {
  const n = result.metadata.columnCount;
  const buf = result.rowsContent;
  const end = buf.length;
  const count = result.rowCount * n;
  if (n === 0 && result.rowCount !== 0) throw malformed(`${result.rowCount} rows of zero columns`);
  const cells = new Int32Array(count * 2);
  let pos = 0;
  for (let i = 0, k = 0; i < count; i++, k += 2) {
    if (end - pos < 4) throw truncated('row cell length');
    const len = (buf[pos]! << 24) | (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!;
    pos += 4;
    cells[k] = pos;
    if (len >= 0) {
      if (end - pos < len) throw truncated('row cell');
      cells[k + 1] = len;
      pos += len;
    } else {
      cells[k + 1] = -1;
    }
  }
  return cells;
}

/** Decodes the cells of one row into `row` from a cell table: its cells start at `k`. */
function rowFromCells(row: Row, buf: Buffer, cells: Int32Array, k: number, names: readonly string[], decoders: readonly ValueDecoder[]): void {
  for (let c = 0; c < names.length; c++, k += 2) {
    const len = cells[k + 1]!;
    if (len >= 0) {
      const start = cells[k]!;
      row[names[c]!] = decoders[c]!(buf, start, start + len);
    } else {
      row[names[c]!] = null;
    }
  }
}

/**
 * Reads the rows of `result` one at a time, in order, as {@link decodeRows} would decode them
 * (same keys, values and shape, same checks), for consumers that handle one row and drop it:
 * no row outlives its use, so large pages leave little for the garbage collector to copy.
 */
export class RowReader {
  private readonly decoder: RowDecoder;
  private readonly buf: Buffer;
  private readonly cells: Int32Array | undefined;
  private pos = 0;
  private index = 0;
  /** Rows in the result. */
  readonly count: number;

  /**
   * @param cells the result's {@link cellTable}, when already computed (by an offload worker):
   *   rows are built from it instead of walking the cell lengths.
   */
  constructor(result: RowsResult, columns?: readonly ColumnSpec[] | RowDecoder, opts?: DecodeOptions, cells?: Int32Array) {
    this.decoder = resolveDecoder(result, columns, opts);
    this.buf = result.rowsContent;
    this.count = result.rowCount;
    if (cells !== undefined && cells.length !== this.count * result.metadata.columnCount * 2) throw malformed('the cell table does not match the rows');
    this.cells = cells;
  }

  /** Rows not read yet. */
  get remaining(): number {
    return this.count - this.index;
  }

  /** The next row; throws a ProtocolError when the cells are malformed or none are left. */
  next(): Row {
    if (this.index >= this.count) throw new ProtocolError(ProtocolErrorCode.MALFORMED, 'no rows left to read');
    const { names, decoders, template } = this.decoder;
    const row: Row = { ...template };
    try {
      if (this.cells !== undefined) rowFromCells(row, this.buf, this.cells, this.index * names.length * 2, names, decoders);
      else this.pos = readRowCells(row, this.buf, this.pos, this.buf.length, names, decoders);
    } catch (err) {
      // A bad row ends the reading: later rows cannot be located past it.
      this.index = this.count;
      throw asProtocolError(err, 'row');
    }
    this.index++;
    return row;
  }
}

/** Like {@link decodeRows}, but each row is an array of values in column order. */
export function decodeRowsAsArrays(
  result: RowsResult,
  columns?: readonly ColumnSpec[] | RowDecoder,
  opts?: DecodeOptions,
): unknown[][] {
  const decoders = resolveDecoder(result, columns, opts).decoders;
  const n = decoders.length;
  const buf = result.rowsContent;
  const end = buf.length;
  const rowCount = result.rowCount;
  const rows: unknown[][] = new Array<unknown[]>(rowCount);
  let pos = 0;
  try {
    for (let i = 0; i < rowCount; i++) {
      const row: unknown[] = new Array<unknown>(n);
      for (let c = 0; c < n; c++) {
        if (end - pos < 4) throw truncated('row cell length');
        const len = (buf[pos]! << 24) | (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!;
        pos += 4;
        if (len < 0) {
          row[c] = null;
        } else {
          if (end - pos < len) throw truncated('row cell');
          row[c] = decoders[c]!(buf, pos, pos + len);
          pos += len;
        }
      }
      rows[i] = row;
    }
  } catch (err) {
    throw asProtocolError(err, 'row');
  }
  return rows;
}

/**
 * Split the rows into raw cells (views of {@link RowsResult.rowsContent}, no copies), for
 * lazy decoding or for handing cells to another thread.
 */
export function decodeRowsRaw(result: RowsResult): RawCell[][] {
  const n = result.metadata.columnCount;
  const buf = result.rowsContent;
  const end = buf.length;
  const rowCount = result.rowCount;
  if (n === 0 && rowCount !== 0) throw malformed(`${rowCount} rows of zero columns`);
  const rows: RawCell[][] = new Array<RawCell[]>(rowCount);
  let pos = 0;
  for (let i = 0; i < rowCount; i++) {
    const row: RawCell[] = new Array<RawCell>(n);
    for (let c = 0; c < n; c++) {
      if (end - pos < 4) throw truncated('row cell length');
      const len = buf.readInt32BE(pos);
      pos += 4;
      if (len < 0) {
        row[c] = null;
      } else {
        if (end - pos < len) throw truncated('row cell');
        row[c] = buf.subarray(pos, pos + len);
        pos += len;
      }
    }
    rows[i] = row;
  }
  return rows;
}

/**
 * Byte length of the `rowCount` rows at the start of `rowsContent` (cells walked, not decoded):
 * where the rows end, to slice exactly the rows for transfer.
 */
export function rowsByteLength(result: RowsResult): number {
  const n = result.metadata.columnCount;
  const buf = result.rowsContent;
  const end = buf.length;
  let pos = 0;
  for (let i = 0, cells = result.rowCount * n; i < cells; i++) {
    if (end - pos < 4) throw truncated('row cell length');
    const len = buf.readInt32BE(pos);
    pos += 4;
    if (len > 0) {
      if (end - pos < len) throw truncated('row cell');
      pos += len;
    }
  }
  return pos;
}

// --------------------------------------------------------------------- building Rows results

/** A Rows result from metadata and already-serialized cells (null for a null cell). */
export function rowsResult(metadata: RowsMetadata, rows: readonly (readonly (Uint8Array | null)[])[]): RowsResult {
  const w = new Writer(256);
  for (const row of rows) {
    if (row.length !== metadata.columnCount) {
      throw encodeError(`row of ${row.length} cells for ${metadata.columnCount} columns`);
    }
    for (const cell of row) w.bytes(cell);
  }
  return { kind: 'rows', metadata, rowCount: rows.length, rowsContent: Buffer.from(w.finish()) };
}

/**
 * A Rows result from JS values, each encoded with `compileEncoder` for its column's type
 * (fake servers, tests). `metadata.columns` gives the types.
 */
export function rowsResultFromValues(
  metadata: RowsMetadata & { readonly columns: readonly ColumnSpec[] },
  rows: readonly (readonly unknown[])[],
): RowsResult {
  const encoders = metadata.columns.map((c) => compileEncoder(c.type));
  const w = new Writer(256);
  for (const row of rows) {
    if (row.length !== encoders.length) throw encodeError(`row of ${row.length} values for ${encoders.length} columns`);
    for (let c = 0; c < encoders.length; c++) encoders[c]!(w, row[c]);
  }
  return { kind: 'rows', metadata, rowCount: rows.length, rowsContent: Buffer.from(w.finish()) };
}
