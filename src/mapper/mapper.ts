// The object mapper: CRUD, conditional writes, finds with clustering conditions, paging and
// batches over a TableSchema. Every statement is built from quoted identifiers and `?` markers
// only (values are always bound), cached by its shape, and run prepared through the client.
import { InvalidArgumentError } from '../errors/driver-errors.js';
import type { Session } from '../session/session.js';
import { quoteIdentifier } from '../../protocol/index.js';
import type { ExecuteOptions } from '../session/options.js';
import type { ResultPage, Row } from '../results/page.js';
import { Condition, UpdateOperation } from './conditions.js';
import type { ColumnSchema, TableSchema } from './schema.js';

/** Request options a mapper operation passes on to the client (statement shape aside). */
export type MapperExecuteOptions = Pick<
  ExecuteOptions,
  'consistency' | 'serialConsistency' | 'timeoutMs' | 'profile' | 'idempotent' | 'signal' | 'host' | 'executeAs' | 'customPayload' | 'trace'
>;

/** Options of reads: a selection of columns. */
export interface ReadOptions<Row, F extends keyof Row & string> extends MapperExecuteOptions {
  /** Properties to select (default: every column of the schema). */
  readonly fields?: readonly F[];
}

/** Options of `find` and `findAll`. */
export interface FindOptions<Row, CK extends keyof Row & string, F extends keyof Row & string> extends ReadOptions<Row, F> {
  /** Clustering order per clustering property (`find` only). */
  readonly orderBy?: { readonly [K in CK]?: 'asc' | 'desc' };
  /** At most this many rows (`LIMIT ?`). */
  readonly limit?: number;
  /** Rows per page. */
  readonly fetchSize?: number;
  /** Resume after a page (`page.pagingState`). */
  readonly pagingState?: Buffer;
}

/** Write timestamp and time to live, bound as `USING TTL ? AND TIMESTAMP ?`. */
export interface WriteOptions extends MapperExecuteOptions {
  /** Time to live in seconds. */
  readonly ttl?: number;
  /** Write time: microseconds since the epoch, or a Date. */
  readonly timestamp?: bigint | Date;
}

/** Options of `insert`. */
export interface InsertOptions extends WriteOptions {
  /** `IF NOT EXISTS`: the result says whether the row was written. */
  readonly ifNotExists?: boolean;
}

/** Conditions of a conditional update or delete: `IF column = value AND ...`. */
export type IfConditions<Row> = { readonly [K in keyof Row]?: Row[K] | Condition<NonNullable<Row[K]>> };

/** Options of `update`. */
export interface UpdateOptions<Row> extends WriteOptions {
  /** `IF EXISTS`. */
  readonly ifExists?: boolean;
  /** `IF` conditions on columns. */
  readonly if?: IfConditions<Row>;
}

/** Options of `remove`. */
export interface RemoveOptions<Row> extends Omit<WriteOptions, 'ttl'> {
  /** `IF EXISTS`. */
  readonly ifExists?: boolean;
  /** `IF` conditions on columns. */
  readonly if?: IfConditions<Row>;
}

/** Outcome of a write. */
export interface WriteResult<Row> {
  /** False when a condition (`ifNotExists`, `ifExists`, `if`) did not hold; true otherwise. */
  readonly applied: boolean;
  /** The current values the server returned with a failed condition, else null. */
  readonly existing: Partial<Row> | null;
}

/** A full primary key. */
export type PrimaryKey<Row, PK extends keyof Row, CK extends keyof Row> = { readonly [K in PK | CK]: Row[K] };

/** A partition key with optional conditions on clustering columns (`find`). */
export type FindWhere<Row, PK extends keyof Row, CK extends keyof Row> = { readonly [K in PK]: Row[K] | Condition<Row[K]> } & {
  readonly [K in CK]?: Row[K] | Condition<Row[K]>;
};

/** What `insert` takes: the primary key, and any other columns (undefined: left out). */
export type Insertable<Row, K extends keyof Row> = { readonly [P in K]: Row[P] } & { readonly [P in Exclude<keyof Row, K>]?: Row[P] | undefined };

/** What `update` takes: the primary key, and the columns to set (values or operations). */
export type Updatable<Row, K extends keyof Row> = { readonly [P in K]: Row[P] } & {
  readonly [P in Exclude<keyof Row, K>]?: Row[P] | UpdateOperation<NonNullable<Row[P]>> | undefined;
};

/** What `remove` takes: the partition key, and a prefix of the clustering key. */
export type RemoveKey<Row, PK extends keyof Row, CK extends keyof Row> = { readonly [K in PK]: Row[K] } & { readonly [K in CK]?: Row[K] };

