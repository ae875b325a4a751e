import type tls from 'node:tls';
import {
  BatchType,
  Consistency,
  EncodedValues,
  Opcode,
  UNSET,
  encodeValue,
  guessDataType,
  sameDataType,
  lz4Compressor,
  type BoundValue,
  type BoundValues,
  type Compressor,
  type DataType,
  type QueryParameters,
  type Request,
  type RowsResult,
} from '../../protocol/index.js';
import { PlainTextAuthProvider, type AuthProvider } from '../connection/auth.js';
import { loadLz4Napi } from '../native/lz4-napi.js';
import type { ConnectionOptions, ConnectionResponse, SendOptions } from '../connection/connection.js';
import { channels } from '../observability/diagnostics.js';
import { withCallerStack } from '../errors/caller-stack.js';
import { AbortedError, ClientClosedError, CqlwireError, InvalidArgumentError, NoHostAvailableError, QueueFullError, UnexpectedResponseError } from '../errors/driver-errors.js';
import { ControlConnection } from '../cluster/control-connection.js';
import { HostPool, type HostPoolOptions } from '../cluster/host-pool.js';
import { Metadata } from '../cluster/metadata.js';
import { compositeKey } from '../cluster/murmur3.js';
import { RequestMetrics, type MetricsSnapshot } from '../observability/metrics.js';
import { OffloadPool, type OffloadOptions } from '../offload/pool.js';
import { decodeResultRows, releaseResultRows, rowReader } from '../offload/rows.js';
import {
  DefaultLoadBalancingPolicy,
  DefaultRetryPolicy,
  ExponentialReconnectionPolicy,
  IdentityAddressTranslator,
  NoSpeculativeExecutionPolicy,
  type AddressTranslator,
  type LoadBalancingPolicy,
  type ReconnectionPolicy,
  type RetryPolicy,
  type RoutingInfo,
  type SpeculativeExecutionPolicy,
} from '../policies/index.js';
import { PreparedCache, PreparedStatement } from './prepared.js';
import { ResultPage, type ColumnInfo, type ExecutionInfo, type PendingRows, type Row } from '../results/page.js';
import { UnpreparedError } from '../errors/server-errors.js';
import { RowStream, type StreamControl } from '../results/row-stream.js';

/** Consistency level names accepted in options, or the numeric protocol value. */
export type ConsistencyLevel = keyof typeof Consistency | Consistency;

/** A named bundle of request settings; requests pick one with `profile`. */
export interface ExecutionProfile {
  /** Consistency level. */
  readonly consistency?: ConsistencyLevel;
  /** Serial consistency for conditional statements. */
  readonly serialConsistency?: ConsistencyLevel;
  /** Per-attempt timeout in ms (0 disables). */
  readonly timeoutMs?: number;
  /** Rows per page. */
  readonly fetchSize?: number;
  /** Retry policy. */
  readonly retryPolicy?: RetryPolicy;
  /** Load-balancing policy. */
  readonly loadBalancingPolicy?: LoadBalancingPolicy;
  /** Speculative execution policy (idempotent requests only). */
  readonly speculativeExecutionPolicy?: SpeculativeExecutionPolicy;
}

/** Execute options with the stream's internal hook (see `SendOptions.onPagingState`). */
interface InternalExecuteOptions extends ExecuteOptions {
  readonly onPagingState?: (state: Buffer) => void;
}

/** Options of {@link Client.connect}. */
export interface ClientOptions {
  /** Addresses of nodes to connect to (`host` or `host:port`). */
  readonly contactPoints: readonly string[];
  /** Default port. Default 9042. */
  readonly port?: number;
  /** Keyspace to use on every connection. */
  readonly keyspace?: string;
  /** Username/password for PasswordAuthenticator. */
  readonly credentials?: { readonly username: string; readonly password: string };
  /** Custom SASL authentication (takes precedence over `credentials`). */
  readonly authProvider?: AuthProvider;
  /** TLS: `true` for defaults with certificate and host name verification, or Node TLS options. */
  readonly tls?: boolean | tls.ConnectionOptions;
  /** `'lz4'` to compress frames (v4) / segments (v5); uses lz4-napi when installed. Default none. */
  readonly compression?: 'lz4' | 'none';
  /** Pin the protocol version; by default v5 then v4. */
  readonly protocolVersion?: 4 | 5;
  /** Connections per host. Default 1. */
  readonly connectionsPerHost?: number;
  /** Requests in flight per connection at most (≤ 32768). */
  readonly maxRequestsPerConnection?: number;
  /** Requests queued per connection at most when all stream ids are busy. Default 16384. */
  readonly maxQueuedPerConnection?: number;
  /** Connect timeout in ms. Default 5000. */
  readonly connectTimeoutMs?: number;
  /** Heartbeat interval in ms (0 disables). Default 30000. */
  readonly heartbeatIntervalMs?: number;
  /** Settings of the default profile, and named profiles. */
  readonly profiles?: Readonly<Record<string, ExecutionProfile>>;
  /** Default consistency. Default LOCAL_ONE. */
  readonly consistency?: ConsistencyLevel;
  /** Default per-attempt timeout in ms. Default 12000. */
  readonly requestTimeoutMs?: number;
  /** Default rows per page. Default 5000. */
  readonly fetchSize?: number;
  /** Default retry policy. */
  readonly retryPolicy?: RetryPolicy;
  /** Default load-balancing policy. */
  readonly loadBalancingPolicy?: LoadBalancingPolicy;
  /** Reconnection schedule for down hosts. */
  readonly reconnectionPolicy?: ReconnectionPolicy;
  /** Default speculative execution policy. */
  readonly speculativeExecutionPolicy?: SpeculativeExecutionPolicy;
  /** Prepared statements cached at most. Default 1000. */
  readonly preparedCacheSize?: number;
  /** Largest frame accepted from the server. Default 256 MiB. */
  readonly maxFrameSize?: number;
  /** Open each connection's socket yourself (proxies, tunnels, tests); TLS options are then not applied. */
  readonly socketFactory?: ConnectionOptions['socketFactory'];
  /** Return 64-bit integers as this instead of bigint (e.g. `Long.fromBits` from npm `long`). */
  readonly int64?: 'bigint';
  /**
   * Decompress and decode large result pages in `workers` worker threads, so the event loop
   * stays responsive: RESULT frames of at least `minBytes` on the wire (default 128 KiB) go to a worker,
   * smaller ones are decoded inline. Default `{ workers: 0 }`: everything inline. Rows are the
   * same either way. Workers keep the event loop's p99 lower while large pages stream in, for
   * some throughput on a machine whose cores are busy (figures: bench/offload/README.md).
   */
  readonly offload?: OffloadOptions;
  /**
   * Data center whose nodes the default load-balancing policy uses; other DCs are ignored.
   * Default: the data center of the first contact point that answers.
   */
  readonly localDataCenter?: string;
  /** Maps the addresses nodes advertise in system.peers to reachable ones. Default identity. */
  readonly addressTranslator?: AddressTranslator;
  /**
   * Keep a control connection: discover nodes, follow topology/status/schema events, read
   * schema metadata and the token map (token-aware routing). Default true.
   */
  readonly controlConnection?: boolean;
  /** Longest wait for schema agreement after a DDL statement, in ms. Default 10000. */
  readonly maxSchemaAgreementWaitMs?: number;
}

