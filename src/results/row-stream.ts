import { withCallerStack } from '../errors/caller-stack.js';
import { AbortedError, InvalidArgumentError } from '../errors/driver-errors.js';
import { ResultPage, type Row } from './page.js';
import { RowIterator, type PageFeed } from './row-iterator.js';

/** Progress reported after each page of a stream. */
export interface PageProgress {
  /** 1-based number of the page just received. */
  readonly page: number;
  /** Rows in that page. */
  readonly rowsInPage: number;
  /** Rows received so far, this page included. */
  readonly rowsSoFar: number;
  /** Whether more pages follow. */
  readonly hasMorePages: boolean;
}

/** Options of a streaming read. */
export interface StreamControl {
  /** Stop after this many pages. */
  readonly maxPages?: number;
  /** Called after each page arrives (before its rows are handed out). */
  readonly onPage?: (progress: PageProgress) => void;
  /** Cancel the stream; the iteration then rejects with AbortedError. */
  readonly signal?: AbortSignal;
  /**
   * Row iteration (`for await` over the stream) hands out rows as microtasks, which would hold
   * the event loop for a whole page; after this many milliseconds of it (the consumer's own
   * work included) the next row waits for one turn of the event loop, so timers and I/O run.
   * Default 1; `Infinity` never yields. Page iteration (`eachPage`) is not affected.
   */
  readonly yieldAfterMs?: number;
}

/** Default {@link StreamControl.yieldAfterMs}. */
export const DEFAULT_STREAM_YIELD_AFTER_MS = 1;

/**
 * Every row of a query, fetched page by page as the consumer reads. Backpressure: the next
 * page is requested when the consumer starts on the current one, and no further until the
 * consumer reaches it, so at most one page is buffered ahead (two while an offload worker
 * decodes a page: the one after it is asked for meanwhile). `break` or the AbortSignal stop it
 * cleanly.
 */
export class RowStream<R = Row> implements AsyncIterable<R> {
  private started = false;
  private pagesSeen = 0;
  private rowsSeen = 0;

  /**
   * @param fetchPage fetches one page, which may leave its rows undecoded until read (see
   *   `ResultPage.rowReader`) and, when an offload worker decodes them, come before they can be
   *   read (`ResultPage.rowsReady`): the page after it is then asked for at once, from its
   *   paging state.
   */
  constructor(
    private readonly fetchPage: (pagingState: Buffer | undefined) => Promise<ResultPage<R>>,
    private readonly control: StreamControl = {},
    initialPagingState?: Buffer,
  ) {
    this.initialPagingState = initialPagingState;
  }

  private readonly initialPagingState: Buffer | undefined;

  /** Pages handed out so far (an empty page after the first is not handed out, nor counted). */
  get pageCount(): number {
    return this.pagesSeen;
  }

  /** Rows received so far (a page's rows count as received when it arrives). */
  get rowCount(): number {
    return this.rowsSeen;
  }

  /** Iterate the stream page by page instead of row by row. */
  eachPage(): AsyncGenerator<ResultPage<R>, void, undefined> {
    return this.pageIterator(true);
  }

