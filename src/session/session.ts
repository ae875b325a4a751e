import { BatchType, Opcode, lz4Compressor, type BoundValue, type Request } from '../../protocol/index.js';
import { ControlConnection } from '../cluster/control-connection.js';
import type { HostPoolOptions } from '../cluster/host-pool.js';
import { Metadata } from '../cluster/metadata.js';
import { HostRegistry } from '../cluster/registry.js';
import { PlainTextAuthProvider } from '../connection/auth.js';
import { withCallerStack } from '../errors/caller-stack.js';
import { ClientClosedError, InvalidArgumentError, NoHostAvailableError, type QueueFullError } from '../errors/driver-errors.js';
import { loadLz4Napi, lz4NapiFailure } from '../native/lz4-napi.js';
import { forwardLogs, log } from '../observability/log.js';
import { RequestMetrics, type MetricsSnapshot } from '../observability/metrics.js';
import { OffloadPool } from '../offload/pool.js';
import { AdaptiveThrottle, DefaultLoadBalancingPolicy, ExponentialReconnectionPolicy, IdentityAddressTranslator, type Host, type RequestThrottle, type RoutingInfo, type ThrottleSnapshot } from '../policies/index.js';
import { buildPage, nextPagingState, type AnsweredRequest, type ResultEffects } from '../results/page-builder.js';
import type { ResultPage, Row } from '../results/page.js';
import { RowStream } from '../results/row-stream.js';
import { bindPrepared, encodeSimpleValues, explicitRouting, preparedRouting } from './binding.js';
import { DeferredRejections } from './deferred-rejections.js';
import { RequestExecutor, type ExecutionRequest } from './execution.js';
import { DEFAULT_TIMEOUT_MS, Profiles, type BatchOptions, type BatchStatement, type ClientOptions, type ExecuteOptions, type Params, type PrepareOptions, type ResolvedOptions, type StreamOptions } from './options.js';
import { ExecuteRequest, PageSink, queryRequest, rethrowWithCallerStack, type PageRequestFields, type PageSource } from './page-request.js';
import { PreparedCache, type PreparedStatement } from './prepared.js';
import { Preparation } from './preparation.js';
import { MonotonicTimestampGenerator, writeTimestamp, type TimestampGenerator } from './timestamps.js';
import { checkDeclared, type DeclaredTable } from './schema-check.js';
import { readTrace, type QueryTrace, type TraceReadOptions } from './trace.js';
import { validateBatch, validateClientOptions, validateCqlText, validateExecuteOptions, validateParams, validateQuery, validateStreamOptions } from './validation.js';

/**
 * The request core of a {@link Client}: connection pools per host, prepared statement cache,
 * retries, paging and metrics; execute, stream, batch, prepare and the lifecycle. Every request
 * goes down one path: options resolved once here, then the execution core (plan, attempts,
 * retries), then the host's pool and connection. `Client` adds the bulk operations, which sit
 * above the session and use only this class's public methods.
 */
export class Session {
  /** Counters and latency of the whole client. */
  private readonly sessionMetrics = new RequestMetrics(true); // the last minute's latency too
  /** Schema and token map, kept current by the control connection. */
  private readonly clusterMetadata = new Metadata();
  private readonly registry: HostRegistry;
  private readonly control: ControlConnection | null;
  private readonly executor: RequestExecutor;
  /** What a page request's sink calls back (made once, not per request). */
  private readonly pages: PageSource = {
    pageOf: (answer, ps, fetchNext, undecoded) => this.pageOf(answer, ps, fetchNext, undecoded),
    executePage: (query, params, options, pagingState) => this.executePage(query, params, options, pagingState, false),
  };
  private readonly prepared: PreparedCache;
  private readonly profiles: Profiles;
  private readonly offload: OffloadPool | null;
  private readonly timestamps: TimestampGenerator | null;
  private readonly preparation: Preparation;
  private readonly throttle: RequestThrottle | undefined;
  private currentKeyspace: string | undefined;
  private closing: Promise<void> | null = null;
  /** Stops forwarding to `options.logger`, when one was given. */
  private readonly stopLogs: (() => void) | undefined;

