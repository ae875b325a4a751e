// Cluster metadata: the schema read from system_schema (keyspaces with replication, tables,
// columns, partition and clustering keys, user types, indexes) and the token map. Filled and
// refreshed by the control connection; read through `client.metadata`.
import type { Host } from '../policies/index.js';
import { murmur3Token } from './murmur3.js';
import { TokenMap, type ReplicationOptions } from './token-map.js';
import { ringRanges, type TokenRange } from './token-ranges.js';

/** A column of a table. */
export interface ColumnMetadata {
  /** Column name. */
  readonly name: string;
  /** CQL type as the server writes it (e.g. `int`, `frozen<list<text>>`). */
  readonly type: string;
  /** Role of the column in the table. */
  readonly kind: 'partition_key' | 'clustering' | 'regular' | 'static';
  /** Position within the partition or clustering key; -1 for other columns. */
  readonly position: number;
  /** Clustering order (`none` for non-clustering columns). */
  readonly clusteringOrder: 'asc' | 'desc' | 'none';
}

/** A secondary index. */
export interface IndexMetadata {
  /** Index name. */
  readonly name: string;
  /** `COMPOSITES`, `KEYS` or `CUSTOM`. */
  readonly kind: string;
  /** Index options (`target`, `class_name` ...). */
  readonly options: Readonly<Record<string, string>>;
}

/** A table (or materialized view). */
export interface TableMetadata {
  /** Keyspace name. */
  readonly keyspace: string;
  /** Table name. */
  readonly name: string;
  /** Every column by name. */
  readonly columns: ReadonlyMap<string, ColumnMetadata>;
  /** Partition key columns, in key order. */
  readonly partitionKey: readonly ColumnMetadata[];
  /** Clustering columns, in key order. */
  readonly clusteringKey: readonly ColumnMetadata[];
  /** Secondary indexes by name. */
  readonly indexes: ReadonlyMap<string, IndexMetadata>;
  /** True for a materialized view. */
  readonly isView: boolean;
}

/** A user-defined type. */
export interface UserTypeMetadata {
  /** Keyspace name. */
  readonly keyspace: string;
  /** Type name. */
  readonly name: string;
  /** Fields in order, with their CQL types. */
  readonly fields: readonly { readonly name: string; readonly type: string }[];
}

/** A keyspace. */
export interface KeyspaceMetadata {
  /** Keyspace name. */
  readonly name: string;
  /** `durable_writes`. */
  readonly durableWrites: boolean;
  /** Replication options, with `class` (e.g. `{ class: '...NetworkTopologyStrategy', dc1: '3' }`). */
  readonly replication: ReplicationOptions;
  /** Tables and materialized views by name. */
  readonly tables: ReadonlyMap<string, TableMetadata>;
  /** User-defined types by name. */
  readonly userTypes: ReadonlyMap<string, UserTypeMetadata>;
}

/** Runs a CQL query (on the control connection) and returns its rows. */
export type SchemaQuery = (cql: string) => Promise<readonly Readonly<Record<string, unknown>>[]>;

/**
 * What the client knows of the cluster: name, partitioner, schema and token map. Updated in
 * place by the control connection (topology and schema events, and after DDL once the schema
 * agreed).
 */
export class Metadata {
  /** `cluster_name` of the cluster, once known. */
  clusterName: string | undefined;
  /** Partitioner class name, once known. */
  partitioner: string | undefined;
  private ks = new Map<string, KeyspaceMetadata>();
  private ring: TokenMap<Host> | undefined;

  /** Every keyspace by name. */
  get keyspaces(): ReadonlyMap<string, KeyspaceMetadata> {
    return this.ks;
  }

  /** One keyspace, or undefined. */
  keyspace(name: string): KeyspaceMetadata | undefined {
    return this.ks.get(name);
  }

  /** One table (or view), or undefined. */
  table(keyspace: string, name: string): TableMetadata | undefined {
    return this.ks.get(keyspace)?.tables.get(name);
  }

  /** The token ring, once known (Murmur3Partitioner clusters only). */
  get tokenMap(): TokenMap<Host> | undefined {
    return this.ring;
  }

  /** The Murmur3 token of a serialized partition key (see `compositeKey` for compound keys). */
  token(routingKey: Uint8Array): bigint {
    return murmur3Token(routingKey);
  }

  /**
   * The replicas of a partition: by routing key (serialized partition key) or token. Empty
   * when the keyspace, its strategy or the ring is unknown.
   */
  replicas(keyspace: string, routingKeyOrToken: Uint8Array | bigint): readonly Host[] {
    const ring = this.ring;
    const ks = this.ks.get(keyspace);
    if (ring === undefined || ks === undefined) return [];
    const token = typeof routingKeyOrToken === 'bigint' ? routingKeyOrToken : murmur3Token(routingKeyOrToken);
    return ring.replicas(ks.replication, token);
  }

  /** Every range of the ring, one per ring token (empty while the ring is unknown). */
  tokenRanges(): TokenRange[] {
    return this.ring === undefined ? [] : ringRanges(this.ring.ring);
  }

  /** The replicas of a token range under a keyspace's replication, primary first. */
  rangeReplicas(keyspace: string, range: TokenRange): readonly Host[] {
    // Every token of a ring range has the replicas of the range's end token.
    return this.replicas(keyspace, range.end);
  }

