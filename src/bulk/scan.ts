// A parallel, resumable scan of a whole table: the ring cut into token-range splits, each read
// page by page from one of its replicas (the next replica when that fails), pages handed to the
// consumer through a bounded queue (backpressure), and a checkpoint that records, per split,
// the paging state of the page being read and how many of its rows were delivered.
import { withCallerStack } from '../errors/caller-stack.js';
import { InvalidArgumentError, NoHostAvailableError } from '../errors/driver-errors.js';
import { TokenRange } from '../cluster/token-ranges.js';
import type { Host } from '../policies/index.js';
import { ResultPage, type Row } from '../results/page.js';
import type { BulkSession } from './session.js';
import type { ExecuteOptions, ScanCheckpoint, ScanOptions, ScanSplitState } from '../session/options.js';
import type { PreparedStatement } from '../session/prepared.js';
import { RowIterator, type PageFeed } from '../results/row-iterator.js';
import { DEFAULT_STREAM_YIELD_AFTER_MS } from '../results/row-stream.js';
import { validateScanOptions } from '../session/validation.js';

/** A table scan: iterate it once with `for await`; `checkpoint()` at any time. */
export interface TableScan<R = Row> extends AsyncIterable<R> {
  /** Where the scan is: rows delivered so far are not delivered again when resumed from it. */
  checkpoint(): ScanCheckpoint;
  /** Rows delivered so far (in this run). */
  readonly rowCount: number;
  /** Splits the table was cut into, and how many are finished. */
  readonly splits: { readonly total: number; readonly done: number };
  /** Pages that had to be read again from another replica. */
  readonly retries: number;
}

/** A double-quoted CQL identifier (case kept). */
function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

interface Split {
  readonly range: TokenRange;
  readonly text: string;
  done: boolean;
  /** Paging state of the page the consumer reads (or will read next); undefined: the first. */
  state: Buffer | undefined;
  /** Rows of that page delivered. */
  skip: number;
  /** Replicas to read it from, in the order to try them. */
  replicas: readonly Host[];
}

interface QueuedPage {
  readonly split: Split;
  /** The paging state the page was fetched with. */
  readonly fetchedWith: Buffer | undefined;
  /** Rows already delivered in an earlier run, left out of `rows`. */
  readonly skipped: number;
  /** Its rows are read (decoded one at a time) by the consumer, then the page is released. */
  readonly page: ResultPage<Row>;
  readonly next: Buffer | null;
}

/** `client.scan`: the client is a parameter so the session never imports this layer. */
export function scanTable<R>(client: BulkSession, keyspace: string, table: string, options: ScanOptions): TableScan<R> {
  return new Scan<R>(client, keyspace, table, options);
}

class Scan<R> implements TableScan<R> {
  /** Rows delivered from pages before the current one. */
  private rowsBefore = 0;
  /** The page the consumer reads, and the iterator that hands its rows out. */
  private current: QueuedPage | null = null;
  private currentRows = 0;
  private rowsOfPage: RowIterator<Row> | null = null;
  retries = 0;
  private splitList: Split[] = [];
  private fetchSize: number;
  private started = false;

  constructor(
    private readonly client: BulkSession,
    private readonly keyspace: string,
    private readonly table: string,
    private readonly options: ScanOptions,
  ) {
    this.fetchSize = options.resumeFrom?.fetchSize ?? options.fetchSize ?? 5000;
  }

  get splits(): { readonly total: number; readonly done: number } {
    return { total: this.splitList.length, done: this.splitList.filter((s) => s.done).length };
  }

  get rowCount(): number {
    const page = this.current;
    return page === null || this.rowsOfPage === null ? this.rowsBefore : this.rowsBefore + this.rowsOfPage.delivered - page.skipped;
  }

  checkpoint(): ScanCheckpoint {
    // Counted when handed out: a checkpoint taken while the consumer holds a row skips it.
    if (this.current !== null && this.rowsOfPage !== null) this.current.split.skip = this.rowsOfPage.delivered;
    const splits: ScanSplitState[] = this.splitList.map((s) =>
      s.done ? { range: s.text, done: true } : s.state === undefined && s.skip === 0 ? { range: s.text, done: false } : { range: s.text, done: false, pagingState: s.state?.toString('base64'), skip: s.skip },
    );
    return { version: 1, keyspace: this.keyspace, table: this.table, fetchSize: this.fetchSize, splits };
  }