  /** @param decodeAll hand out pages with every row decoded (page iteration). */
  private async *pageIterator(decodeAll: boolean): AsyncGenerator<ResultPage<R>, void, undefined> {
    if (this.started) throw new InvalidArgumentError('a RowStream can be iterated only once; call client.stream() again');
    this.started = true;
    const { maxPages, onPage, signal } = this.control;
    const checkAbort = (): void => {
      if (signal?.aborted) throw new AbortedError(signal.reason);
    };
    checkAbort();
    // The page after the one being fetched, asked for as soon as that one comes while a worker
    // still decodes its rows: its request then overlaps the decoding.
    const ahead: { early: { state: Buffer; page: Promise<ResultPage<R>> | null } | null; closed: boolean } = { early: null, closed: false };
    let pagesRequested = 0;
    const askEarly = (next: Buffer): void => {
      if (ahead.early !== null || ahead.closed || (maxPages !== undefined && pagesRequested >= maxPages)) return;
      // Taken before fetching: the page asked for, should it come early too, asks for no other.
      const early: { state: Buffer; page: Promise<ResultPage<R>> | null } = { state: next, page: null };
      ahead.early = early;
      early.page = fetch(next);
      early.page.catch(() => undefined);
    };
    // A fetch that throws synchronously (e.g. the client was closed) becomes a rejection, so the
    // page already received is still handed out before the error surfaces.
    const fetch = (state: Buffer | undefined): Promise<ResultPage<R>> => {
      pagesRequested++;
      let page: Promise<ResultPage<R>>;
      try {
        page = this.fetchPage(state);
      } catch (err) {
        return Promise.reject(err);
      }
      page.then(
        (p) => {
          if (p.pagingState !== null && ResultPage.rowsReady(p) !== undefined) askEarly(p.pagingState);
        },
        () => undefined,
      );
      return page;
    };
    let pending: Promise<ResultPage<R>> | null = fetch(this.initialPagingState);
    // A prefetch nobody awaits must not become an unhandled rejection.
    pending.catch(() => undefined);
    try {
      while (pending !== null) {
        let page: ResultPage<R>;
        try {
          page = await pending;
          // An offloaded page comes before its rows: wait for the worker.
          const ready = ResultPage.rowsReady(page);
          if (ready !== undefined) await ready;
          if (decodeAll) await ResultPage.decodeAll(page);
        } catch (err) {
          // Here the async stack still leads to the consumer's `for await`: keep it in the error.
          throw withCallerStack(err);
        }
        pending = null;
        checkAbort();
        const rowsInPage = page.rowCount;
        // A page without rows after the first is not handed out: the server ends a result whose
        // size is a multiple of the fetch size with one (10,000 rows in pages of 2000 came as
        // 2000 ×5 and 0), and may send some mid-result (filtering). The first page is always
        // handed out, so an empty result still has its one (empty) page.
        const skip = rowsInPage === 0 && this.pagesSeen > 0;
        if (!skip) {
          this.pagesSeen++;
          this.rowsSeen += rowsInPage;
        }
        const more = page.pagingState !== null && (maxPages === undefined || this.pagesSeen < maxPages);
        if (!skip) onPage?.({ page: this.pagesSeen, rowsInPage, rowsSoFar: this.rowsSeen, hasMorePages: more });
        if (more) {
          // Prefetch exactly one page while the consumer works on this one (unless it was asked
          // for already, when this page came before a worker had decoded its rows).
          const asked = ahead.early;
          ahead.early = null;
          if (asked !== null && asked.page !== null && asked.state.equals(page.pagingState!)) {
            pending = asked.page;
          } else {
            pending = fetch(page.pagingState!);
            pending.catch(() => undefined);
          }
        }
        if (skip) {
          ResultPage.releaseRows(page);
          continue;
        }
        yield page;
        checkAbort();
      }
    } finally {
      // On break/return the in-flight prefetch (if any) is dropped; its result is discarded.
      pending = null;
      ahead.early = null;
      ahead.closed = true;
    }
  }

  /**
   * Iterate every row of every page. Rows are decoded one at a time as they are reached and
   * not kept, and the iteration lets the event loop turn every `yieldAfterMs`.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<R> {
    const pages = this.pageIterator(false);
    const feed: PageFeed<R> = {
      nextPage: async () => {
        const r = await pages.next();
        return r.done === true ? null : { page: r.value, from: 0 };
      },
      close: async () => {
        await pages.return(undefined);
      },
    };
    return new RowIterator(feed, this.control.yieldAfterMs ?? DEFAULT_STREAM_YIELD_AFTER_MS, this.control.signal);
  }

  /** Read every remaining row into an array (mind memory for big results). */
  async toArray(): Promise<R[]> {
    const out: R[] = [];
    for await (const row of this) out.push(row);
    return out;
  }
}
