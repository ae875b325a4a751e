import type { ColumnSpec, DataType } from '../../protocol/index.js';
import { InvalidArgumentError } from '../errors/driver-errors.js';

/** A row as returned by default: column name → value. */
export type Row = Record<string, unknown>;

/** One column of a result. */
export interface ColumnInfo {
  /** Keyspace of the column's table. */
  readonly keyspace: string;
  /** Table name. */
  readonly table: string;
  /** Column name (or alias). */
  readonly name: string;
  /** CQL type. */
  readonly type: DataType;
}

/** Where and how a request ran. */
export interface ExecutionInfo {
  /** Coordinator that answered (`address:port`). */
  readonly coordinator: string;
  /** Tracing session id when tracing was requested; read it with `client.getTrace(id)`. */
  readonly traceId: string | undefined;
  /** Warnings the server attached to the response. */
  readonly warnings: readonly string[];
  /** Custom payload the server attached to the response. */
  readonly customPayload: Readonly<Record<string, Buffer | null>> | undefined;
  /** Protocol version of the connection. */
  readonly protocolVersion: 4 | 5;
  /** Hosts tried, in order, with the error of each failed attempt. */
  readonly attempts: readonly { readonly host: string; readonly error?: Error }[];
  /**
   * After a schema change (DDL): whether every up node reported the new schema version before
   * `maxSchemaAgreementWaitMs` ran out. False means the request succeeded but some node may not
   * know the change yet. Always true for other results.
   */
  readonly schemaInAgreement: boolean;
}

/**
 * One page of a result: the rows the server sent for one request. `for…of` iterates this
 * page only; use `client.stream()` to iterate every row of every page lazily.
 */
export class ResultPage<R = Row> implements Iterable<R> {
  private decodedRows: R[] | null;
  private pending: PendingRows<R> | null = null;

  constructor(
    rows: R[],
    /** Result columns (empty for results without rows). */
    readonly columns: readonly ColumnInfo[],
    /** State to fetch the next page; null on the last page. */
    readonly pagingState: Buffer | null,
    /** Where and how the request ran. */
    readonly info: ExecutionInfo,
    private readonly fetchNext: ((pagingState: Buffer) => Promise<ResultPage<R>>) | null = null,
  ) {
    this.decodedRows = rows;
  }

  /**
   * @internal A page whose rows are decoded only when read: one at a time through
   * {@link ResultPage.rowReader} (row iteration of a stream), or all at once on first access
   * of `rows`.
   */
  static undecoded<R>(
    pending: PendingRows<R>,
    columns: readonly ColumnInfo[],
    pagingState: Buffer | null,
    info: ExecutionInfo,
    fetchNext: ((pagingState: Buffer) => Promise<ResultPage<R>>) | null,
  ): ResultPage<R> {
    const page = new ResultPage<R>([], columns, pagingState, info, fetchNext);
    page.decodedRows = null;
    page.pending = pending;
    return page;
  }

  /**
   * @internal Settles when the rows of `page` can be read; rejects with the error of the offload
   * worker that decodes them. Undefined unless the page came before its rows (an offloaded page).
   */
  static rowsReady<R>(page: ResultPage<R>): Promise<void> | undefined {
    return page.pending?.ready;
  }

  /**
   * @internal Decodes every row of a page not decoded yet — in slices that yield to the event
   * loop where the rows allow it — so that `rows` is a plain read (a page handed out whole).
   */
  static decodeAll<R>(page: ResultPage<R>): void | Promise<void> {
    const pending = page.pending;
    if (page.decodedRows !== null || pending === null) return;
    const rows = pending.allInSlices?.() ?? pending.all();
    if (!(rows instanceof Promise)) return page.setDecoded(rows);
    return rows.then((r) => page.setDecoded(r));
  }

  private setDecoded(rows: R[]): void {
    this.decodedRows = rows;
    this.pending = null;
  }

  /**
   * @internal Reads the rows of a page not decoded yet, one per call, without keeping them;
   * null when the rows are already decoded (then iterate `rows`). Once per page.
   */
  static rowReader<R>(page: ResultPage<R>): (() => R) | null {
    if (page.decodedRows !== null || page.pending === null) return null;
    const pending = page.pending;
    // Reading hands the rows out; a later `rows` access decodes them again, separately.
    return () => pending.next();
  }

  /**
   * @internal The consumer of {@link ResultPage.rowReader} is done with the rows: free what
   * holds them. The page is not usable afterwards (its `rows` throw).
   */
  static releaseRows<R>(page: ResultPage<R>): void {
    const pending = page.pending;
    if (pending === null || page.decodedRows !== null) return;
    page.pending = RELEASED as PendingRows<R>;
    pending.release?.();
  }

  /** Rows of this page. */
  get rows(): R[] {
    if (this.decodedRows !== null) return this.decodedRows;
    const rows = this.pending!.all();
    this.setDecoded(rows);
    return rows;
  }

  /** True when the server has more pages after this one. */
  get hasMorePages(): boolean {
    return this.pagingState !== null;
  }

  /** Number of rows in this page. */
  get rowCount(): number {
    return this.decodedRows !== null ? this.decodedRows.length : this.pending!.count;
  }

  /** The first row of this page, or null when it has none. */
  one(): R | null {
    return this.rows.length > 0 ? this.rows[0]! : null;
  }

  /**
   * Every row of the result: this page's rows followed by those of every later page, fetched
   * one page after another (mind memory for big results; `client.stream()` iterates lazily).
   * A new array each call.
   */
  async all(): Promise<R[]> {
    const out = this.rows.slice();
    let page = await this.nextPage();
    while (page !== null) {
      for (const row of page.rows) out.push(row);
      page = await page.nextPage();
    }
    return out;
  }

  /** For lightweight transactions: the `[applied]` column of the first row (true when there is none). */
  wasApplied(): boolean {
    const first = this.rows[0] as Record<string, unknown> | undefined;
    if (first === undefined || typeof first !== 'object' || first === null) return true;
    const applied = first['[applied]'];
    return applied === undefined ? true : applied === true;
  }

  /** Fetch the page after this one with the same statement and options, or null on the last page. */
  async nextPage(): Promise<ResultPage<R> | null> {
    if (this.pagingState === null || this.fetchNext === null) return null;
    return this.fetchNext(this.pagingState);
  }

  /** Iterate the rows of this page. */
  [Symbol.iterator](): Iterator<R> {
    return this.rows[Symbol.iterator]();
  }
}

/** @internal Rows not decoded yet: read in order one at a time, or all at once. */
export interface PendingRows<R> {
  /** Rows in the page. */
  readonly count: number;
  /**
   * Set when the rows are not here yet (an offload worker decodes them): neither method may be
   * called before it resolves; it rejects with the worker's error.
   */
  readonly ready?: Promise<void>;
  /** The next row in order. */
  next(): R;
  /** Every row (decoded independently of {@link PendingRows.next}). */
  all(): R[];
  /** Every row, like {@link PendingRows.all}, built in slices that yield to the event loop when that is worth it. */
  allInSlices?(): R[] | Promise<R[]>;
  /** The rows are consumed: free what holds them (after this, neither method may be called). */
  release?(): void;
}

const released = (): never => {
  throw new InvalidArgumentError('the rows of this page were already consumed by its stream');
};
const RELEASED: PendingRows<never> = { count: 0, next: released, all: released };

/** Convert codec column specs to the public shape. */
export function toColumnInfo(specs: readonly ColumnSpec[] | undefined): readonly ColumnInfo[] {
  if (specs === undefined) return [];
  return specs;
}
