// Rows decoded with the help of an offload worker.
//
// Transport, chosen by measurement (bench/offload/transport.ts): receiving decoded row objects
// by structured clone costs the main thread 1.5–7× more than decoding the rows inline (5 MB
// page of 1 KB text rows: 22–46 ms to deserialize vs 4–12 ms to decode), so rows never cross
// threads as objects. The worker sends back the decompressed body (its ArrayBuffer transferred,
// no copy) and a transferred Int32Array locating every cell; the main thread builds each row
// with the column's compiled decoder straight from that table (0.55–1.1× the inline cost),
// without walking the lengths again. Strings stay bytes until then: a string[] cloned from the
// worker cost more to receive than decoding the same text on the main thread.
import { bodyPool } from '../buffers/body-pool.js';
import {
  CqlwireError,
  ProtocolError,
  ProtocolErrorCode,
  decodeRows,
  type ColumnSpec,
  type Row,
  type RowsResult,
} from '../../protocol/index.js';
import { RowReader, compileRowDecoder, malformed, truncated, type RowDecoder } from '../../protocol/internal.js';

/** Cell tables of rows results decoded by a worker, found by the result object. */
const cellTables = new WeakMap<RowsResult, Int32Array>();
const compiled = new WeakMap<readonly ColumnSpec[], RowDecoder>();

/**
 * Where each cell of `result` lies: two int32 per cell in row-major order, its start relative
 * to `rowsContent` and its length (-1 for null). Checks every length against the content.
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

/** How to give the buffers behind a worker-decoded result back, found by the result object. */
const recyclers = new WeakMap<RowsResult, () => void>();

/** Remember how to give the buffers of `result` back to its worker (see {@link releaseResultRows}). */
export function attachRecycler(result: RowsResult, recycle: () => void): void {
  recyclers.set(result, recycle);
}

/**
 * Declare the rows of `result` consumed: when a worker produced its buffers, they go back to it
 * (its rows content is then detached); when its body was joined into a pooled buffer and
 * `bodyUnshared` (no other view of the body is held), the buffer goes back to the pool. Either
 * way `result` must not be read again.
 */
export function releaseResultRows(result: RowsResult, bodyUnshared: boolean): void {
  const recycle = recyclers.get(result);
  if (recycle !== undefined) {
    recyclers.delete(result);
    cellTables.delete(result);
    recycle();
    return;
  }
  // Decoded here from a pooled buffer: back to the pool, unless something else may still hold
  // a view of it (a custom payload).
  if (bodyUnshared && bodyPool.owns(result.rowsContent.buffer)) bodyPool.release(result.rowsContent.buffer);
}

/** Remember the cell table a worker computed for `result` (see {@link decodeResultRows}). */
export function attachCellTable(result: RowsResult, cells: Int32Array): void {
  if (cells.length === result.rowCount * result.metadata.columnCount * 2) cellTables.set(result, cells);
}

/** Reads rows one at a time, in order (see {@link rowReader}). */
export interface RowSource {
  /** Rows in the result. */
  readonly count: number;
  /** The next row; throws a ProtocolError for a malformed cell or when none are left. */
  next(): Row;
}

/**
 * A reader of the rows of `result`, one at a time, for a consumer that drops each row after
 * use (row iteration of a stream): no page of row objects is ever alive at once, so row
 * objects die young and the garbage collector has little to copy or promote. Uses the cell
 * table a worker computed when there is one, else decodes sequentially on this thread.
 */
export function rowReader(result: RowsResult, columns: readonly ColumnSpec[]): RowSource {
  const cells = cellTables.get(result);
  if (cells === undefined) return new RowReader(result, columns);
  const d = compiledFor(columns);
  const n = d.names.length;
  if (n !== result.metadata.columnCount) throw malformed(`rows have ${result.metadata.columnCount} columns, decoder has ${n}`);
  const { names, decoders, template } = d;
  const buf = result.rowsContent;
  const count = result.rowCount;
  let index = 0;
  return {
    count,
    next(): Row {
      if (index >= count) throw malformed('no rows left to read');
      let row: Row;
      try {
        row = rowFromCells(template, names, decoders, buf, cells, index * n * 2);
      } catch (err) {
        throw asMalformedRow(err);
      }
      index++;
      return row;
    },
  };
}

/** One row built from a cell table: its cells start at `k` (two int32 per cell). */
function rowFromCells(template: Readonly<Row>, names: readonly string[], decoders: RowDecoder['decoders'], buf: Buffer, cells: Int32Array, k: number): Row {
  const row: Row = { ...template };
  for (let c = 0; c < names.length; c++, k += 2) {
    const len = cells[k + 1]!;
    if (len >= 0) {
      const start = cells[k]!;
      row[names[c]!] = decoders[c]!(buf, start, start + len);
    } else {
      row[names[c]!] = null;
    }
  }
  return row;
}

/** A cell decoder's failure as the typed error a caller sees. */
function asMalformedRow(err: unknown): Error {
  if (CqlwireError.is(err)) return err;
  return new ProtocolError(ProtocolErrorCode.MALFORMED, `malformed row: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

function compiledFor(columns: readonly ColumnSpec[]): RowDecoder {
  let d = compiled.get(columns);
  if (d === undefined) {
    d = compileRowDecoder(columns);
    compiled.set(columns, d);
  }
  return d;
}

/** Main-thread time spent building rows before yielding to the event loop, ms. */
const SLICE_MS = 2;

/**
 * The rows of `result` as objects keyed by column name — the same values, keys and shape as
 * `decodeRows(result, columns)`, which it calls (synchronously) unless a worker already located
 * the cells. Rows located by a worker are built from its cell table in slices of about 2 ms,
 * yielding to the event loop in between (then the answer is a promise), so that even a large
 * page does not hold the loop.
 *
 * @param sliceMs main-thread time per slice (default 2 ms); `Infinity` builds every row at once.
 */
export function decodeResultRows(result: RowsResult, columns: readonly ColumnSpec[], sliceMs = SLICE_MS): Row[] | Promise<Row[]> {
  const cells = cellTables.get(result);
  if (cells === undefined) return decodeRows(result, columns);
  const d = compiledFor(columns);
  const n = d.names.length;
  if (n !== result.metadata.columnCount) throw malformed(`rows have ${result.metadata.columnCount} columns, decoder has ${n}`);
  const names = d.names;
  const decoders = d.decoders;
  const template = d.template;
  const buf = result.rowsContent;
  const rowCount = result.rowCount;
  const rows: Row[] = new Array<Row>(rowCount);
  /** Builds rows from `from` on for about SLICE_MS; returns the index reached. */
  const slice = (from: number): number => {
    const until = performance.now() + sliceMs;
    let i = from;
    try {
      for (; i < rowCount; i++) {
        rows[i] = rowFromCells(template, names, decoders, buf, cells, i * n * 2);
        if ((i & 31) === 31 && performance.now() > until) return i + 1;
      }
    } catch (err) {
      throw asMalformedRow(err);
    }
    return i;
  };
  const reached = slice(0);
  if (reached === rowCount) return rows;
  return (async () => {
    for (let i = reached; i < rowCount; ) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      i = slice(i);
    }
    return rows;
  })();
}