  protected constructor(options: ClientOptions) {
    validateClientOptions(options);
    this.stopLogs = options.logger === undefined ? undefined : forwardLogs(options.logger);
    if (options.compression === 'lz4') logCodec();
    this.currentKeyspace = options.keyspace;
    this.prepared = new PreparedCache(options.preparedCacheSize ?? 1000);
    // No workers unless asked for: inline is faster on a busy machine (bench/offload/README.md).
    const workers = options.offload?.workers ?? 0;
    this.offload = workers > 0 ? new OffloadPool({ workers, minBytes: options.offload?.minBytes, workerUrl: options.offload?.workerUrl }) : null;
    this.profiles = new Profiles(options);
    const t = options.throttle;
    this.throttle = t === undefined ? undefined : 'acquire' in t ? t : new AdaptiveThrottle(t);
    this.timestamps = options.timestampGenerator === undefined ? new MonotonicTimestampGenerator() : options.timestampGenerator;
    const reconnectionPolicy = options.reconnectionPolicy ?? new ExponentialReconnectionPolicy();
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const poolOptions: HostPoolOptions = {
      connectionsPerHost: options.connectionsPerHost ?? 1,
      reconnectionPolicy,
      keyspace: () => this.currentKeyspace,
      onConnectionClose: (_host, conn) => this.control?.onConnectionClosed(conn),
      // A node back up has forgotten nothing only if it did not restart: prepare the cache there.
      onStatusChange: (host, up) => {
        if (up && options.reprepareOnUp !== false && !this.isClosed) void this.preparation.cachedOn(host.id);
      },
      connection: {
        protocolVersion: options.protocolVersion,
        tls: options.tls,
        authProvider: options.authProvider ?? (options.credentials ? new PlainTextAuthProvider(options.credentials.username, options.credentials.password) : undefined),
        compressor: options.compression === 'lz4' ? (loadLz4Napi() ?? lz4Compressor) : null,
        connectTimeoutMs: options.connectTimeoutMs,
        timeoutMs,
        heartbeatIntervalMs: options.heartbeatIntervalMs,
        maxRequestsPerConnection: options.maxRequestsPerConnection,
        maxQueuedPerConnection: options.maxQueuedPerConnection,
        maxFrameSize: options.maxFrameSize,
        offload: this.offload,
        socketFactory: options.socketFactory,
        onEvent: (event) => this.control?.onEvent(event),
        // Told synchronously, so that the rest of a burst being issued is shed cheaply.
        onQueueFull: () => {
          this.shedding = this.throttle === undefined;
        },
      },
    };
    // A discovered node gets a pool unless the default policy never uses it (another DC, not allowed).
    const defaultPolicy = this.profiles.defaults.loadBalancingPolicy;
    this.registry = new HostRegistry(poolOptions, this.clusterMetadata, options.port ?? 9042, (host) => defaultPolicy.distance?.(host) !== 'ignored');
    for (const cp of options.contactPoints) this.registry.addContactPoint(cp);
    this.control =
      options.controlConnection === false
        ? null
        : new ControlConnection({
            hosts: this.registry,
            reconnectionPolicy,
            translator: options.addressTranslator ?? new IdentityAddressTranslator(),
            metadata: this.clusterMetadata,
            defaultPort: this.registry.defaultPort,
            timeoutMs,
            schemaAgreementWaitMs: options.maxSchemaAgreementWaitMs ?? 10_000,
          });
    const control = this.control;
    this.executor = new RequestExecutor({
      hosts: this.registry,
      metrics: this.sessionMetrics,
      keyspace: () => this.currentKeyspace,
      afterSchemaChange: control ? (change) => control.afterSchemaChange(change) : undefined,
      throttle: this.throttle,
    });
    this.preparation = new Preparation({
      executor: this.executor,
      registry: this.registry,
      profiles: this.profiles,
      cache: this.prepared,
      onAllHosts: options.prepareOnAllHosts !== false,
      isClosed: () => this.isClosed,
    });
    for (const p of this.profiles.loadBalancingPolicies()) p.init?.(this.registry);
  }