/** One statement of a mapper batch, built by `model.batching`. */
export interface MapperBatchItem {
  /** The CQL (markers only). */
  readonly query: string;
  /** Its bound values, in marker order. */
  readonly params: readonly unknown[];
}

/** Options of {@link Mapper.batch}. */
export interface MapperBatchOptions extends MapperExecuteOptions {
  /** `'logged'` (default) or `'unlogged'`; `'counter'` for counter updates. */
  readonly type?: 'logged' | 'unlogged' | 'counter';
}

/** A page of mapped rows. Iterable over this page; `nextPage()` fetches the next one. */
export class MappedPage<T> implements Iterable<T> {
  /** @internal */
  constructor(
    /** Rows of this page. */
    readonly rows: readonly T[],
    /** State to resume after this page (`pagingState` option), or null on the last page. */
    readonly pagingState: Buffer | null,
    private readonly next: (() => Promise<MappedPage<T>>) | null,
  ) {}

  /** First row of the page, or null. */
  first(): T | null {
    return this.rows[0] ?? null;
  }

  /** The next page, or null after the last. */
  async nextPage(): Promise<MappedPage<T> | null> {
    return this.next === null ? null : this.next();
  }

  /** Rows of this page. */
  [Symbol.iterator](): Iterator<T> {
    return this.rows[Symbol.iterator]();
  }
}

/** A statement shape the mapper may run prepared; values are bound in `params` order. */
interface Statement {
  readonly query: string;
  readonly params: unknown[];
}

/**
 * The mapper's entry: one per client. `forTable(schema)` gives a {@link ModelMapper} for a
 * generated (`cqlwire generate`) or hand-written {@link TableSchema}.
 */
export class Mapper {
  /** @internal CQL by statement shape, shared by the models of this mapper. */
  readonly statements = new Map<string, string>();

  /** @param client - the connected client every operation runs on. */
  constructor(readonly client: Session) {}

  /** A mapper for one table. */
  forTable<R extends object, PK extends keyof R & string, CK extends keyof R & string = never>(schema: TableSchema<R, PK, CK>): ModelMapper<R, PK, CK> {
    return new ModelMapper(this, schema);
  }

  /** Run writes built with `model.batching` as one batch; applied is false when a condition failed. */
  async batch(items: readonly MapperBatchItem[], options: MapperBatchOptions = {}): Promise<WriteResult<Row>> {
    const page = await this.client.batch(
      items.map((i) => ({ query: i.query, params: i.params })),
      { ...options, prepare: true },
    );
    return writeResult(page, (r) => r);
  }
}

/** CRUD and finds on one table, typed by its row, partition key and clustering key. */
export class ModelMapper<R extends object, PK extends keyof R & string, CK extends keyof R & string = never> {
  private readonly table: string;
  private readonly props: readonly (keyof R & string)[];
  private readonly byColumn: ReadonlyMap<string, string>;
  /** True when every property is its column's name: rows need no renaming. */
  private readonly identity: boolean;

  /** @internal Use {@link Mapper.forTable}. */
  constructor(
    private readonly mapper: Mapper,
    /** The table this model maps. */
    readonly schema: TableSchema<R, PK, CK>,
  ) {
    this.table = `${quoteIdentifier(schema.keyspace)}.${quoteIdentifier(schema.table)}`;
    this.props = Object.keys(schema.columns) as (keyof R & string)[];
    this.byColumn = new Map(this.props.map((p) => [this.column(p).name, p]));
    this.identity = this.props.every((p) => this.column(p).name === p);
  }

  /** Statements for {@link Mapper.batch}, built without running them. */
  readonly batching = {
    /** An insert (see {@link ModelMapper.insert}). */
    insert: (row: Insertable<R, PK | CK>, options: InsertOptions = {}): MapperBatchItem => this.insertStatement(row, options),
    /** An update (see {@link ModelMapper.update}). */
    update: (row: Updatable<R, PK | CK>, options: UpdateOptions<R> = {}): MapperBatchItem => this.updateStatement(row, options),
    /** A delete (see {@link ModelMapper.remove}). */
    remove: (key: RemoveKey<R, PK, CK>, options: RemoveOptions<R> = {}): MapperBatchItem => this.removeStatement(key, options),
  };