/** Per-request options of `execute`, `stream` and `batch`. */
export interface ExecuteOptions {
  /** Prepare the statement (cached) and execute it by id. Default false. */
  readonly prepare?: boolean;
  /** Consistency level. */
  readonly consistency?: ConsistencyLevel;
  /** Serial consistency (SERIAL / LOCAL_SERIAL) for conditional statements. */
  readonly serialConsistency?: ConsistencyLevel;
  /** Write timestamp: microseconds since the epoch (bigint) or a Date. */
  readonly timestamp?: bigint | Date;
  /** Whether the statement can be safely retried / speculated. Default false. */
  readonly idempotent?: boolean;
  /** Rows per page. */
  readonly fetchSize?: number;
  /** Resume from a page saved with `page.pagingState`. */
  readonly pagingState?: Buffer;
  /** Ask the server to trace this request; the id is in `info.traceId`. */
  readonly trace?: boolean;
  /** Custom payload sent with the request. */
  readonly customPayload?: Readonly<Record<string, Uint8Array | null>>;
  /** Per-attempt timeout in ms (0 disables). */
  readonly timeoutMs?: number;
  /** Name of an execution profile, or one inline. */
  readonly profile?: string | ExecutionProfile;
  /** Send to this host only (`address` or `address:port`); no failover. */
  readonly host?: string;
  /** Run as this user (proxy execution; honoured by DataStax Enterprise, carried in the custom payload). */
  readonly executeAs?: string;
  /** v5: keyspace for this request only. */
  readonly keyspace?: string;
  /** v5: "now" in seconds, for testing TTLs. */
  readonly nowInSeconds?: number;
  /** CQL types of positional parameters of an unprepared statement, when guessing is not enough. */
  readonly hints?: readonly (DataType | null | undefined)[];
  /** Cancel the request. */
  readonly signal?: AbortSignal;
  /**
   * Token-aware routing of a statement that is not prepared: its serialized partition key
   * (one buffer per component of a compound key). Prepared statements compute it themselves.
   */
  readonly routingKey?: Uint8Array | readonly Uint8Array[];
  /** Keyspace of `routingKey`'s table. Default `keyspace`, then the client's keyspace. */
  readonly routingKeyspace?: string;
}

/** Options of {@link Client.stream}. */
export interface StreamOptions extends ExecuteOptions, StreamControl {}

/** A statement of a batch: CQL text or a prepared statement, with its values. */
export interface BatchStatement {
  /** CQL text or a prepared statement. */
  readonly query: string | PreparedStatement;
  /** Positional (or, for prepared, named) values. */
  readonly params?: Params;
  /** CQL types of the positional values of an unprepared statement, when guessing is not enough. */
  readonly hints?: readonly (DataType | null | undefined)[];
}

/** Options of {@link Client.batch}. */
export interface BatchOptions extends Omit<ExecuteOptions, 'fetchSize' | 'pagingState' | 'hints'> {
  /** `'logged'` (default), `'unlogged'` or `'counter'`. */
  readonly type?: 'logged' | 'unlogged' | 'counter';
}

/** Bound parameters: positional array or an object keyed by marker name. */
export type Params = readonly unknown[] | Readonly<Record<string, unknown>>;

/** Events of one tracing session. */
export interface QueryTrace {
  /** Trace session id. */
  readonly id: string;
  /** Coordinator address. */
  readonly coordinator: string;
  /** Total duration in microseconds. */
  readonly durationMicros: number;
  /** Request kind. */
  readonly request: string;
  /** Start time. */
  readonly startedAt: Date;
  /** Parameters recorded by the server. */
  readonly parameters: Readonly<Record<string, string>>;
  /** Trace events in order. */
  readonly events: readonly { readonly activity: string; readonly source: string; readonly elapsedMicros: number; readonly thread: string }[];
}

const DEFAULT_PROFILE = 'default';
const NO_WARNINGS: readonly string[] = Object.freeze([]);
const NO_COLUMNS: readonly ColumnInfo[] = Object.freeze([]);

interface ResolvedOptions {
  /** Connection-level options of a request that sets nothing per request. */
  sendOptions: SendOptions;
  consistency: Consistency;
  serialConsistency: Consistency | undefined;
  timeoutMs: number;
  fetchSize: number;
  retryPolicy: RetryPolicy;
  loadBalancingPolicy: LoadBalancingPolicy;
  speculativeExecutionPolicy: SpeculativeExecutionPolicy;
}

let nextRequestId = 1;

/** A response with the attempts that led to it: one fixed shape on the hot path. */
class AttemptedResponse {
  readonly message: ConnectionResponse['message'];
  readonly host: string;
  readonly tracingId: string | undefined;
  readonly warnings: readonly string[] | undefined;
  readonly customPayload: ConnectionResponse['customPayload'];
  constructor(
    response: ConnectionResponse,
    readonly attempts: ExecutionInfo['attempts'],
    readonly version: 4 | 5,
  ) {
    this.message = response.message;
    this.host = response.host;
    this.tracingId = response.tracingId;
    this.warnings = response.warnings;
    this.customPayload = response.customPayload;
  }
}

/**
 * A client of one Cassandra cluster: connection pools per host, prepared statement cache,
 * retries, paging and metrics. Create with {@link Client.connect}; close with `close()` or
 * `await using`.
 */