  /**
   * Open the pools of the contact points of a session just built: resolves with it once at least
   * one host is ready; rejects with NoHostAvailableError (each host's cause inside) otherwise.
   */
  protected static async start<S extends Session>(client: S): Promise<S> {
    const errors = new Map<string, Error>();
    const contacts = client.registry.contacts();
    const results = await Promise.allSettled(
      contacts.map(async (h) => {
        try {
          await h.warmUp();
        } catch (err) {
          errors.set(h.id, err instanceof Error ? err : new Error(String(err)));
          throw err;
        }
      }),
    );
    if (!results.some((r) => r.status === 'fulfilled')) {
      client.destroy();
      throw new NoHostAvailableError(errors);
    }
    // Topology, schema and token map before the first request; a cluster that cannot answer
    // the system queries (e.g. a minimal proxy) leaves the client on its contact points.
    if (client.control) await client.control.init(contacts.filter((h) => h.isUp));
    const unknown = client.unknownLocalDataCenter();
    if (unknown !== undefined) {
      client.destroy();
      throw new InvalidArgumentError(unknown);
    }
    return client;
  }

  /** Schema and token map of the cluster (empty with `controlConnection: false`). */
  get metadata(): Metadata {
    return this.clusterMetadata;
  }

  /**
   * Wait until every up node reports the same schema version (bounded by
   * `maxSchemaAgreementWaitMs`); resolves whether they agreed. DDL run through the client
   * already waits for this before it resolves.
   */
  async waitForSchemaAgreement(): Promise<boolean> {
    this.ensureOpen();
    return this.control ? this.control.waitForSchemaAgreement() : true;
  }

  /** The keyspace requests run in by default. */
  get keyspace(): string | undefined {
    return this.currentKeyspace;
  }

  /** The hosts the client knows (a read-only view of each). */
  get hosts(): readonly Host[] {
    return [...this.registry.all()];
  }

  /** Protocol version negotiated with the cluster, or undefined while no connection is open. */
  get protocolVersion(): 4 | 5 | undefined {
    for (const h of this.registry.all()) if (h.isUp && h.protocolVersion !== undefined) return h.protocolVersion;
    return undefined;
  }

  /** Whether `close()` or `destroy()` was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Switch every connection to `keyspace`. */
  async useKeyspace(keyspace: string): Promise<void> {
    this.ensureOpen();
    try {
      await Promise.all(this.registry.all().filter((h) => h.isUp).map((h) => h.useKeyspace(keyspace)));
    } catch (err) {
      throw withCallerStack(err);
    }
    this.currentKeyspace = keyspace;
  }

  /**
   * Run one statement and return one page of its result. `params` are positional (array) or
   * named (object). With `prepare: true` (or a PreparedStatement) the statement runs prepared.
   */
  execute<P, R>(query: PreparedStatement<P, R>, params: P, options?: ExecuteOptions): Promise<ResultPage<R>>;
  /** Run one statement (untyped; see above). */
  execute<R = Row>(query: string | PreparedStatement, params?: Params | null, options?: ExecuteOptions): Promise<ResultPage<R>>;
  // The typed overload only narrows what callers may pass; at run time it is the same call.
  execute<R = Row>(queryIn: string | PreparedStatement<never, unknown>, paramsIn?: unknown, options: ExecuteOptions = {}): Promise<ResultPage<R>> {
    // Not async itself: a request shed under overload costs no async frame and no throw.
    if (this.shedding) {
      const shed = this.shed(queryIn, paramsIn, options);
      if (shed !== undefined) return shed;
    }
    return this.executePage<R>(queryIn as string | PreparedStatement, (paramsIn ?? undefined) as Params | undefined, options, (options as ExecuteOptions | null)?.pagingState, false, undefined, true);
  }

  /**
   * @internal `execute` for bulk readers: the page's rows stay undecoded until read through
   * `ResultPage.rowReader`, then `ResultPage.releaseRows` hands its bytes back (as `stream` does).
   */
  executeLazily<R = Row>(query: string | PreparedStatement, params: Params | undefined, options: ExecuteOptions): Promise<ResultPage<R>> {
    return this.executePage<R>(query, params, options, options.pagingState, true, undefined, true);
  }