  /** The ranges `host` holds a replica of under `keyspace`'s replication. */
  tokenRangesOf(keyspace: string, host: Host | string): TokenRange[] {
    const id = typeof host === 'string' ? host : host.id;
    return this.tokenRanges().filter((r) => this.rangeReplicas(keyspace, r).some((h) => h.id === id));
  }

  /** @internal Rebuild the token map from the hosts' tokens. */
  updateRing(hosts: readonly Host[]): void {
    if (this.partitioner !== undefined && !this.partitioner.endsWith('Murmur3Partitioner')) {
      this.ring = undefined;
      return;
    }
    this.ring = new TokenMap(hosts.filter((h) => h.tokens.length > 0));
  }

  /** @internal Read the schema of one keyspace (or all) and replace it here. */
  async refreshSchema(query: SchemaQuery, keyspace?: string): Promise<void> {
    const where = keyspace === undefined ? '' : ` WHERE keyspace_name = ${quoteString(keyspace)}`;
    const [keyspaces, tables, views, columns, types, indexes] = await Promise.all([
      query(`SELECT keyspace_name, durable_writes, replication FROM system_schema.keyspaces${where}`),
      query(`SELECT keyspace_name, table_name FROM system_schema.tables${where}`),
      query(`SELECT keyspace_name, view_name FROM system_schema.views${where}`),
      query(`SELECT keyspace_name, table_name, column_name, clustering_order, kind, position, type FROM system_schema.columns${where}`),
      query(`SELECT keyspace_name, type_name, field_names, field_types FROM system_schema.types${where}`),
      query(`SELECT keyspace_name, table_name, index_name, kind, options FROM system_schema.indexes${where}`),
    ]);
    const built = new Map<string, { meta: KeyspaceMetadata; tables: Map<string, TableBuilder>; types: Map<string, UserTypeMetadata> }>();
    for (const r of keyspaces) {
      const name = String(r['keyspace_name']);
      const tablesMap = new Map<string, TableBuilder>();
      const typesMap = new Map<string, UserTypeMetadata>();
      built.set(name, {
        meta: { name, durableWrites: r['durable_writes'] !== false, replication: Object.freeze(toRecord(r['replication'])), tables: new Map(), userTypes: typesMap },
        tables: tablesMap,
        types: typesMap,
      });
    }
    const tableOf = (ks: string, table: string, isView: boolean): TableBuilder | undefined => {
      const k = built.get(ks);
      if (!k) return undefined;
      let t = k.tables.get(table);
      if (!t) k.tables.set(table, (t = { keyspace: ks, name: table, isView, columns: new Map(), indexes: new Map() }));
      return t;
    };
    for (const r of tables) tableOf(String(r['keyspace_name']), String(r['table_name']), false);
    for (const r of views) tableOf(String(r['keyspace_name']), String(r['view_name']), true);
    for (const r of columns) {
      const t = built.get(String(r['keyspace_name']))?.tables.get(String(r['table_name']));
      if (!t) continue;
      const kind = String(r['kind']);
      const order = String(r['clustering_order']);
      t.columns.set(String(r['column_name']), {
        name: String(r['column_name']),
        type: String(r['type']),
        kind: kind === 'partition_key' || kind === 'clustering' || kind === 'static' ? kind : 'regular',
        position: Number(r['position'] ?? -1),
        clusteringOrder: order === 'asc' || order === 'desc' ? order : 'none',
      });
    }
    for (const r of types) {
      const k = built.get(String(r['keyspace_name']));
      if (!k) continue;
      const names = (r['field_names'] as readonly string[] | null) ?? [];
      const fieldTypes = (r['field_types'] as readonly string[] | null) ?? [];
      const name = String(r['type_name']);
      k.types.set(name, { keyspace: k.meta.name, name, fields: names.map((n, i) => ({ name: n, type: fieldTypes[i] ?? '' })) });
    }
    for (const r of indexes) {
      const t = built.get(String(r['keyspace_name']))?.tables.get(String(r['table_name']));
      if (!t) continue;
      const name = String(r['index_name']);
      t.indexes.set(name, { name, kind: String(r['kind']), options: toRecord(r['options']) });
    }
    const next = keyspace === undefined ? new Map<string, KeyspaceMetadata>() : new Map(this.ks);
    if (keyspace !== undefined) next.delete(keyspace);
    for (const [name, k] of built) {
      const tablesOut = new Map<string, TableMetadata>();
      for (const [tn, t] of k.tables) tablesOut.set(tn, finishTable(t));
      next.set(name, { ...k.meta, tables: tablesOut });
    }
    // Swap at once: readers never see a half-built schema.
    this.ks = next;
  }
}

interface TableBuilder {
  keyspace: string;
  name: string;
  isView: boolean;
  columns: Map<string, ColumnMetadata>;
  indexes: Map<string, IndexMetadata>;
}

function finishTable(t: TableBuilder): TableMetadata {
  const cols = [...t.columns.values()];
  const byPos = (a: ColumnMetadata, b: ColumnMetadata): number => a.position - b.position;
  return {
    keyspace: t.keyspace,
    name: t.name,
    isView: t.isView,
    columns: t.columns,
    indexes: t.indexes,
    partitionKey: cols.filter((c) => c.kind === 'partition_key').sort(byPos),
    clusteringKey: cols.filter((c) => c.kind === 'clustering').sort(byPos),
  };
}

function toRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v instanceof Map) for (const [k, x] of v) out[String(k)] = String(x);
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out[k] = String(x);
  return out;
}

/** A CQL string literal. */
export function quoteString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}
