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

/** Bounded LRU cache of prepared statements, keyed by keyspace and CQL text. */
export class PreparedCache {
  private readonly map = new Map<string, Promise<PreparedStatement>>();

  constructor(private readonly capacity: number) {}

  /** Cache key of a statement. */
  static key(keyspace: string | undefined, query: string): string {
    return `${keyspace ?? ''}\u0000${query}`;
  }

  /** The cached statement (or in-flight preparation), refreshing its recency. */
  get(key: string): Promise<PreparedStatement> | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  /** Insert, evicting the least recently used entry past capacity. */
  set(key: string, value: Promise<PreparedStatement>): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
    }
  }

  /** Drop an entry (e.g. after a failed preparation). */
  delete(key: string): void {
    this.map.delete(key);
  }

  /** Every cached statement (or in-flight preparation), least recently used first. */
  values(): IterableIterator<Promise<PreparedStatement>> {
    return [...this.map.values()].values();
  }

  /** Entries cached. */
  get size(): number {
    return this.map.size;
  }
}