  /**
   * Iterate every row of a query lazily (`for await`), fetching pages as the consumer reads:
   * at most one page is buffered ahead (two with offload workers: the next page is asked for
   * while a worker decodes the previous one). `.eachPage()` iterates page by page.
   */
  stream<P, R>(query: PreparedStatement<P, R>, params: P, options?: StreamOptions): RowStream<R>;
  /** Iterate every row of a query lazily (untyped; see above). */
  stream<R = Row>(query: string | PreparedStatement, params?: Params | null, options?: StreamOptions): RowStream<R>;
  stream<R = Row>(queryIn: string | PreparedStatement<never, unknown>, paramsIn?: unknown, options: StreamOptions = {}): RowStream<R> {
    const query = queryIn as string | PreparedStatement;
    const params = paramsIn as Params | null | undefined;
    // A bad argument fails the iteration (the stream's first page), as a request would.
    let invalid: unknown;
    try {
      validateQuery(query);
      validateParams(params);
      validateStreamOptions(options);
    } catch (err) {
      invalid = err;
    }
    const control = invalid === undefined ? { maxPages: options.maxPages, onPage: options.onPage, signal: options.signal, yieldAfterMs: options.yieldAfterMs } : {};
    // Pages asked for so far: each page's operation on the tracing channel carries its number.
    let pages = 0;
    return new RowStream<R>(
      (pagingState) => {
        if (invalid !== undefined) throw invalid;
        this.ensureOpen();
        return this.executePage<R>(query, params ?? undefined, options, pagingState, true, ++pages);
      },
      control,
      invalid === undefined ? options.pagingState : undefined,
    );
  }

  /**
   * Prepare a statement (cached per keyspace and text); reuse the result for repeated execution.
   * Typed: `prepare<P, R>(cql, { expect: table })` gives a statement that `execute` runs only
   * with `P` and that returns `R` rows, after checking the server's bind and result metadata
   * against the declared tables (SchemaMismatchError naming the column on a difference).
   */
  async prepare<P = Params, R = Row>(query: string, options: PrepareOptions = {}): Promise<PreparedStatement<P, R>> {
    this.ensureOpen();
    try {
      validateCqlText(query);
      validateExecuteOptions(options);
    } catch (err) {
      throw withCallerStack(err);
    }
    const keyspace = options.keyspace ?? this.currentKeyspace;
    try {
      const ps = await this.preparation.statement(query, options, keyspace);
      if (options.expect !== undefined) {
        const declared: readonly DeclaredTable[] = Array.isArray(options.expect) ? options.expect : [options.expect as DeclaredTable];
        checkDeclared(query, declared, ps.variables, ps.resultColumns);
        // Kept so that new result metadata (v5 METADATA_CHANGED) is checked the same way.
        for (const d of declared) if (!ps.declared.includes(d)) ps.declared.push(d);
        ps.checkedColumns = ps.resultColumns;
      }
      return ps as PreparedStatement<never, unknown> as PreparedStatement<P, R>;
    } catch (err) {
      throw withCallerStack(err);
    }
  }