  [Symbol.asyncIterator](): AsyncIterator<R> {
    if (this.started) throw new InvalidArgumentError('a scan is iterated once; start another with client.scan(..., { resumeFrom })');
    this.started = true;
    const rows = new RowIterator<Row>(this.feed(), this.options.yieldAfterMs ?? DEFAULT_STREAM_YIELD_AFTER_MS, this.options.signal);
    this.rowsOfPage = rows;
    return rows as unknown as AsyncIterator<R>;
  }

  /** The pages of every split, read by `parallelism` readers into a bounded queue. */
  private feed(): PageFeed<Row> {
    const { keyspace, table, options } = this;
    // Bounded: readers wait while this many pages wait for the consumer (backpressure).
    const queue: QueuedPage[] = [];
    let capacity = 0;
    let failure: unknown;
    let stopped = false;
    let readersLeft = 0;
    let readers: Promise<void>[] = [];
    let wakeConsumer: (() => void) | undefined;
    const spaceWaiters: (() => void)[] = [];
    const notifyConsumer = (): void => {
      const w = wakeConsumer;
      wakeConsumer = undefined;
      w?.();
    };
    const reader = async (ps: PreparedStatement, pending: readonly Split[], next: { i: number }): Promise<void> => {
      try {
        while (!stopped && failure === undefined && next.i < pending.length) {
          const split = pending[next.i++]!;
          let state = split.state;
          let skip = split.skip;
          for (;;) {
            const page = await this.fetch(ps, split, state);
            if (stopped || failure !== undefined) return;
            while (queue.length >= capacity && !stopped) await new Promise<void>((r) => spaceWaiters.push(r));
            if (stopped) return;
            queue.push({ split, fetchedWith: state, skipped: skip, page, next: page.pagingState });
            notifyConsumer();
            skip = 0;
            if (page.pagingState === null) break;
            state = page.pagingState;
          }
        }
      } catch (err) {
        failure ??= err;
      } finally {
        readersLeft--;
        notifyConsumer();
      }
    };
    const start = async (): Promise<void> => {
      validateScanOptions(keyspace, table, options);
      const meta = this.client.metadata.table(keyspace, table);
      if (meta === undefined) throw new InvalidArgumentError(`table ${keyspace}.${table} is not in the metadata (unknown, or the control connection is off)`);
      const key = meta.partitionKey.map((c) => ident(c.name)).join(', ');
      const columns = options.columns === undefined ? '*' : options.columns.map(ident).join(', ');
      const where = options.where === undefined ? '' : ` AND (${options.where})`;
      const cql = `SELECT ${columns} FROM ${ident(keyspace)}.${ident(table)} WHERE token(${key}) > ? AND token(${key}) <= ?${where}${options.allowFiltering === true ? ' ALLOW FILTERING' : ''}`;
      const ps = await this.client.prepare(cql);
      this.splitList = this.makeSplits();
      const parallelism = Math.min(options.parallelism ?? 8, Math.max(1, this.splitList.length));
      capacity = parallelism;
      readersLeft = parallelism;
      const pending = this.splitList.filter((s) => !s.done);
      const next = { i: 0 };
      readers = Array.from({ length: parallelism }, () => reader(ps, pending, next));
    };
    let started: Promise<void> | null = null;
    /** The page the consumer has been reading, now read through: its split moves on. */
    const finishCurrent = (): void => {
      const page = this.current;
      if (page === null) return;
      this.rowsBefore += this.currentRows - page.skipped;
      this.current = null;
      if (page.next === null) {
        page.split.done = true;
      } else {
        page.split.state = page.next;
        page.split.skip = 0;
      }
    };
    return {
      nextPage: async () => {
        if (started === null) started = start();
        await started;
        finishCurrent();
        for (;;) {
          // A reader's error, with the consumer's stack (which awaits this) added to it.
          if (failure !== undefined) throw withCallerStack(failure);
          const page = queue.shift();
          if (page === undefined) {
            if (readersLeft === 0) return null;
            await new Promise<void>((r) => (wakeConsumer = r));
            continue;
          }
          spaceWaiters.shift()?.();
          page.split.state = page.fetchedWith;
          page.split.skip = page.skipped;
          this.current = page;
          // Kept: the page's count is gone once its rows are released.
          this.currentRows = page.page.rowCount;
          return { page: page.page, from: page.skipped };
        }
      },
      close: async () => {
        // A page left by break, abort or error stays current: the checkpoint keeps where in it
        // the consumer was (the last page read through was finished by the call that found none).
        stopped = true;
        for (const w of spaceWaiters.splice(0)) w();
        for (const q of queue.splice(0)) ResultPage.releaseRows(q.page);
        await Promise.allSettled(readers);
      },
    };
  }