  /** The row with this primary key, or null. */
  async get<F extends keyof R & string = keyof R & string>(key: PrimaryKey<R, PK, CK>, options: ReadOptions<R, F> = {}): Promise<Pick<R, F> | null> {
    const params: unknown[] = [];
    const where = this.whereEquals([...this.schema.partitionKey, ...this.schema.clusteringKey], key, params);
    const query = this.cached(`get|${this.selection(options.fields)}`, () => `SELECT ${this.selection(options.fields)} FROM ${this.table} WHERE ${where}`);
    const page = await this.run<Pick<R, F>>({ query, params }, { ...execOptions(options), idempotent: options.idempotent ?? true });
    return page.first();
  }

  /** Rows of one partition (or several, with `q.in`), with optional clustering conditions, order and limit. */
  async find<F extends keyof R & string = keyof R & string>(where: FindWhere<R, PK, CK>, options: FindOptions<R, CK, F> = {}): Promise<MappedPage<Pick<R, F>>> {
    return this.run<Pick<R, F>>(this.findStatement(where, options), findExecOptions(options));
  }

  /** Every row of the table (paged: `fetchSize`, `pagingState`, `nextPage()`), up to `limit`. */
  async findAll<F extends keyof R & string = keyof R & string>(options: Omit<FindOptions<R, CK, F>, 'orderBy'> = {}): Promise<MappedPage<Pick<R, F>>> {
    return this.run<Pick<R, F>>(this.findStatement(null, options), findExecOptions(options));
  }

  /** Every row `find` (or, with `where` null, `findAll`) gives, page after page, fetched as you iterate. */
  async *iterate<F extends keyof R & string = keyof R & string>(where: FindWhere<R, PK, CK> | null, options: FindOptions<R, CK, F> = {}): AsyncGenerator<Pick<R, F>> {
    const s = this.findStatement(where, options);
    for await (const row of this.mapper.client.stream<Row>(s.query, s.params, { ...findExecOptions(options), prepare: true })) yield this.toModel(row) as Pick<R, F>;
  }

  /** Insert (upsert) a row; `ifNotExists` makes it conditional. Properties left undefined are not written. */
  async insert(row: Insertable<R, PK | CK>, options: InsertOptions = {}): Promise<WriteResult<R>> {
    return this.write(this.insertStatement(row, options), options);
  }

  /** Update the columns given (values or `q.incr`/`q.append`/...) of the row with this key. */
  async update(row: Updatable<R, PK | CK>, options: UpdateOptions<R> = {}): Promise<WriteResult<R>> {
    return this.write(this.updateStatement(row, options), options);
  }

  /** Delete a row, or a partition (clustering key left out), or a range prefix. */
  async remove(key: RemoveKey<R, PK, CK>, options: RemoveOptions<R> = {}): Promise<WriteResult<R>> {
    return this.write(this.removeStatement(key, options), options);
  }

  /**
   * A function that runs your CQL (markers only) with parameters from its argument, and maps
   * the rows' columns to properties: `const byName = model.mapWithQuery('SELECT * FROM ks.t
   * WHERE name = ?', (n: { name: string }) => [n.name])`.
   */
  mapWithQuery<I, T = R>(query: string, params: (input: I) => readonly unknown[], options: MapperExecuteOptions & { readonly fetchSize?: number } = {}): (input: I) => Promise<MappedPage<T>> {
    return (input) => this.run<T>({ query, params: [...params(input)] }, options);
  }

  // ------------------------------------------------------------------ statements

  private findStatement(where: FindWhere<R, PK, CK> | null, options: FindOptions<R, CK, keyof R & string>): Statement {
    const params: unknown[] = [];
    const parts: string[] = [];
    const shape: string[] = [];
    if (where !== null) {
      for (const p of ownKeys(where)) {
        const column = this.column(p);
        if (column.kind !== 'partition_key' && column.kind !== 'clustering') throw new InvalidArgumentError(`${p} is not a key column of ${this.schema.table}`);
        const value = own(where, p);
        if (value === undefined) continue;
        const conds = value instanceof Condition ? value.parts : [{ op: '=' as const, value }];
        for (const c of conds) {
          parts.push(`${quoteIdentifier(column.name)} ${c.op} ?`);
          shape.push(`${p}${c.op}`);
          params.push(c.value);
        }
      }
    }
    const order = Object.entries(options.orderBy ?? {}).filter(([, d]) => d !== undefined);
    const orderText = order.map(([p, d]) => `${quoteIdentifier(this.column(p).name)} ${d === 'desc' ? 'DESC' : 'ASC'}`).join(', ');
    if (options.limit !== undefined) params.push(options.limit);
    const key = `find|${this.selection(options.fields)}|${shape.join(',')}|${orderText}|${options.limit !== undefined}`;
    const query = this.cached(key, () => {
      let cql = `SELECT ${this.selection(options.fields)} FROM ${this.table}`;
      if (parts.length > 0) cql += ` WHERE ${parts.join(' AND ')}`;
      if (orderText) cql += ` ORDER BY ${orderText}`;
      if (options.limit !== undefined) cql += ' LIMIT ?';
      return cql;
    });
    return { query, params };
  }