  /** Run statements as one batch: logged (default), unlogged or counter. */
  async batch(statements: readonly BatchStatement[], options: BatchOptions = {}): Promise<ResultPage<Row>> {
    this.ensureOpen();
    try {
      validateBatch(statements, options);
      const shed = this.shedding ? this.registry.saturation() : undefined;
      if (shed !== undefined) throw this.counted(shed);
      const settings = this.profiles.resolve(options);
      const entries = await Promise.all(
        statements.map(async (s) => {
          if (typeof s.query === 'string' && !options.prepare) {
            if (s.params !== undefined && !Array.isArray(s.params)) {
              // The protocol cannot carry names for BATCH values (CASSANDRA-10246).
              throw new InvalidArgumentError('named parameters of an unprepared batch statement are not supported; pass an array or prepare the statement');
            }
            return { kind: 'query' as const, query: s.query, values: (encodeSimpleValues(s.params, s.hints) ?? []) as readonly BoundValue[] };
          }
          const ps = typeof s.query === 'string' ? await this.prepare(s.query, options) : s.query;
          return { kind: 'prepared' as const, id: ps.id, values: bindPrepared(ps, s.params), ps };
        }),
      );
      const type = options.type === 'unlogged' ? BatchType.UNLOGGED : options.type === 'counter' ? BatchType.COUNTER : BatchType.LOGGED;
      // Routed by the given routing key, else by the partition of the first prepared statement.
      const firstPrepared = entries.findIndex((e) => e.kind === 'prepared');
      const first = entries[firstPrepared];
      const routing =
        options.routingKey !== undefined
          ? explicitRouting(options, this.currentKeyspace)
          : first?.kind === 'prepared'
            ? this.routingOf(first.ps, statements[firstPrepared]!.params, options)
            : undefined;
      const timestamp = writeTimestamp(options.timestamp, this.timestamps);
      const answer = await this.executor.execute({
        kind: 'batch',
        text: `BATCH(${statements.length})`,
        build: (_version, consistency): Request => ({
          opcode: Opcode.BATCH,
          type,
          statements: entries.map((e) => (e.kind === 'query' ? e : { kind: 'prepared' as const, id: e.ps.id, values: e.values })),
          consistency,
          serialConsistency: settings.serialConsistency,
          timestamp,
          keyspace: options.keyspace,
          nowInSeconds: options.nowInSeconds,
        }),
        settings,
        options,
        routing,
        prepared: entries.flatMap((e) => (e.kind === 'prepared' ? [e.ps] : [])),
      });
      return await this.pageOf<Row>(answer, undefined, null, false);
    } catch (err) {
      throw withCallerStack(err);
    }
  }

  /** Read a tracing session from `system_traces` (waits briefly until the server has written it). */
  async getTrace(traceId: string, options: TraceReadOptions = {}): Promise<QueryTrace> {
    return readTrace((query, params, opts) => this.execute(query, params, opts), traceId, options);
  }

  /** Snapshot of the client's and each host's counters and latency percentiles, and the throttle's state. */
  metrics(): MetricsSnapshot & { readonly throttle?: ThrottleSnapshot } {
    const hosts: Record<string, MetricsSnapshot['hosts'][string]> = {};
    let opened = 0;
    let closed = 0;
    for (const h of this.registry.all()) {
      hosts[h.id] = { ...h.metrics.snapshot(), inFlight: h.inFlight, queued: h.queued, connections: h.connectionCount };
      opened += h.metrics.connectionsOpened;
      closed += h.metrics.connectionsClosed;
    }
    // Connections are counted per host; the session totals are their sums.
    const session = { ...this.sessionMetrics.snapshot(), connectionsOpened: opened, connectionsClosed: closed };
    return this.throttle === undefined ? { session, hosts } : { session, hosts, throttle: this.throttle.snapshot() };
  }

  /** Stop taking requests, wait for those in flight, close every connection. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.isClosed = true;
    this.control?.close();
    this.closing = this.registry.close().then(() => this.offload?.close());
    // Forward the close's own log records first.
    const stop = (): void => this.stopLogs?.();
    this.closing.then(stop, stop);
    return this.closing;
  }

  /** Close at once: requests in flight are rejected with ConnectionClosedError. */
  destroy(error?: Error): void {
    this.isClosed = true;
    this.control?.close();
    this.registry.destroy(error);
    void this.offload?.destroy();
    this.closing ??= Promise.resolve();
    this.stopLogs?.();
  }

  /** `close()`, for `await using client = await Client.connect(...)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ------------------------------------------------------------------ internals

  private isClosed = false;

  /**
   * A connection refused a request for a full queue lately: until the queues drain, each new request first
   * checks whether every host is saturated and, if so, fails at once, before binding, routing or
   * any promise chain (a burst far past the bounds then costs about a microsecond per request
   * shed, not the ~20 µs of the full path). Off with a throttle, which queues instead.
   */
  private shedding = false;

