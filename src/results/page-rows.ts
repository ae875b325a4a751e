// The rows of a page: decoded here from the frame's body, or built from the cell table an
// offload worker located (WorkerRows), in slices or one at a time, possibly once the worker is
// done (OffloadedRowsResult); and once read, what holds their bytes goes back (to the worker,
// or to the body pool).
import { bodyPool } from '../buffers/body-pool.js';
import { RowReader, decodeRows, type ColumnSpec, type DecodeOptions, type Row, type RowsResult } from '../../protocol/index.js';
import { WorkerRows } from '../offload/pool.js';
import type { PendingRows } from './page.js';

/** Main-thread time spent building rows before yielding to the event loop, ms. */
const SLICE_MS = 2;

/**
 * The rows of `result` as objects keyed by column name — the same values, keys and shape as
 * `decodeRows(result, columns)`, which decodes them here (synchronously) unless a worker
 * located the cells. Rows located by a worker are built from its cell table in slices of about
 * 2 ms, yielding to the event loop in between (then the answer is a promise), so that even a
 * large page does not hold the loop.
 *
 * @param sliceMs main-thread time per slice (default 2 ms); `Infinity` builds every row at once.
 * @param decode how values are read (the client's `int64`, `timestampAs`): applied here, on the
 *   main thread, also to rows a worker located, so it may hold functions.
 */
export function decodeResultRows(result: RowsResult, columns: readonly ColumnSpec[], sliceMs = SLICE_MS, decode?: DecodeOptions): Row[] | Promise<Row[]> {
  if (!(result instanceof WorkerRows)) return decodeRows(result, columns, decode);
  const reader = new RowReader(result, columns, decode, result.cells);
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

/**
 * The rows of `result` for a consumer that reads them one at a time and drops each (row
 * iteration of a stream): no page of row objects is ever alive at once, so row objects die young
 * and the garbage collector has little to copy or promote. The column count is checked now;
 * each row's cells when it is read.
 *
 * @param bodyUnshared nothing but the rows views the frame's body (no custom payload): once the
 *   rows are released, a pooled body can be reused.
 */
export function pendingRows<R>(result: RowsResult, columns: readonly ColumnSpec[], bodyUnshared: boolean, decode?: DecodeOptions): PendingRows<R> {
  const reader = new RowReader(result, columns, decode, result instanceof WorkerRows ? result.cells : undefined);
  return {
    count: reader.count,
    next: () => reader.next() as R,
    all: () => decodeResultRows(result, columns, Infinity, decode) as R[],
    allInSlices: () => decodeResultRows(result, columns, undefined, decode) as R[] | Promise<R[]>,
    release: () => releaseRows(result, bodyUnshared),
  };
}

/**
 * Like {@link pendingRows}, for rows an offload worker is still decoding: `count` rows, readable
 * once `ready` resolves (it rejects with the worker's error).
 */
export function arrivingRows<R>(rows: Promise<WorkerRows>, count: number, columns: readonly ColumnSpec[], bodyUnshared: boolean, decode?: DecodeOptions): PendingRows<R> {
  let read: PendingRows<R> | undefined;
  const ready = rows.then((r) => {
    read = pendingRows<R>(r, columns, bodyUnshared, decode);
  });
  // A page dropped before it was read (a stream left early) leaves its failure to nobody.
  ready.catch(() => undefined);
  const arrived = (): PendingRows<R> => read ?? notArrived();
  return {
    count,
    ready,
    next: () => arrived().next(),
    all: () => arrived().all(),
    allInSlices: () => arrived().allInSlices!(),
    release: () => read?.release?.(),
  };
}

function notArrived(): never {
  throw new Error('the rows of this page are still being decoded by an offload worker');
}

/** The rows of `result` are consumed: what holds their bytes goes back; `result` is not read again. */
function releaseRows(result: RowsResult, bodyUnshared: boolean): void {
  if (result instanceof WorkerRows) result.release();
  // Decoded here from a pooled buffer: back to the pool, unless something else may still hold
  // a view of it (a custom payload).
  else if (bodyUnshared && bodyPool.owns(result.rowsContent.buffer)) bodyPool.release(result.rowsContent.buffer);
}