export class Client {
  /** Counters and latency of the whole client. */
  private readonly sessionMetrics = new RequestMetrics();
  private readonly hostMap = new Map<string, HostPool>();
  /** `hostMap`'s values, rebuilt lazily after a change. */
  private hostList: HostPool[] | undefined;
  /** Schema and token map, kept current by the control connection. */
  private readonly clusterMetadata = new Metadata();
  private readonly hostPoolOptions: HostPoolOptions;
  private readonly contactHosts: HostPool[] = [];
  private readonly control: ControlConnection | null;
  private readonly prepared: PreparedCache;
  private readonly profiles = new Map<string, ResolvedOptions>();
  private readonly compressor: Compressor | null;
  private readonly offload: OffloadPool | null;
  private currentKeyspace: string | undefined;
  private closed = false;
  private closing: Promise<void> | null = null;

  private constructor(private readonly options: ClientOptions) {
    if (!options.contactPoints || options.contactPoints.length === 0) {
      throw new InvalidArgumentError('contactPoints must name at least one host');
    }
    this.currentKeyspace = options.keyspace;
    this.prepared = new PreparedCache(options.preparedCacheSize ?? 1000);
    this.compressor = options.compression === 'lz4' ? (loadLz4Napi() ?? lz4Compressor) : null;
    // No workers unless asked for: inline is faster on a busy machine (bench/offload/README.md).
    const workers = options.offload?.workers ?? 0;
    if (!(Number.isInteger(workers) && workers >= 0 && workers <= 64)) throw new InvalidArgumentError(`offload.workers must be an integer in 0..64, got ${workers}`);
    const minBytes = options.offload?.minBytes;
    if (minBytes !== undefined && !(Number.isFinite(minBytes) && minBytes >= 0)) throw new InvalidArgumentError(`offload.minBytes must be a number >= 0, got ${minBytes}`);
    this.offload = workers > 0 ? new OffloadPool({ workers, minBytes }) : null;
    const base: ResolvedOptions = {
      sendOptions: { timeoutMs: options.requestTimeoutMs ?? 12_000 },
      consistency: toConsistency(options.consistency ?? 'LOCAL_ONE'),
      serialConsistency: undefined,
      timeoutMs: options.requestTimeoutMs ?? 12_000,
      fetchSize: options.fetchSize ?? 5000,
      retryPolicy: options.retryPolicy ?? new DefaultRetryPolicy(),
      loadBalancingPolicy: options.loadBalancingPolicy ?? new DefaultLoadBalancingPolicy({ localDataCenter: options.localDataCenter }),
      speculativeExecutionPolicy: options.speculativeExecutionPolicy ?? new NoSpeculativeExecutionPolicy(),
    };
    this.profiles.set(DEFAULT_PROFILE, mergeProfile(base, options.profiles?.[DEFAULT_PROFILE]));
    for (const [name, p] of Object.entries(options.profiles ?? {})) {
      if (name !== DEFAULT_PROFILE) this.profiles.set(name, mergeProfile(this.profiles.get(DEFAULT_PROFILE)!, p));
    }
    const reconnectionPolicy = options.reconnectionPolicy ?? new ExponentialReconnectionPolicy();
    const authProvider = options.authProvider ?? (options.credentials ? new PlainTextAuthProvider(options.credentials.username, options.credentials.password) : undefined);
    this.hostPoolOptions = {
      connectionsPerHost: options.connectionsPerHost ?? 1,
      reconnectionPolicy,
      keyspace: () => this.currentKeyspace,
      onConnectionClose: (_host, conn) => this.control?.onConnectionClosed(conn),
      connection: {
        protocolVersion: options.protocolVersion,
        tls: options.tls,
        authProvider,
        compressor: this.compressor,
        connectTimeoutMs: options.connectTimeoutMs,
        requestTimeoutMs: options.requestTimeoutMs,
        heartbeatIntervalMs: options.heartbeatIntervalMs,
        maxInFlight: options.maxRequestsPerConnection,
        maxQueued: options.maxQueuedPerConnection,
        maxFrameSize: options.maxFrameSize,
        offload: this.offload,
        socketFactory: options.socketFactory,
        onEvent: (event) => this.control?.onEvent(event),
      },
    };
    for (const cp of options.contactPoints) {
      const { address, port } = splitHostPort(cp, options.port ?? 9042);
      if (this.hostMap.has(`${address}:${port}`)) continue;
      const host = new HostPool(address, port, this.hostPoolOptions);
      this.hostMap.set(host.id, host);
      this.hostList = undefined;
      this.contactHosts.push(host);
    }
    this.control =
      options.controlConnection === false
        ? null
        : new ControlConnection({
            hosts: () => [...this.hostMap.values()],
            getHost: (id) => this.hostMap.get(id),
            addHost: (address, port, init) => this.addHost(address, port, init),
            removeHost: (host) => this.removeHost(host),
            reconnectionPolicy,
            translator: options.addressTranslator ?? new IdentityAddressTranslator(),
            metadata: this.clusterMetadata,
            defaultPort: options.port ?? 9042,
            timeoutMs: options.requestTimeoutMs ?? 12_000,
            schemaAgreementWaitMs: options.maxSchemaAgreementWaitMs ?? 10_000,
          });
    const registry = {
      // One array per change of the host set, not one per query plan.
      all: () => (this.hostList ??= [...this.hostMap.values()]),
      replicas: (keyspace: string, routingKey: Buffer) => this.clusterMetadata.replicas(keyspace, routingKey),
      localDataCenter: () => this.contactHosts.find((h) => h.datacenter !== undefined)?.datacenter,
    };
    for (const p of new Set([...this.profiles.values()].map((r) => r.loadBalancingPolicy))) p.init?.(registry);
  }