  /** A rejected promise when `execute` is to be shed now; undefined to run it (bad input included: it gets its own error). */
  private shed(query: unknown, params: unknown, options: ExecuteOptions): Promise<never> | undefined {
    if (this.isClosed) return undefined;
    try {
      validateQuery(query as string | PreparedStatement);
      validateParams(params as Params | null | undefined);
      validateExecuteOptions(options);
    } catch {
      return undefined;
    }
    const error = this.registry.saturation();
    if (error === undefined) {
      this.shedding = false;
      return undefined;
    }
    return this.shedRejections.reject(this.counted(error));
  }

  private readonly shedRejections = new DeferredRejections();

  /** Count a shed request as the execution core counts a queue full, so dashboards see it. */
  private counted(error: QueueFullError): QueueFullError {
    this.sessionMetrics.recordError(error.code);
    return error;
  }

  private ensureOpen(): void {
    if (this.isClosed) throw new ClientClosedError();
  }

  /**
   * One page of a statement: bound, routed and handed to the execution core.
   * @param undecoded for a stream: the rows stay undecoded until read, and an offloaded page may
   *   come before its worker decoded them (the stream waits for them, see `ResultPage`).
   */
  private executePage<R>(
    query: string | PreparedStatement,
    params: Params | undefined,
    options: ExecuteOptions,
    pagingState: Buffer | undefined,
    undecoded: boolean,
    page?: number,
    fromCaller = false,
  ): Promise<ResultPage<R>> {
    // Not async (an async function's frame holds all of its registers): the request is checked
    // and built here, and the execution core resolves its promise with the page (PageSink).
    let request: ExecutionRequest;
    let ps: PreparedStatement | undefined;
    try {
      if (fromCaller) {
        this.ensureOpen();
        validateQuery(query);
        validateParams(params);
        validateExecuteOptions(options);
      }
      const settings = this.profiles.resolve(options);
      // `prepare: true` with the statement cached and prepared (the usual case): no await and no
      // second validation.
      ps = typeof query !== 'string' ? query : options.prepare ? this.prepared.ready(options.keyspace ?? this.currentKeyspace, query) : undefined;
      if (ps === undefined && options.prepare && typeof query === 'string') return this.executeAfterPrepare<R>(query, params, options, pagingState, undecoded, page, fromCaller);
      request = this.requestOf(query, ps, params, options, settings, pagingState, page);
    } catch (err) {
      return Promise.reject(fromCaller ? withCallerStack(err) : err);
    }
    const answered = this.executor.executeTo(request, new PageSink<R>(this.pages, query, params, options, ps, undecoded));
    // A stream's pages get the consumer's stack where it awaits them (RowStream), not here.
    return fromCaller ? answered.then(undefined, rethrowWithCallerStack) : answered;
  }

  /** `executePage` of a statement to prepare first. */
  private async executeAfterPrepare<R>(query: string, params: Params | undefined, options: ExecuteOptions, pagingState: Buffer | undefined, undecoded: boolean, page: number | undefined, fromCaller: boolean): Promise<ResultPage<R>> {
    try {
      const ps = await this.prepare(query, options);
      // Validated already; now it runs as a PreparedStatement would.
      return await this.executePage<R>(ps, params, options, pagingState, undecoded, page, false);
    } catch (err) {
      throw fromCaller ? withCallerStack(err) : err;
    }
  }

  /**
   * The request of one page. Hot path: one request object per attempt, built from plain fields
   * (no spreads, no closures beyond `build`).
   */
  private requestOf(
    query: string | PreparedStatement,
    ps: PreparedStatement | undefined,
    params: Params | undefined,
    options: ExecuteOptions,
    settings: ResolvedOptions,
    pagingState: Buffer | undefined,
    page: number | undefined,
  ): ExecutionRequest {
    const defaultTimestamp = writeTimestamp(options.timestamp, this.timestamps);
    if (ps !== undefined) return new ExecuteRequest(ps, bindPrepared(ps, params), settings, options, this.routingOf(ps, params, options), pagingState, defaultTimestamp, page);
    const paging: PageRequestFields = { pageSize: settings.fetchSize > 0 ? settings.fetchSize : undefined, pagingState, defaultTimestamp, page };
    const routing = options.routingKey === undefined ? undefined : explicitRouting(options, this.currentKeyspace);
    return queryRequest(query as string, encodeSimpleValues(params, options.hints), settings, options, routing, paging);
  }