  private insertStatement(row: Insertable<R, PK | CK>, options: InsertOptions): Statement {
    for (const k of [...this.schema.partitionKey, ...this.schema.clusteringKey]) {
      if (own(row, k) === undefined) throw new InvalidArgumentError(`${this.schema.table}: key property ${k} is missing`);
    }
    const props = ownKeys(row).filter((p) => own(row, p) !== undefined);
    const params = props.map((p) => own(row, p));
    const using = this.using(options, params);
    const key = `insert|${props.join(',')}|${using}|${options.ifNotExists === true}`;
    const query = this.cached(key, () => {
      const cols = props.map((p) => quoteIdentifier(this.column(p).name));
      return `INSERT INTO ${this.table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})${options.ifNotExists ? ' IF NOT EXISTS' : ''}${using}`;
    });
    return { query, params };
  }

  private updateStatement(row: Updatable<R, PK | CK>, options: UpdateOptions<R>): Statement {
    const keyProps: readonly string[] = [...this.schema.partitionKey, ...this.schema.clusteringKey];
    const sets = ownKeys(row).filter((p) => !keyProps.includes(p) && own(row, p) !== undefined);
    if (sets.length === 0) throw new InvalidArgumentError(`update of ${this.schema.table} sets no column`);
    const params: unknown[] = [];
    const using = this.using(options, params);
    const setParts = sets.map((p) => {
      const c = quoteIdentifier(this.column(p).name);
      const v = own(row, p);
      if (!(v instanceof UpdateOperation)) {
        params.push(v);
        return `${c} = ?`;
      }
      params.push(v.value);
      if (v.kind === 'increment' || v.kind === 'append') return `${c} = ${c} + ?`;
      if (v.kind === 'prepend') return `${c} = ? + ${c}`;
      return `${c} = ${c} - ?`;
    });
    const where = this.whereEquals(keyProps, row, params);
    const cond = this.conditions(options, params);
    const shape = sets.map((p) => {
      const v = own(row, p);
      return `${p}${v instanceof UpdateOperation ? v.kind : '='}`;
    });
    const query = this.cached(`update|${shape.join(',')}|${using}|${cond}`, () => `UPDATE ${this.table}${using} SET ${setParts.join(', ')} WHERE ${where}${cond}`);
    return { query, params };
  }

  private removeStatement(key: RemoveKey<R, PK, CK>, options: RemoveOptions<R>): Statement {
    const params: unknown[] = [];
    const using = this.using(options, params);
    const keyProps = [...this.schema.partitionKey, ...this.schema.clusteringKey].filter((p) => own(key, p) !== undefined);
    const where = this.whereEquals(keyProps, key, params);
    const cond = this.conditions(options, params);
    const query = this.cached(`remove|${keyProps.join(',')}|${using}|${cond}`, () => `DELETE FROM ${this.table}${using} WHERE ${where}${cond}`);
    return { query, params };
  }

  /** ` USING TTL ? AND TIMESTAMP ?` for the options given; pushes their values. */
  private using(options: { readonly ttl?: number; readonly timestamp?: bigint | Date }, params: unknown[]): string {
    const parts: string[] = [];
    if (options.ttl !== undefined) {
      parts.push('TTL ?');
      params.push(options.ttl);
    }
    if (options.timestamp !== undefined) {
      parts.push('TIMESTAMP ?');
      params.push(options.timestamp instanceof Date ? BigInt(options.timestamp.getTime()) * 1000n : options.timestamp);
    }
    return parts.length === 0 ? '' : ` USING ${parts.join(' AND ')}`;
  }

  /** ` IF EXISTS` or ` IF c = ? AND ...`; pushes the condition values. */
  private conditions(options: { readonly ifExists?: boolean; readonly if?: IfConditions<R> }, params: unknown[]): string {
    if (options.ifExists) return ' IF EXISTS';
    if (options.if === undefined) return '';
    const parts: string[] = [];
    for (const p of ownKeys(options.if)) {
      const v = own(options.if, p);
      if (v === undefined) continue;
      for (const c of v instanceof Condition ? v.parts : [{ op: '=' as const, value: v }]) {
        parts.push(`${quoteIdentifier(this.column(p).name)} ${c.op} ?`);
        params.push(c.value);
      }
    }
    return parts.length === 0 ? '' : ` IF ${parts.join(' AND ')}`;
  }

