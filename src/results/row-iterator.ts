// Row iteration over a sequence of pages, as a hand-written async iterator: an async generator
// costs three to four promise ticks per row (the request queue, the implicit await of `yield`),
// this one promise, which is a fifth to a third of a streamed row's client CPU saved.
import { AbortedError } from '../errors/driver-errors.js';
import { ResultPage } from './page.js';

/** @internal Where {@link RowIterator} gets its pages. */
export interface PageFeed<R> {
  /**
   * The next page to hand rows out from, and the index of its first row to hand out (rows
   * before it were delivered in an earlier run); null at the end. Called again only after the
   * page before was read through.
   */
  nextPage(): Promise<FedPage<R> | null>;
  /** The iteration is over (read through, `break`, abort or error): stop, free what is held. */
  close(): Promise<void>;
}

/** @internal A page and where its rows start. */
export interface FedPage<R> {
  readonly page: ResultPage<R>;
  readonly from: number;
}

const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/**
 * @internal Every row of every page of a {@link PageFeed}, decoded one at a time as it is
 * handed out and not kept. Calls of `next()` that overlap are answered in order. After
 * `yieldAfterMs` of handing out rows (the consumer's own work included, since rows are handed
 * out as microtasks) the next row waits for one turn of the event loop, so timers and I/O run.
 */
export class RowIterator<R> implements AsyncIterableIterator<R> {
  private page: ResultPage<R> | null = null;
  private read: (() => R) | null = null;
  private rows: R[] | null = null;
  /** Index of the next row of the current page to hand out. */
  private index = 0;
  private count = 0;
  private finished = false;
  /** Set while a page is fetched or the event loop is let turn: later calls wait for it. */
  private busy: Promise<unknown> | null = null;
  private readonly yields: boolean;
  private sliceEnd: number;
  private sinceCheck = 0;
  private readonly nextFn = (): Promise<IteratorResult<R>> => this.next();

  constructor(
    private readonly feed: PageFeed<R>,
    private readonly yieldAfterMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.yields = yieldAfterMs !== Infinity;
    this.sliceEnd = this.yields ? performance.now() + yieldAfterMs : Infinity;
  }

  /** Rows of the current page handed out so far (its skipped rows included). */
  get delivered(): number {
    return this.index;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<R>> {
    if (this.busy !== null) return this.busy.then(this.nextFn, this.nextFn);
    if (this.finished) return Promise.resolve(DONE);
    if (this.index >= this.count) return this.wait(this.advance());
    if (this.yields && ++this.sinceCheck >= 4) {
      this.sinceCheck = 0;
      if (performance.now() >= this.sliceEnd) {
        return this.wait(this.afterTurn());
      }
    }
    return this.nextRow();
  }

  /** The iteration is stopped (`break`): the page held is released and the feed closed. */
  async return(): Promise<IteratorResult<R>> {
    if (this.busy !== null) await this.busy.then(undefined, () => undefined);
    await this.finish();
    return DONE;
  }

  private nextRow(): Promise<IteratorResult<R>> {
    // An abort takes effect at the next row, not only at the next page (checked once, here).
    if (this.signal?.aborted === true) return this.fail(new AbortedError(this.signal.reason));
    let value: R;
    try {
      value = this.rows !== null ? this.rows[this.index]! : this.read!();
    } catch (err) {
      return this.fail(err);
    }
    this.index++;
    return Promise.resolve({ value, done: false });
  }

  /**
   * Marks `p` as the operation later calls wait for; `p` clears the mark itself when done. (No
   * `.then` on it here: V8 follows an async stack trace from a promise to its awaiter only while
   * the promise has that one reaction, and errors must keep the consumer's frames.)
   */
  private wait(p: Promise<IteratorResult<R>>): Promise<IteratorResult<R>> {
    this.busy = p;
    return p;
  }

  private async afterTurn(): Promise<IteratorResult<R>> {
    try {
      await nextTurn();
    } finally {
      this.busy = null;
    }
    this.sliceEnd = performance.now() + this.yieldAfterMs;
    return await this.nextRow();
  }

  /** The current page is read through: the next one with rows, or the end. */
  private async advance(): Promise<IteratorResult<R>> {
    try {
      await this.nextPageWithRows();
    } finally {
      // Cleared before the row is handed out below, which may start another wait.
      this.busy = null;
    }
    if (this.finished) return DONE;
    return await this.next();
  }

  /** Releases the page read through and takes the next with rows to hand out, or finishes. */
  private async nextPageWithRows(): Promise<void> {
    for (;;) {
      this.releasePage();
      let fed: FedPage<R> | null;
      try {
        fed = await this.feed.nextPage();
      } catch (err) {
        await this.finish();
        throw err;
      }
      if (fed === null) {
        await this.finish();
        return;
      }
      const page = fed.page;
      this.page = page;
      this.read = ResultPage.rowReader(page);
      this.rows = this.read === null ? page.rows : null;
      this.count = this.rows !== null ? this.rows.length : page.rowCount;
      this.index = 0;
      // Rows delivered in an earlier run are read past (decoding is sequential), not handed out.
      try {
        while (this.index < fed.from && this.index < this.count) {
          if (this.read !== null) this.read();
          this.index++;
        }
      } catch (err) {
        await this.finish();
        throw err;
      }
      if (this.index < this.count) return;
    }
  }

  private async fail(err: unknown): Promise<never> {
    await this.finish();
    throw err;
  }

  /** Done with the page (read through, or left): what held its bytes can go. */
  private releasePage(): void {
    const page = this.page;
    if (page === null) return;
    this.page = null;
    this.rows = null;
    this.count = 0;
    if (this.read !== null) {
      this.read = null;
      ResultPage.releaseRows(page);
    }
  }

  private async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.releasePage();
    await this.feed.close();
  }
}