  /** The page of an answer, after the session applied what the result asks of it. */
  private pageOf<R>(answer: AnsweredRequest, ps: PreparedStatement | undefined, fetchNext: ((state: Buffer) => Promise<ResultPage<R>>) | null, undecoded: boolean): ResultPage<R> | Promise<ResultPage<R>> {
    const built = buildPage<R>(answer, ps, fetchNext, undecoded);
    if (ps !== undefined && ps.declared.length > 0) {
      // Typed statement: rows of a changed shape (v5 METADATA_CHANGED, or re-prepared after the
      // table changed) fail, and keep failing, instead of being read as the declared type.
      const columns = built.effects?.resultMetadata?.columns ?? ps.resultColumns;
      if (columns !== ps.checkedColumns) {
        checkDeclared(ps.query, ps.declared, [], columns, true);
        ps.checkedColumns = columns;
      }
    }
    if (built.effects !== undefined) this.apply(built.effects, ps);
    return built.page;
  }

  private apply(effects: ResultEffects, ps: PreparedStatement | undefined): void {
    if (effects.keyspace !== undefined) {
      // `USE ks` through execute(): keep every connection on the same keyspace.
      this.currentKeyspace = effects.keyspace;
      for (const h of this.registry.all()) void h.useKeyspace(effects.keyspace).catch((err: unknown) => log('warn', 'keyspace.switch', `could not switch the connections of ${h.id} to keyspace ${effects.keyspace}`, h.id, err));
    }
    if (effects.resultMetadata !== undefined && ps !== undefined) {
      ps.resultMetadataId = effects.resultMetadata.id;
      ps.resultColumns = effects.resultMetadata.columns;
    }
  }

  /**
   * Why a local data center that the options name cannot be right (no known node is in it), or
   * undefined. Every request would otherwise fail with "no host to try"; cassandra-driver
   * rejects it at connect too. Unknowable without the control connection: then not checked.
   */
  private unknownLocalDataCenter(): string | undefined {
    const known = new Set<string>();
    for (const h of this.registry.all()) if (h.datacenter !== undefined) known.add(h.datacenter);
    if (known.size === 0) return undefined;
    for (const policy of this.profiles.loadBalancingPolicies()) {
      const dc = policy instanceof DefaultLoadBalancingPolicy ? policy.localDataCenter : undefined;
      if (dc !== undefined && !known.has(dc)) return `localDataCenter "${dc}" is not a data center of this cluster; its data centers are: ${[...known].sort().join(', ')}`;
    }
    return undefined;
  }

  /** Token-aware routing of a prepared statement; none while one host is known or no ring is. */
  private routingOf(ps: PreparedStatement, params: Params | undefined, options: ExecuteOptions): RoutingInfo | undefined {
    // One known host: every plan is that host, so hashing the key would buy nothing.
    if (this.registry.size < 2 || this.clusterMetadata.tokenMap === undefined) return undefined;
    return preparedRouting(ps, params, options, this.currentKeyspace);
  }
}

/** Say which LZ4 codec the client uses and why: a native one that failed to load is a warning. */
function logCodec(): void {
  if (loadLz4Napi() !== null) return log('info', 'codec.lz4', 'LZ4 compression with the native lz4-napi codec');
  const failure = lz4NapiFailure();
  if (failure !== undefined && (failure as { code?: unknown }).code !== 'MODULE_NOT_FOUND') {
    return log('warn', 'codec.lz4', 'lz4-napi is installed but failed to load; LZ4 compression with the TypeScript codec', undefined, failure);
  }
  log('info', 'codec.lz4', 'LZ4 compression with the TypeScript codec (lz4-napi is not installed)');
}