  /** `"a" = ? AND "b" = ?` over the given properties of `values`; pushes their values. */
  private whereEquals(props: readonly string[], values: object, params: unknown[]): string {
    return props
      .map((p) => {
        const v = own(values, p);
        if (v === undefined) throw new InvalidArgumentError(`${this.schema.table}: key property ${p} is missing`);
        params.push(v);
        return `${quoteIdentifier(this.column(p).name)} = ?`;
      })
      .join(' AND ');
  }

  private selection(fields: readonly string[] | undefined): string {
    return (fields ?? this.props).map((p) => quoteIdentifier(this.column(p).name)).join(', ');
  }

  private column(prop: string): ColumnSchema {
    const columns: Readonly<Record<string, ColumnSchema>> = this.schema.columns;
    if (!Object.hasOwn(columns, prop)) throw new InvalidArgumentError(`${prop} is not a property of ${this.schema.keyspace}.${this.schema.table}`);
    return columns[prop]!;
  }

  /** The CQL of a statement shape, built once (the client caches its preparation). */
  private cached(shape: string, build: () => string): string {
    const key = `${this.table}|${shape}`;
    let q = this.mapper.statements.get(key);
    if (q === undefined) {
      q = build();
      this.mapper.statements.set(key, q);
    }
    return q;
  }

  private async run<T>(s: Statement, options: ExecuteOptions): Promise<MappedPage<T>> {
    const page = await this.mapper.client.execute<Row>(s.query, s.params, { ...options, prepare: true });
    return this.mappedPage<T>(page);
  }

  private mappedPage<T>(page: ResultPage<Row>): MappedPage<T> {
    const next = page.hasMorePages ? async (): Promise<MappedPage<T>> => this.mappedPage<T>((await page.nextPage())!) : null;
    return new MappedPage<T>(
      page.rows.map((r) => this.toModel(r) as T),
      page.pagingState,
      next,
    );
  }

  private async write(s: Statement, options: MapperExecuteOptions): Promise<WriteResult<R>> {
    const page = await this.mapper.client.execute<Row>(s.query, s.params, { ...execOptions(options), prepare: true });
    return writeResult(page, (r) => this.toModel(r) as Partial<R>);
  }

  /** Columns renamed to properties (own properties only: `__proto__` stays data). */
  private toModel(row: Row): object {
    if (this.identity) return row;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) setOwn(out, this.byColumn.get(k) ?? k, v);
    return out;
  }
}

/** The result of a write: `[applied]` and, when false, the existing values. */
function writeResult<T>(page: ResultPage<Row>, toModel: (row: Row) => T): WriteResult<T> {
  const row = page.rows[0];
  if (row === undefined || !Object.hasOwn(row, '[applied]')) return { applied: true, existing: null };
  const applied = row['[applied]'] === true;
  if (applied) return { applied, existing: null };
  const rest: Row = {};
  for (const [k, v] of Object.entries(row)) if (k !== '[applied]') setOwn(rest, k, v);
  return { applied, existing: Object.keys(rest).length === 0 ? null : toModel(rest) };
}

function execOptions(o: MapperExecuteOptions): ExecuteOptions {
  const out: Record<string, unknown> = {};
  for (const k of EXEC_KEYS) if (o[k] !== undefined) out[k] = o[k];
  return out as ExecuteOptions;
}

function findExecOptions(o: MapperExecuteOptions & { readonly fetchSize?: number; readonly pagingState?: Buffer }): ExecuteOptions {
  return { ...execOptions(o), idempotent: o.idempotent ?? true, ...(o.fetchSize !== undefined ? { fetchSize: o.fetchSize } : {}), ...(o.pagingState !== undefined ? { pagingState: o.pagingState } : {}) };
}

const EXEC_KEYS = ['consistency', 'serialConsistency', 'timeoutMs', 'profile', 'idempotent', 'signal', 'host', 'executeAs', 'customPayload', 'trace'] as const;

/** Own enumerable string keys: a user object's inherited properties never become columns. */
function ownKeys(o: object): string[] {
  return Object.keys(o);
}

/** An own property's value; `o.__proto__` or `o.constructor` would read the prototype's. */
function own(o: object, key: string): unknown {
  return Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined;
}

function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key in Object.prototype) Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
  else o[key] = value;
}