  /** The splits: from the checkpoint, or the ring cut into about hosts × splitsPerHost parts. */
  private makeSplits(): Split[] {
    const meta = this.client.metadata;
    const from = this.options.resumeFrom;
    const replicasOf = (range: TokenRange): readonly Host[] => meta.rangeReplicas(this.keyspace, range);
    if (from !== undefined) {
      return from.splits.map((s) => {
        const range = TokenRange.parse(s.range);
        return { range, text: s.range, done: s.done, state: s.pagingState === undefined ? undefined : Buffer.from(s.pagingState, 'base64'), skip: s.skip ?? 0, replicas: replicasOf(range) };
      });
    }
    const ranges = meta.tokenRanges();
    const hosts = Math.max(1, this.client.hosts.length);
    const target = hosts * (this.options.splitsPerHost ?? 8);
    // No ring known (e.g. one host without the control connection): the whole ring, cut evenly.
    const base = ranges.length > 0 ? ranges : [new TokenRange(0n, 0n)];
    const per = Math.max(1, Math.ceil(target / base.length));
    const out: Split[] = [];
    for (const r of base) {
      const replicas = replicasOf(r);
      for (const part of r.split(per)) for (const u of part.unwrap()) out.push({ range: u, text: u.toString(), done: false, state: undefined, skip: 0, replicas });
    }
    // Interleave by primary replica, so the parallel readers start on different nodes.
    const byHost = new Map<string, Split[]>();
    for (const s of out) {
      const k = s.replicas[0]?.id ?? '';
      let l = byHost.get(k);
      if (!l) byHost.set(k, (l = []));
      l.push(s);
    }
    const lists = [...byHost.values()];
    const mixed: Split[] = [];
    for (let i = 0; mixed.length < out.length; i++) for (const l of lists) if (i < l.length) mixed.push(l[i]!);
    return mixed;
  }

  /** One page of a split: from its replicas in turn (a node may go down mid-scan). */
  private async fetch(ps: PreparedStatement, split: Split, state: Buffer | undefined): Promise<ResultPage<Row>> {
    const { options } = this;
    const params = [split.range.start, split.range.end, ...(options.whereParams ?? [])];
    const base: ExecuteOptions = {
      consistency: options.consistency,
      timeoutMs: options.timeoutMs,
      profile: options.profile,
      executeAs: options.executeAs,
      signal: options.signal,
      fetchSize: this.fetchSize,
      pagingState: state,
      idempotent: true,
    };
    const up = split.replicas.filter((h) => h.isUp);
    const candidates = up.length > 0 ? up : split.replicas;
    // No replica known: let the load-balancing policy pick, as any request.
    if (candidates.length === 0) return this.client.executeLazily(ps, params, base);
    const attempts = (options.maxAttemptsPerPage ?? 3) * candidates.length;
    const errors = new Map<string, Error>();
    // Start on a different replica per split, so the load spreads over all of them.
    const offset = hashOf(split.text) % candidates.length;
    for (let i = 0; i < attempts; i++) {
      const host = candidates[(offset + i) % candidates.length]!;
      if (!host.isUp && candidates.some((h) => h.isUp)) continue;
      try {
        return await this.client.executeLazily(ps, params, { ...base, host: host.id });
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        if (options.signal?.aborted === true || !retriable(e)) throw e;
        errors.set(host.id, e);
        this.retries++;
        // A moment for the driver to notice a node down before trying the next replica.
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * (i + 1))));
      }
    }
    throw new NoHostAvailableError(errors);
  }
}

/** Errors another replica (or a later try) may not have: connection, timeout, availability. */
function retriable(e: Error): boolean {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  return (
    code === 'ERR_NO_HOST_AVAILABLE' ||
    code === 'ERR_CONNECTION_CLOSED' ||
    code === 'ERR_CONNECT_FAILED' ||
    code === 'ERR_REQUEST_TIMEOUT' ||
    code === 'ERR_QUEUE_FULL' ||
    code.startsWith('ERR_SERVER_READ_') ||
    code === 'ERR_SERVER_UNAVAILABLE' ||
    code === 'ERR_SERVER_OVERLOADED' ||
    code === 'ERR_SERVER_IS_BOOTSTRAPPING'
  );
}

function hashOf(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h;
}