  /**
   * Connect to the cluster: opens the pools of the contact points. Resolves once at least one
   * host is ready; rejects with NoHostAvailableError (each host's cause inside) otherwise.
   */
  static async connect(options: ClientOptions): Promise<Client> {
    const client = new Client(options);
    const errors = new Map<string, Error>();
    const results = await Promise.allSettled(
      [...client.hostMap.values()].map(async (h) => {
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
    if (client.control) await client.control.init(client.contactHosts.filter((h) => h.isUp));
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

  private addHost(address: string, port: number, init: (host: HostPool) => void): HostPool {
    const id = `${address}:${port}`;
    let host = this.hostMap.get(id);
    if (host) return host;
    host = new HostPool(address, port, this.hostPoolOptions);
    init(host);
    this.hostMap.set(id, host);
    this.hostList = undefined;
    // Open its pool in the background (a node that is down gets marked down, and retried),
    // unless the default policy never uses it (another data center, not allowed).
    if (!this.closed && this.profiles.get(DEFAULT_PROFILE)!.loadBalancingPolicy.distance?.(host) !== 'ignored') void host.warmUp().catch(() => undefined);
    return host;
  }

  private removeHost(host: HostPool): void {
    if (this.contactHosts.includes(host) && this.hostMap.size <= 1) return;
    this.hostMap.delete(host.id);
    this.hostList = undefined;
    void host.close().catch(() => undefined);
  }

  /** The keyspace requests run in by default. */
  get keyspace(): string | undefined {
    return this.currentKeyspace;
  }

  /** The hosts the client knows. */
  get hosts(): readonly HostPool[] {
    return [...this.hostMap.values()];
  }

  /** Negotiated protocol version (of the first open connection), or undefined before connect. */
  get protocolVersion(): 4 | 5 | undefined {
    for (const h of this.hostMap.values()) {
      const c = h.borrow();
      if (!(c instanceof Promise)) return c.version;
      c.catch(() => undefined);
    }
    return undefined;
  }

  /** Switch every connection to `keyspace`. */
  async useKeyspace(keyspace: string): Promise<void> {
    this.ensureOpen();
    try {
      await Promise.all([...this.hostMap.values()].filter((h) => h.isUp).map((h) => h.useKeyspace(keyspace)));
    } catch (err) {
      throw withCallerStack(err);
    }
    this.currentKeyspace = keyspace;
  }

  /**
   * Run one statement and return one page of its result. `params` are positional (array) or
   * named (object). With `prepare: true` (or a PreparedStatement) the statement runs prepared.
   */
  async execute<R = Row>(query: string | PreparedStatement, params?: Params, options: ExecuteOptions = {}): Promise<ResultPage<R>> {
    this.ensureOpen();
    try {
      return await this.executePage<R>(query, params, options, options.pagingState);
    } catch (err) {
      throw withCallerStack(err);
    }
  }

  /**
   * Iterate every row of a query lazily (`for await`), fetching pages as the consumer reads:
   * at most one page is buffered ahead (two with offload workers: the next page is asked for
   * while a worker decodes the previous one). `.eachPage()` iterates page by page.
   */
  stream<R = Row>(query: string | PreparedStatement, params?: Params, options: StreamOptions = {}): RowStream<R> {
    const execOptions: ExecuteOptions = options;
    return new RowStream<R>(
      (pagingState, undecoded, onPagingState) => {
        this.ensureOpen();
        const pageOptions: InternalExecuteOptions = onPagingState === undefined ? execOptions : { ...execOptions, onPagingState };
        return this.executePage<R>(query, params, pageOptions, pagingState, undecoded);
      },
      { maxPages: options.maxPages, onPage: options.onPage, signal: options.signal, yieldAfterMs: options.yieldAfterMs },
      options.pagingState,
    );
  }

  /** Prepare a statement (cached per keyspace and text); reuse the result for repeated execution. */
  async prepare(query: string, options: Pick<ExecuteOptions, 'keyspace' | 'host' | 'timeoutMs' | 'signal' | 'customPayload'> = {}): Promise<PreparedStatement> {
    this.ensureOpen();
    const keyspace = options.keyspace ?? this.currentKeyspace;
    const key = PreparedCache.key(keyspace, query);
    let promise = this.prepared.get(key);
    if (!promise) {
      promise = this.prepareOnPlan(query, options);
      this.prepared.set(key, promise);
      promise.catch(() => this.prepared.delete(key));
    }
    try {
      return await promise;
    } catch (err) {
      throw withCallerStack(err);
    }
  }

  /** Run statements as one batch: logged (default), unlogged or counter. */
  async batch(statements: readonly BatchStatement[], options: BatchOptions = {}): Promise<ResultPage<Row>> {
    this.ensureOpen();
    try {
      const resolved = this.resolve(options);
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
      const build = (): Request => ({
        opcode: Opcode.BATCH,
        type,
        statements: entries.map((e) => (e.kind === 'query' ? e : { kind: 'prepared' as const, id: e.ps.id, values: e.values })),
        consistency: resolved.consistency,
        serialConsistency: resolved.serialConsistency,
        timestamp: toMicros(options.timestamp),
        keyspace: options.keyspace,
        nowInSeconds: options.nowInSeconds,
      });
      // Routed by the given routing key, else by the partition of the first prepared statement.
      const firstPrepared = entries.find((e) => e.kind === 'prepared');
      const routing =
        options.routingKey !== undefined
          ? this.explicitRouting(options)
          : firstPrepared?.kind === 'prepared'
            ? this.routingOf(firstPrepared.ps, statements[entries.indexOf(firstPrepared)]!.params, options)
            : undefined;
      const response = await this.run(build, options, resolved, 'batch', `BATCH(${statements.length})`, routing, entries.flatMap((e) => (e.kind === 'prepared' ? [e.ps] : [])));
      return this.toPage<Row>(response, undefined, null, undefined, null);
    } catch (err) {
      throw withCallerStack(err);
    }
  }

  /** Read a tracing session from `system_traces` (waits briefly until the server has written it). */
  async getTrace(traceId: string, options: { readonly attempts?: number; readonly delayMs?: number } = {}): Promise<QueryTrace> {
    const attempts = options.attempts ?? 10;
    for (let i = 0; i < attempts; i++) {
      const session = (
        await this.execute(
          'SELECT coordinator, duration, request, started_at, parameters FROM system_traces.sessions WHERE session_id = ?',
          [traceId],
          { hints: [{ kind: 'uuid' }], consistency: 'ONE' },
        )
      ).one();
      if (session && session['duration'] !== null && session['duration'] !== undefined) {
        const events = await this.execute(
          'SELECT activity, source, source_elapsed, thread FROM system_traces.events WHERE session_id = ?',
          [traceId],
          { hints: [{ kind: 'uuid' }], consistency: 'ONE' },
        );
        const params = session['parameters'] as Map<string, string> | null;
        return {
          id: traceId,
          coordinator: String(session['coordinator']),
          durationMicros: Number(session['duration']),
          request: String(session['request']),
          startedAt: session['started_at'] as Date,
          parameters: params ? Object.fromEntries(params) : {},
          events: events.rows.map((e) => ({
            activity: String(e['activity']),
            source: String(e['source']),
            elapsedMicros: Number(e['source_elapsed']),
            thread: String(e['thread']),
          })),
        };
      }
      await new Promise((r) => setTimeout(r, options.delayMs ?? 200));
    }
    throw new UnexpectedResponseError(`trace ${traceId} not complete after ${attempts} attempts`);
  }

  /** Snapshot of the client's and each host's counters and latency percentiles. */
  metrics(): MetricsSnapshot {
    const hosts: Record<string, ReturnType<RequestMetrics['snapshot']> & { inFlight: number; connections: number }> = {};
    let opened = 0;
    let closed = 0;
    for (const h of this.hostMap.values()) {
      hosts[h.id] = { ...h.metrics.snapshot(), inFlight: h.inFlight, connections: h.connectionCount };
      opened += h.metrics.connectionsOpened;
      closed += h.metrics.connectionsClosed;
    }
    // Connections are counted per host; the session totals are their sums.
    return { session: { ...this.sessionMetrics.snapshot(), connectionsOpened: opened, connectionsClosed: closed }, hosts };
  }

  /** Stop taking requests, wait for those in flight, close every connection. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.control?.close();
    this.closing = Promise.all([...this.hostMap.values()].map((h) => h.close())).then(() => this.offload?.close());
    return this.closing;
  }

  /** Close at once: requests in flight are rejected with ConnectionClosedError. */
  destroy(error?: Error): void {
    this.closed = true;
    this.control?.close();
    for (const h of this.hostMap.values()) h.destroy(error);
    void this.offload?.destroy();
    this.closing ??= Promise.resolve();
  }

  /** `close()`, for `await using client = await Client.connect(...)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ------------------------------------------------------------------ internals

  private ensureOpen(): void {
    if (this.closed) throw new ClientClosedError();
  }

  private resolve(options: ExecuteOptions): ResolvedOptions {
    let base: ResolvedOptions;
    if (options.profile === undefined) base = this.profiles.get(DEFAULT_PROFILE)!;
    else if (typeof options.profile === 'string') {
      const p = this.profiles.get(options.profile);
      if (!p) throw new InvalidArgumentError(`unknown execution profile "${options.profile}"`);
      base = p;
    } else base = mergeProfile(this.profiles.get(DEFAULT_PROFILE)!, options.profile);
    if (options.consistency === undefined && options.serialConsistency === undefined && options.timeoutMs === undefined && options.fetchSize === undefined) return base;
    const timeoutMs = options.timeoutMs ?? base.timeoutMs;
    return {
      ...base,
      sendOptions: timeoutMs === base.timeoutMs ? base.sendOptions : { timeoutMs },
      consistency: options.consistency !== undefined ? toConsistency(options.consistency) : base.consistency,
      serialConsistency: options.serialConsistency !== undefined ? toConsistency(options.serialConsistency) : base.serialConsistency,
      timeoutMs,
      fetchSize: options.fetchSize ?? base.fetchSize,
    };
  }

  /** @param undecoded leave the rows undecoded until read (row iteration of a stream). */
  private async executePage<R>(
    query: string | PreparedStatement,
    params: Params | undefined,
    options: ExecuteOptions,
    pagingState: Buffer | undefined,
    undecoded = false,
  ): Promise<ResultPage<R>> {
    const resolved = this.resolve(options);
    const ps = typeof query !== 'string' ? query : options.prepare ? await this.prepare(query, options) : undefined;
    // Hot path: one request object per attempt, built from plain fields (no spreads, no closures
    // beyond `build`); the next-page closure is made only when there is a next page.
    const consistency = resolved.consistency;
    const pageSize = resolved.fetchSize > 0 ? resolved.fetchSize : undefined;
    const serialConsistency = resolved.serialConsistency;
    const defaultTimestamp = options.timestamp === undefined ? undefined : toMicros(options.timestamp);
    const keyspace = options.keyspace;
    const nowInSeconds = options.nowInSeconds;
    if (ps !== undefined) {
      const values = bindPrepared(ps, params);
      const build = (version: 4 | 5): Request => {
        const v5 = version === 5;
        const params: QueryParameters = {
          consistency,
          values,
          skipMetadata: v5 && ps.resultMetadataId !== undefined,
          pageSize,
          pagingState,
          serialConsistency,
          defaultTimestamp,
          keyspace,
          nowInSeconds,
        };
        return { opcode: Opcode.EXECUTE, queryId: ps.id, resultMetadataId: v5 ? ps.resultMetadataId : undefined, params };
      };
      const response = await this.run(build, options, resolved, 'execute', ps.query, this.routingOf(ps, params, options), [ps]);
      return this.toPage<R>(response, ps, query, params, options, undecoded);
    }
    const text = query as string;
    const values = encodeSimpleValues(params, options.hints);
    const request: Request = {
      opcode: Opcode.QUERY,
      query: text,
      params: { consistency, values, pageSize, pagingState, serialConsistency, defaultTimestamp, keyspace, nowInSeconds },
    };
    const response = await this.run(() => request, options, resolved, 'query', text, options.routingKey === undefined ? undefined : this.explicitRouting(options));
    return this.toPage<R>(response, undefined, query, params, options, undecoded);
  }

  private toPage<R>(
    response: AttemptedResponse,
    ps: PreparedStatement | undefined,
    query: string | PreparedStatement | null,
    params: Params | undefined,
    options: ExecuteOptions | null,
    undecoded = false,
  ): ResultPage<R> | Promise<ResultPage<R>> {
    const m = response.message;
    if (m.opcode !== Opcode.RESULT) throw new UnexpectedResponseError(`expected RESULT, got opcode ${m.opcode}`);
    const info: ExecutionInfo = {
      coordinator: response.host,
      traceId: response.tracingId,
      warnings: response.warnings ?? NO_WARNINGS,
      customPayload: response.customPayload,
      protocolVersion: response.version,
      attempts: response.attempts,
    };
    const result = m.result;
    if (result.kind === 'setKeyspace') {
      // `USE ks` through execute(): keep every connection on the same keyspace.
      this.currentKeyspace = result.keyspace;
      for (const h of this.hostMap.values()) void h.useKeyspace(result.keyspace).catch(() => undefined);
    }
    if (result.kind !== 'rows') return new ResultPage<R>([], NO_COLUMNS, null, info, null);
    const rows = result as RowsResult;
    let columns = rows.metadata.columns;
    if (ps !== undefined) {
      if (rows.metadata.newMetadataId !== undefined && columns !== undefined) {
        // v5: the table changed since preparation; adopt the new result metadata.
        ps.resultMetadataId = rows.metadata.newMetadataId;
        ps.resultColumns = columns;
      } else if (columns !== undefined && columns !== ps.resultColumns) {
        // Metadata sent in full (v4): when it matches the cached columns, use those, whose
        // compiled row decoder is cached; else adopt the new columns for next time.
        if (sameColumns(columns, ps.resultColumns)) columns = ps.resultColumns;
        else ps.resultColumns = columns;
      }
      columns ??= ps.resultColumns;
    }
    const next = rows.metadata.pagingState ?? null;
    const fetchNext =
      next !== null && query !== null && options !== null ? (state: Buffer): Promise<ResultPage<R>> => this.executePage<R>(query, params, options, state) : null;
    if (undecoded && rows.rowCount > 0) {
      const cols = columns ?? NO_COLUMNS;
      // The column count is checked now (a mismatch fails this request); each row's cells are
      // checked and decoded when the consumer reaches it, and a malformed one fails the
      // iteration there with a ProtocolError.
      const reader = rowReader(rows, cols);
      const pending: PendingRows<R> = {
        count: reader.count,
        next: () => reader.next() as R,
        all: () => decodeResultRows(rows, cols, Infinity) as R[],
        release: () => releaseResultRows(rows, response.customPayload === undefined),
      };
      return ResultPage.undecoded<R>(pending, cols, next, info, fetchNext);
    }
    const decoded = decodeResultRows(rows, columns ?? NO_COLUMNS);
    // A page decoded by an offload worker is built in slices that yield to the event loop.
    if (!Array.isArray(decoded)) return decoded.then((d) => new ResultPage<R>(d as R[], columns ?? NO_COLUMNS, next, info, fetchNext));
    return new ResultPage<R>(decoded as R[], columns ?? NO_COLUMNS, next, info, fetchNext);
  }

  private async prepareOnPlan(query: string, options: Pick<ExecuteOptions, 'keyspace' | 'host' | 'timeoutMs' | 'signal' | 'customPayload'>): Promise<PreparedStatement> {
    const resolved = this.resolve(options);
    const response = await this.run(() => ({ opcode: Opcode.PREPARE, query, keyspace: options.keyspace }), { ...options, idempotent: true }, resolved, 'prepare', query);
    const m = response.message;
    if (m.opcode !== Opcode.RESULT || m.result.kind !== 'prepared') throw new UnexpectedResponseError('PREPARE did not return a Prepared result');
    const r = m.result;
    return new PreparedStatement({
      id: r.id,
      query,
      keyspace: options.keyspace ?? this.currentKeyspace,
      variables: r.metadata.columns,
      pkIndexes: r.metadata.pkIndexes,
      resultMetadataId: r.resultMetadataId,
      resultMetadata: r.resultMetadata,
    });
  }

  /** Re-prepare statements on one host after UNPREPARED. */
  private async reprepare(host: HostPool, statements: readonly PreparedStatement[], timeoutMs: number): Promise<void> {
    const conn = await host.borrow();
    // A batch may hold the same statement several times: prepare it once.
    for (const ps of new Set(statements)) {
      const r = await conn.send({ opcode: Opcode.PREPARE, query: ps.query, keyspace: conn.version === 5 ? ps.keyspace : undefined }, { timeoutMs });
      if (r.message.opcode === Opcode.RESULT && r.message.result.kind === 'prepared') {
        // The table may have changed since the first PREPARE: adopt the current result metadata.
        const prepared = r.message.result;
        ps.resultMetadataId = prepared.resultMetadataId ?? ps.resultMetadataId;
        if (prepared.resultMetadata.columns !== undefined) ps.resultColumns = prepared.resultMetadata.columns;
      }
    }
  }

  /**
   * Run a request along the query plan: retries per the retry policy, re-prepare on
   * UNPREPARED, metrics and diagnostics. `build` gets the connection's protocol version.
   */
  private run(
    build: (version: 4 | 5) => Request,
    options: ExecuteOptions,
    resolved: ResolvedOptions,
    kind: 'query' | 'execute' | 'batch' | 'prepare',
    queryText: string,
    routing?: RoutingInfo,
    preparedStatements: readonly PreparedStatement[] = [],
  ): Promise<AttemptedResponse> {
    const plan = this.queryPlan(options, resolved, routing);
    const spec = resolved.speculativeExecutionPolicy;
    if (options.idempotent !== true || options.host !== undefined || spec.nextDelayMs(1) < 0) {
      return this.runOnPlan(plan, undefined, build, options, resolved, kind, queryText, preparedStatements);
    }
    // Speculative executions (idempotent requests only): after each delay of the policy another
    // execution starts on the next host of the same plan; the first success wins, and the request
    // fails only when every execution failed (with the last one's error).
    const race = { settled: false };
    return new Promise<AttemptedResponse>((resolve, reject) => {
      let running = 0;
      let started = 0;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const start = (): void => {
        running++;
        this.runOnPlan(plan, race, build, options, resolved, kind, queryText, preparedStatements).then(
          (response) => {
            running--;
            if (race.settled) return;
            race.settled = true;
            if (timer !== undefined) clearTimeout(timer);
            resolve(response);
          },
          (err: unknown) => {
            running--;
            if (race.settled || running > 0) return;
            race.settled = true;
            if (timer !== undefined) clearTimeout(timer);
            reject(err);
          },
        );
      };
      const schedule = (): void => {
        const delay = spec.nextDelayMs(++started);
        timer = undefined;
        if (delay < 0) return;
        timer = setTimeout(() => {
          timer = undefined;
          if (race.settled) return;
          this.sessionMetrics.speculativeExecutions++;
          start();
          schedule();
        }, delay);
      };
      start();
      schedule();
    });
  }

  /** One execution of a request along `plan` (shared with its speculative executions, if any). */
  private async runOnPlan(
    plan: Iterator<HostPool>,
    race: { settled: boolean } | undefined,
    build: (version: 4 | 5) => Request,
    options: ExecuteOptions,
    resolved: ResolvedOptions,
    kind: 'query' | 'execute' | 'batch' | 'prepare',
    queryText: string,
    preparedStatements: readonly PreparedStatement[],
  ): Promise<AttemptedResponse> {
    const requestId = nextRequestId++;
    const started = performance.now();
    // Made on the first failure; a first-attempt success shares its host's frozen one-entry list.
    let attempts: { host: string; error?: Error }[] | undefined;
    // Made on the first failure: the common path allocates no map.
    let errors: Map<string, Error> | undefined;
    // The common case (no signal, tracing or payload) shares one options object per profile.
    const onPagingState = (options as InternalExecuteOptions).onPagingState;
    const sendOptions: SendOptions =
      options.signal === undefined && options.trace === undefined && options.customPayload === undefined && options.executeAs === undefined && onPagingState === undefined
        ? resolved.sendOptions
        : {
            timeoutMs: resolved.timeoutMs,
            signal: options.signal,
            tracing: options.trace,
            customPayload: withExecuteAs(options.customPayload, options.executeAs),
            onPagingState,
          };
    let retryCount = 0;
    let lastHost = '';
    let host: HostPool | undefined = plan.next().value as HostPool | undefined;
    let repreparedOn: HostPool | undefined;
    // Hosts that could not take the request (no connection, queue full) vs the last error of a
    // request a host did run: when the plan runs out after retries on hosts that all answered,
    // the caller gets that server/timeout error itself, not a NoHostAvailableError around it.
    // Every queue full: the QueueFullError itself (back-pressure the caller can act on).
    let unreachable = 0;
    let queueFull = 0;
    let lastAttemptError: Error | undefined;
    while (host !== undefined) {
      lastHost = host.id;
      let conn;
      try {
        const b = host.borrow();
        conn = b instanceof Promise ? await b : b;
      } catch (err) {
        const e = asError(err);
        (errors ??= new Map()).set(host.id, e);
        (attempts ??= []).push({ host: host.id, error: e });
        unreachable++;
        host = plan.next().value as HostPool | undefined;
        continue;
      }
      if (channels.requestStart.hasSubscribers) channels.requestStart.publish({ requestId, kind, query: queryText, host: host.id });
      const t0 = performance.now();
      try {
        const request = build(conn.version);
        const response = await conn.send(request, sendOptions);
        const micros = (performance.now() - t0) * 1000;
        host.metrics.recordSuccess(micros);
        // A speculative execution that lost the race is not counted a second time.
        if (race === undefined || !race.settled) this.sessionMetrics.recordSuccess((performance.now() - started) * 1000);
        const tried = attempts === undefined ? host.firstAttemptOk : (attempts.push({ host: host.id }), attempts);
        if (response.warnings && response.warnings.length > 0 && channels.warning.hasSubscribers) {
          channels.warning.publish({ query: queryText, host: host.id, warnings: response.warnings });
        }
        if (channels.requestEnd.hasSubscribers) channels.requestEnd.publish({ requestId, host: host.id, durationMs: performance.now() - started });
        const m = response.message;
        // DDL: resolve once every node has the new schema and the metadata shows it.
        if (this.control && m.opcode === Opcode.RESULT && m.result.kind === 'schemaChange') await this.control.afterSchemaChange(m.result);
        return new AttemptedResponse(response, tried, conn.version);
      } catch (err) {
        const e = asError(err);
        (attempts ??= []).push({ host: host.id, error: e });
        host.metrics.recordError(CqlwireError.is(e) ? e.code : 'ERR_UNKNOWN');
        if (e instanceof AbortedError || (CqlwireError.is(e) && e.code.startsWith('ERR_PROTOCOL'))) {
          this.failUnlessSettled(race, requestId, host.id, e, started);
          throw e;
        }
        if (e instanceof UnpreparedError && preparedStatements.length > 0 && repreparedOn !== host) {
          repreparedOn = host;
          try {
            await this.reprepare(host, preparedStatements, resolved.timeoutMs);
            continue; // same host, not counted as a retry
          } catch (prepErr) {
            (errors ??= new Map()).set(host.id, asError(prepErr));
            unreachable++;
            host = plan.next().value as HostPool | undefined;
            continue;
          }
        }
        if (e instanceof QueueFullError) {
          queueFull++;
          (errors ??= new Map()).set(host.id, e);
          host = plan.next().value as HostPool | undefined;
          continue;
        }
        const decision = resolved.retryPolicy.onError({ error: e, idempotent: options.idempotent === true || kind === 'prepare', retryCount, consistency: resolved.consistency });
        if (decision.action === 'rethrow') {
          this.failUnlessSettled(race, requestId, host.id, e, started);
          throw e;
        }
        if (decision.action === 'ignore') {
          this.failUnlessSettled(race, requestId, host.id, e, started);
          throw e;
        }
        retryCount++;
        this.sessionMetrics.retries++;
        host.metrics.retries++;
        (errors ??= new Map()).set(host.id, e);
        lastAttemptError = e;
        if (!decision.sameHost || options.host !== undefined) {
          if (options.host !== undefined && !decision.sameHost) {
            this.failUnlessSettled(race, requestId, host.id, e, started);
            throw e;
          }
          if (!decision.sameHost) host = plan.next().value as HostPool | undefined;
        }
      }
    }
    errors ??= new Map();
    let error: Error;
    if (queueFull > 0 && queueFull === errors.size) error = [...errors.values()].pop()!;
    else if (unreachable === 0 && queueFull === 0 && lastAttemptError !== undefined) error = lastAttemptError;
    else {
      if (errors.size === 0 && options.host === undefined) {
        // The plan was empty (every host down): say why each one is down rather than "none to try".
        for (const h of this.hostMap.values()) if (!h.isUp && h.lastFailure !== undefined) errors.set(h.id, h.lastFailure);
      }
      error = new NoHostAvailableError(errors);
    }
    this.failUnlessSettled(race, requestId, lastHost, error, started);
    throw error;
  }

  private failUnlessSettled(race: { settled: boolean } | undefined, requestId: number, host: string, error: Error, started: number): void {
    if (race === undefined || !race.settled) this.fail(requestId, host, error, started);
  }

  private fail(requestId: number, host: string, error: Error, started: number): void {
    this.sessionMetrics.recordError(CqlwireError.is(error) ? error.code : 'ERR_UNKNOWN');
    if (channels.requestError.hasSubscribers) channels.requestError.publish({ requestId, host, error, durationMs: performance.now() - started });
  }

  /** Routing from `options.routingKey` (statements that are not prepared). */
  private explicitRouting(options: ExecuteOptions): RoutingInfo | undefined {
    const key = options.routingKey;
    const keyspace = options.routingKeyspace ?? options.keyspace ?? this.currentKeyspace;
    if (key === undefined || keyspace === undefined) return undefined;
    return { keyspace, routingKey: key instanceof Uint8Array ? compositeKey([key]) : compositeKey(key) };
  }

  /** Keyspace and routing key of a prepared statement's partition (token-aware routing). */
  private routingOf(ps: PreparedStatement, params: Params | undefined, options: ExecuteOptions): RoutingInfo | undefined {
    const pk = ps.pkIndexes;
    // One known host: every plan is that host, so hashing the key would buy nothing.
    if (pk.length === 0 || params === undefined || this.hostMap.size < 2 || this.clusterMetadata.tokenMap === undefined) return undefined;
    const keyspace = ps.tableKeyspace ?? options.keyspace ?? this.currentKeyspace;
    if (keyspace === undefined) return undefined;
    const named = !Array.isArray(params);
    const parts: Uint8Array[] = [];
    for (const i of pk) {
      const v = named ? (params as Readonly<Record<string, unknown>>)[ps.variables[i]!.name] : (params as readonly unknown[])[i];
      if (v === null || v === undefined || v === UNSET) return undefined;
      try {
        const bytes = encodeValue(ps.variables[i]!.type, v);
        if (bytes === null || bytes === UNSET) return undefined;
        parts.push(bytes);
      } catch {
        return undefined; // the bind step reports the bad value
      }
    }
    return { keyspace, routingKey: compositeKey(parts) };
  }

  private queryPlan(options: ExecuteOptions, resolved: ResolvedOptions, routing?: RoutingInfo): Iterator<HostPool> {
    if (options.host !== undefined) {
      const id = options.host.includes(':') && !options.host.includes('::') ? options.host : `${options.host}:${this.options.port ?? 9042}`;
      const host = this.hostMap.get(id) ?? this.hostMap.get(options.host);
      if (!host) throw new InvalidArgumentError(`unknown host "${options.host}"`);
      return [host][Symbol.iterator]();
    }
    const plan = resolved.loadBalancingPolicy.newQueryPlan(routing ?? { keyspace: options.keyspace ?? this.currentKeyspace });
    return plan[Symbol.iterator]() as Iterator<HostPool>;
  }
}

// ------------------------------------------------------------------ helpers

function sameColumns(a: readonly ColumnInfo[], b: readonly ColumnInfo[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name || x.table !== y.table || x.keyspace !== y.keyspace || !sameDataType(x.type, y.type)) return false;
  }
  return true;
}

function mergeProfile(base: ResolvedOptions, p: ExecutionProfile | undefined): ResolvedOptions {
  if (!p) return base;
  const timeoutMs = p.timeoutMs ?? base.timeoutMs;
  return {
    sendOptions: timeoutMs === base.timeoutMs ? base.sendOptions : { timeoutMs },
    consistency: p.consistency !== undefined ? toConsistency(p.consistency) : base.consistency,
    serialConsistency: p.serialConsistency !== undefined ? toConsistency(p.serialConsistency) : base.serialConsistency,
    timeoutMs: p.timeoutMs ?? base.timeoutMs,
    fetchSize: p.fetchSize ?? base.fetchSize,
    retryPolicy: p.retryPolicy ?? base.retryPolicy,
    loadBalancingPolicy: p.loadBalancingPolicy ?? base.loadBalancingPolicy,
    speculativeExecutionPolicy: p.speculativeExecutionPolicy ?? base.speculativeExecutionPolicy,
  };
}

/** Numeric consistency from a name or number. */
export function toConsistency(c: ConsistencyLevel): Consistency {
  if (typeof c === 'number') return c;
  const v = (Consistency as Record<string, Consistency>)[c];
  if (v === undefined) throw new InvalidArgumentError(`unknown consistency level "${String(c)}"`);
  return v;
}

function toMicros(t: bigint | Date | undefined): bigint | undefined {
  if (t === undefined) return undefined;
  return t instanceof Date ? BigInt(t.getTime()) * 1000n : t;
}

function splitHostPort(cp: string, defaultPort: number): { address: string; port: number } {
  const m = /^\[(.+)\]:(\d+)$/.exec(cp) ?? /^([^:]+):(\d+)$/.exec(cp);
  if (m) return { address: m[1]!, port: Number(m[2]) };
  return { address: cp.replace(/^\[|\]$/g, ''), port: defaultPort };
}

function withExecuteAs(payload: Readonly<Record<string, Uint8Array | null>> | undefined, executeAs: string | undefined): Readonly<Record<string, Uint8Array | null>> | undefined {
  if (executeAs === undefined) return payload;
  // DSE proxy execution: the user to run as, in the custom payload under "ProxyExecute".
  return { ...payload, ProxyExecute: Buffer.from(executeAs, 'utf8') };
}

function encodeSimpleValues(params: Params | undefined, hints: ExecuteOptions['hints']): BoundValues | undefined {
  if (params === undefined) return undefined;
  if (Array.isArray(params)) {
    const list = params as readonly unknown[];
    return list.map((v, i) => {
      if (v === undefined || v === UNSET) return UNSET;
      if (v === null) return null;
      const type = hints?.[i] ?? guessDataType(v);
      if (type === null) throw new InvalidArgumentError(`cannot infer the CQL type of parameter ${i}; pass options.hints or prepare the statement`);
      return encodeValue(type, v);
    });
  }
  const names = Object.keys(params);
  const obj = params as Readonly<Record<string, unknown>>;
  return {
    names,
    values: names.map((n) => {
      const v = obj[n];
      if (v === undefined || v === UNSET) return UNSET;
      if (v === null) return null;
      const type = guessDataType(v);
      if (type === null) throw new InvalidArgumentError(`cannot infer the CQL type of parameter "${n}"; prepare the statement`);
      return encodeValue(type, v);
    }),
  };
}

function bindPrepared(ps: PreparedStatement, params: Params | undefined): EncodedValues {
  const n = ps.variables.length;
  if (params === undefined) {
    if (n !== 0) throw new InvalidArgumentError(`statement has ${n} bind markers but no values were given`);
    return new EncodedValues(ps.encoders, []);
  }
  if (Array.isArray(params)) {
    if (params.length !== n) throw new InvalidArgumentError(`statement has ${n} bind markers but ${params.length} values were given`);
    // Use the caller's array as is unless it holds `undefined` (sent as unset).
    const list = params as readonly unknown[];
    return new EncodedValues(ps.encoders, list.includes(undefined) ? list.map((v) => (v === undefined ? UNSET : v)) : list);
  }
  const obj = params as Readonly<Record<string, unknown>>;
  const values = new Array<unknown>(n).fill(UNSET);
  for (const [name, v] of Object.entries(obj)) {
    const i = ps.markerIndex.get(name) ?? ps.markerIndex.get(name.toLowerCase());
    if (i === undefined) throw new InvalidArgumentError(`statement has no bind marker named "${name}"`);
    values[i] = v === undefined ? UNSET : v;
  }
  return new EncodedValues(ps.encoders, values);
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
