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
import { decodeRows, type ColumnSpec, type Row, type RowsResult } from '../../protocol/index.js';
import { RowReader } from '../../protocol/internal.js';

/** Cell tables of rows results decoded by a worker, found by the result object. */
const cellTables = new WeakMap<RowsResult, Int32Array>();

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
  return new RowReader(result, columns, undefined, cellTables.get(result));
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
  const reader = new RowReader(result, columns, undefined, cells);
  const rowCount = reader.count;
  const rows: Row[] = new Array<Row>(rowCount);
  /** Builds rows from `from` on for about `sliceMs`; returns the index reached. */
  const slice = (from: number): number => {
    const until = performance.now() + sliceMs;
    let i = from;
    for (; i < rowCount; i++) {
      rows[i] = reader.next();
      if ((i & 31) === 31 && performance.now() > until) return i + 1;
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
