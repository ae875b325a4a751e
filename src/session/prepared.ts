import { compileEncoder, type ColumnSpec, type RowsMetadata, type ValueEncoder } from '../../protocol/index.js';
import type { ColumnInfo } from '../results/page.js';
import type { DeclaredTable } from './schema-check.js';

/** Bound parameters: positional array or an object keyed by marker name. */
export type Params = readonly unknown[] | Readonly<Record<string, unknown>>;

/**
 * A statement prepared on the server. Reuse it: its encoders are compiled once, and
 * execution sends only its id and the bound values.
 * @typeParam P - the parameters `client.execute` accepts for it (typed statements).
 * @typeParam R - the rows it returns (by default `Row`, column name → value).
 */
export class PreparedStatement<P = Params, R = Record<string, unknown>> {
  /**
   * Type-level only, never set: ties `P` (contravariantly, so a typed statement accepts only
   * its own parameters) and `R` to the statement.
   */
  declare readonly types?: { readonly params: (params: P) => void; readonly row: R };
  /** Statement id (the same on every node). */
  readonly id: Buffer;
  /** The CQL text. */
  readonly query: string;
  /** Keyspace the statement was prepared in (per-query or the connection's). */
  readonly keyspace: string | undefined;
  /** Bind markers, in order. */
  readonly variables: readonly ColumnInfo[];
  /** Bind marker index of each partition key component (token-aware routing). */
  readonly pkIndexes: readonly number[];
  /** v5: id of the result metadata; updated when the server reports a change. */
  resultMetadataId: Buffer | undefined;
  /** Columns of the rows this statement returns; updated with the metadata id. */
  resultColumns: readonly ColumnSpec[];
  /** One compiled encoder per bind marker. */
  readonly encoders: readonly ValueEncoder[];
  /** Marker name → index, for named values. */
  readonly markerIndex: ReadonlyMap<string, number>;
  /** @internal Tables typed preparations declared; new result metadata is checked against them. */
  readonly declared: DeclaredTable[] = [];
  /** @internal The result columns last found to match `declared`. */
  checkedColumns: readonly ColumnSpec[] | undefined;
  /** @internal This statement as the one-entry list a request runs (made once, not per request). */
  readonly asList: readonly PreparedStatement[] = Object.freeze([this as PreparedStatement]);

  /** @internal */
  constructor(fields: {
    id: Buffer;
    query: string;
    keyspace: string | undefined;
    variables: readonly ColumnSpec[];
    pkIndexes: readonly number[];
    resultMetadataId: Buffer | undefined;
    resultMetadata: RowsMetadata;
  }) {
    this.id = fields.id;
    this.query = fields.query;
    this.keyspace = fields.keyspace;
    this.variables = fields.variables;
    this.pkIndexes = fields.pkIndexes;
    this.resultMetadataId = fields.resultMetadataId;
    this.resultColumns = fields.resultMetadata.columns ?? [];
    this.encoders = fields.variables.map((v) => compileEncoder(v.type));
    const index = new Map<string, number>();
    fields.variables.forEach((v, i) => {
      if (!index.has(v.name)) index.set(v.name, i);
    });
    this.markerIndex = index;
  }

  /** Keyspace of the statement's table, from its metadata (for routing). */
  get tableKeyspace(): string | undefined {
    return this.variables[0]?.keyspace ?? this.resultColumns[0]?.keyspace ?? this.keyspace;
  }
}

/** The prepared statements of a request that has none (frozen, shared). */
export const NO_STATEMENTS: readonly PreparedStatement[] = Object.freeze([]);

/** One cached statement: its preparation, the statement once prepared, when it was last used. */
interface CacheEntry {
  readonly promise: Promise<PreparedStatement>;
  statement: PreparedStatement | undefined;
  used: number;
}

/**
 * Bounded least-recently-used cache of prepared statements, keyed by keyspace and CQL text.
 * A lookup builds no key string (a map per keyspace, then the text) and marks recency with a
 * counter instead of re-inserting the entry: it runs on every `prepare: true` request. The
 * least recently used entry is found by a scan, only when an insert goes past the capacity.
 */
export class PreparedCache {
  private readonly byKeyspace = new Map<string, Map<string, CacheEntry>>();
  private count = 0;
  private clock = 0;

  constructor(private readonly capacity: number) {}

  /** The cached preparation of `query` in `keyspace`, refreshing its recency. */
  get(keyspace: string | undefined, query: string): Promise<PreparedStatement> | undefined {
    const e = this.byKeyspace.get(keyspace ?? '')?.get(query);
    if (e === undefined) return undefined;
    e.used = ++this.clock;
    return e.promise;
  }

  /** The statement when it is cached and prepared already (no await needed), refreshing its recency. */
  ready(keyspace: string | undefined, query: string): PreparedStatement | undefined {
    const e = this.byKeyspace.get(keyspace ?? '')?.get(query);
    if (e === undefined || e.statement === undefined) return undefined;
    e.used = ++this.clock;
    return e.statement;
  }

  /** Insert a preparation (dropped again if it fails), evicting the least recently used entry past capacity. */
  set(keyspace: string | undefined, query: string, promise: Promise<PreparedStatement>): void {
    const ks = keyspace ?? '';
    let byQuery = this.byKeyspace.get(ks);
    if (byQuery === undefined) this.byKeyspace.set(ks, (byQuery = new Map()));
    if (!byQuery.has(query)) this.count++;
    const entry: CacheEntry = { promise, statement: undefined, used: ++this.clock };
    byQuery.set(query, entry);
    promise.then(
      (ps) => {
        entry.statement = ps;
      },
      () => {
        if (this.byKeyspace.get(ks)?.get(query) === entry) this.delete(ks, query);
      },
    );
    while (this.count > this.capacity) this.evictOldest();
  }

  /** Drop an entry. */
  delete(keyspace: string | undefined, query: string): void {
    const ks = keyspace ?? '';
    const byQuery = this.byKeyspace.get(ks);
    if (byQuery === undefined || !byQuery.delete(query)) return;
    this.count--;
    if (byQuery.size === 0) this.byKeyspace.delete(ks);
  }

  /** Every cached statement (or in-flight preparation), least recently used first. */
  values(): IterableIterator<Promise<PreparedStatement>> {
    const all: CacheEntry[] = [];
    for (const byQuery of this.byKeyspace.values()) for (const e of byQuery.values()) all.push(e);
    all.sort((a, b) => a.used - b.used);
    return all.map((e) => e.promise).values();
  }

  /** Entries cached. */
  get size(): number {
    return this.count;
  }

  private evictOldest(): void {
    let oldest: { ks: string; query: string; used: number } | undefined;
    for (const [ks, byQuery] of this.byKeyspace) {
      for (const [query, e] of byQuery) if (oldest === undefined || e.used < oldest.used) oldest = { ks, query, used: e.used };
    }
    if (oldest !== undefined) this.delete(oldest.ks, oldest.query);
  }
}
