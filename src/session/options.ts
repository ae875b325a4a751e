import type * as tls from 'node:tls';
import { Consistency, type DataType, type DecodeOptions } from '../../protocol/index.js';
import type { AuthProvider } from '../connection/auth.js';
import type { ConnectionOptions, SendOptions } from '../connection/connection.js';
import { InvalidArgumentError } from '../errors/driver-errors.js';
import type { Logger } from '../observability/log.js';
import type { OffloadOptions } from '../offload/pool.js';
import {
  DefaultLoadBalancingPolicy,
  DefaultRetryPolicy,
  NoSpeculativeExecutionPolicy,
  type AdaptiveThrottleOptions,
  type AddressTranslator,
  type LoadBalancingPolicy,
  type ReconnectionPolicy,
  type RequestThrottle,
  type RetryPolicy,
  type SpeculativeExecutionPolicy,
} from '../policies/index.js';
import type { StreamControl } from '../results/row-stream.js';
import type { Params, PreparedStatement } from './prepared.js';

export type { Params } from './prepared.js';
import { decodeOptionsOf } from './decode-options.js';
import type { DeclaredTable } from './schema-check.js';
import type { MonotonicTimestampGenerator, TimestampGenerator } from './timestamps.js';

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
  /**
   * Where cqlwire's log records go: `console`, pino or any {@link Logger}. Records are also on
   * the `cqlwire:log` channel; they never hold bound values or credentials. Default none.
   */
  readonly logger?: Logger;
  /** Pin the protocol version; by default v5 then v4. */
  readonly protocolVersion?: 4 | 5;
  /** Connections per host. Default 1. */
  readonly connectionsPerHost?: number;
  /** Requests in flight per connection at most (≤ 32768). */
  readonly maxRequestsPerConnection?: number;
  /**
   * Requests queued per connection at most when all stream ids are busy; past it, requests fail
   * at once with QueueFullError (`ERR_QUEUE_FULL`). Default: sized by memory, a sixteenth of the
   * V8 heap limit at about 4 KB per queued request (65,536 with a 4 GiB heap).
   */
  readonly maxQueuedPerConnection?: number;
  /** Connect timeout in ms. Default 5000. */
  readonly connectTimeoutMs?: number;
  /** Heartbeat interval in ms (0 disables). Default 30000. */
  readonly heartbeatIntervalMs?: number;
  /** Settings of the default profile, and named profiles. */
  readonly profiles?: Readonly<Record<string, ExecutionProfile>>;
  /** Default consistency. Default LOCAL_ONE. */
  readonly consistency?: ConsistencyLevel;
  /** Default per-attempt timeout in ms (0 disables). Default 12000. */
  readonly timeoutMs?: number;
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
  /**
   * What CQL `bigint` and `counter` values read as, in rows and inside lists, sets, maps,
   * tuples, UDTs and vectors: `'bigint'` (default) a JS `bigint`; `'long'` a `Long` of the
   * optional peer dependency `long`, loaded at connect (InvalidArgumentError naming `int64`
   * when it is not installed); or a function that builds the value from its low and high
   * signed 32-bit halves. Works with `offload` too: workers only locate the cells, values are
   * built on the main thread. Writing accepts bigint, safe-integer number and `Long` either way.
   */
  readonly int64?: 'bigint' | 'long' | ((low: number, high: number) => unknown);
  /**
   * What CQL `timestamp` values read as: `'date'` (default) a JS `Date`, which ends at
   * ±8.64e15 ms (year 275760; values beyond read as an Invalid Date); `'bigint'` the exact
   * milliseconds since the epoch as a `bigint`, over the full 64-bit range a timestamp can be
   * written with (a `bigint` of ms is accepted when writing either way).
   */
  readonly timestampAs?: 'date' | 'bigint';
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
  /**
   * Client-side write timestamps: each request that sets no `timestamp` gets one from this
   * generator, once, so its retries and speculative executions carry the same one. Default a
   * {@link MonotonicTimestampGenerator}; `null` leaves stamping to the server (coordinator).
   */
  readonly timestampGenerator?: TimestampGenerator | null;
  /**
   * After a statement is prepared, prepare it in the background on every other up node of the
   * local data center too, so none of them costs an UNPREPARED round trip on first use. Default true.
   */
  readonly prepareOnAllHosts?: boolean;
  /** When a node comes back up, prepare the cached statements on it in the background. Default true. */
  readonly reprepareOnUp?: boolean;
  /**
   * A client-wide bound on requests in flight: callers past it wait in a bounded queue instead
   * of failing. Options make an {@link AdaptiveThrottle} (which backs off on OVERLOADED and
   * timeouts); or pass any {@link RequestThrottle}. Default none.
   */
  readonly throttle?: AdaptiveThrottleOptions | RequestThrottle;
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

/** Options of {@link Client.prepare}. */
export type PrepareOptions = Pick<ExecuteOptions, 'keyspace' | 'host' | 'timeoutMs' | 'signal' | 'customPayload'> & {
  /**
   * Typed statements: the tables (e.g. generated `TableSchema`s) whose column types the
   * statement was written against. Preparation rejects with SchemaMismatchError when the
   * server's bind or result metadata differs, and so does an execution that reports changed
   * result metadata (v5).
   */
  readonly expect?: DeclaredTable | readonly DeclaredTable[];
};

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


/** The settings a request runs with: client defaults, then its profile, then its own options. */
export interface ResolvedOptions {
  /** What the connection needs of a request that sets nothing per request (shared, not copied). */
  readonly sendOptions: SendOptions;
  readonly consistency: Consistency;
  readonly serialConsistency: Consistency | undefined;
  readonly timeoutMs: number;
  readonly fetchSize: number;
  readonly retryPolicy: RetryPolicy;
  readonly loadBalancingPolicy: LoadBalancingPolicy;
  readonly speculativeExecutionPolicy: SpeculativeExecutionPolicy;
  /** How values are read (`int64`, `timestampAs`); client-wide, one object for the client's life. */
  readonly decode: DecodeOptions | undefined;
}

const DEFAULT_PROFILE = 'default';
/** Default of {@link ClientOptions.timeoutMs}. */
export const DEFAULT_TIMEOUT_MS = 12_000;

/**
 * The client's execution profiles, resolved once at connect; {@link Profiles.resolve} is the one
 * step that gives a request its settings.
 */
export class Profiles {
  private readonly byName = new Map<string, ResolvedOptions>();
  /** The default profile's settings. */
  readonly defaults: ResolvedOptions;

  constructor(options: ClientOptions) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const base: ResolvedOptions = {
      sendOptions: { timeoutMs },
      consistency: toConsistency(options.consistency ?? 'LOCAL_ONE'),
      serialConsistency: undefined,
      timeoutMs,
      fetchSize: options.fetchSize ?? 5000,
      retryPolicy: options.retryPolicy ?? new DefaultRetryPolicy(),
      loadBalancingPolicy: options.loadBalancingPolicy ?? new DefaultLoadBalancingPolicy({ localDataCenter: options.localDataCenter }),
      speculativeExecutionPolicy: options.speculativeExecutionPolicy ?? new NoSpeculativeExecutionPolicy(),
      decode: decodeOptionsOf(options.int64, options.timestampAs),
    };
    this.defaults = layer(base, options.profiles?.[DEFAULT_PROFILE]);
    this.byName.set(DEFAULT_PROFILE, this.defaults);
    for (const [name, p] of Object.entries(options.profiles ?? {})) {
      if (name !== DEFAULT_PROFILE) this.byName.set(name, layer(this.defaults, p));
    }
  }

  /** Every load-balancing policy in use (each is initialized once). */
  loadBalancingPolicies(): Set<LoadBalancingPolicy> {
    return new Set([...this.byName.values()].map((r) => r.loadBalancingPolicy));
  }

  /** The settings of one request: its profile (named or inline) under its own options. */
  resolve(options: ExecuteOptions): ResolvedOptions {
    let base: ResolvedOptions;
    if (options.profile === undefined) base = this.defaults;
    else if (typeof options.profile === 'string') {
      const p = this.byName.get(options.profile);
      if (!p) throw new InvalidArgumentError(`unknown execution profile "${options.profile}"`);
      base = p;
    } else base = layer(this.defaults, options.profile);
    return layer(base, options);
  }
}

/** `settings` with what `over` sets laid over it; `settings` itself when `over` sets nothing. */
function layer(settings: ResolvedOptions, over: ExecutionProfile | undefined): ResolvedOptions {
  if (
    over === undefined ||
    (over.consistency === undefined &&
      over.serialConsistency === undefined &&
      over.timeoutMs === undefined &&
      over.fetchSize === undefined &&
      over.retryPolicy === undefined &&
      over.loadBalancingPolicy === undefined &&
      over.speculativeExecutionPolicy === undefined)
  ) {
    return settings;
  }
  const timeoutMs = over.timeoutMs ?? settings.timeoutMs;
  return {
    sendOptions: timeoutMs === settings.timeoutMs ? settings.sendOptions : { timeoutMs },
    consistency: over.consistency !== undefined ? toConsistency(over.consistency) : settings.consistency,
    serialConsistency: over.serialConsistency !== undefined ? toConsistency(over.serialConsistency) : settings.serialConsistency,
    timeoutMs,
    fetchSize: over.fetchSize ?? settings.fetchSize,
    retryPolicy: over.retryPolicy ?? settings.retryPolicy,
    loadBalancingPolicy: over.loadBalancingPolicy ?? settings.loadBalancingPolicy,
    speculativeExecutionPolicy: over.speculativeExecutionPolicy ?? settings.speculativeExecutionPolicy,
    decode: settings.decode,
  };
}

/** Numeric consistency from a name or number. */
export function toConsistency(c: ConsistencyLevel): Consistency {
  if (typeof c === 'number') return c;
  const v = (Consistency as Record<string, Consistency>)[c];
  if (v === undefined) throw new InvalidArgumentError(`unknown consistency level "${String(c)}"`);
  return v;
}

/** Options of `executeConcurrent`: execute options for every request, plus the bounds of the run. */
export interface ConcurrentOptions extends ExecuteOptions {
  /** Requests in flight at once (default 64). */
  readonly concurrency?: number;
  /** Bound on the estimated bytes of the bound values in flight (default: none). */
  readonly maxBytesInFlight?: number;
  /** Reject at the first failed request (default false: run every input and collect errors). */
  readonly raiseOnFirstError?: boolean;
  /** Most errors kept in the result (default 100; every failure is still counted). */
  readonly maxErrors?: number;
  /** Keep each request's result page, by input position (default false: constant memory). */
  readonly collectResults?: boolean;
  /** Called with the progress every `progressIntervalMs` and once at the end. */
  readonly onProgress?: (progress: ConcurrentProgress) => void;
  /** How often `onProgress` is called (default 1000 ms). */
  readonly progressIntervalMs?: number;
}

/** How far an `executeConcurrent` run is. */
export interface ConcurrentProgress {
  /** Inputs taken from the values so far. */
  readonly started: number;
  /** Requests that succeeded. */
  readonly succeeded: number;
  /** Requests that failed. */
  readonly failed: number;
  /** Requests in flight. */
  readonly inFlight: number;
  /** Milliseconds since the run started. */
  readonly elapsedMs: number;
}

/** Options of `scan`: which rows and columns, how parallel, where to resume. */
export interface ScanOptions extends Pick<ExecuteOptions, 'consistency' | 'timeoutMs' | 'fetchSize' | 'signal' | 'profile' | 'executeAs'>, Pick<StreamControl, 'yieldAfterMs'> {
  /** Columns to read (default every column). */
  readonly columns?: readonly string[];
  /** A condition on non-key columns, appended with AND (e.g. `"status = ?"`). */
  readonly where?: string;
  /** Values of the markers in `where`. */
  readonly whereParams?: readonly unknown[];
  /** Append ALLOW FILTERING (needed by most `where` conditions). */
  readonly allowFiltering?: boolean;
  /** Token-range splits read at once (default 8). */
  readonly parallelism?: number;
  /** Splits per host the ring is cut into (default 8). */
  readonly splitsPerHost?: number;
  /** A checkpoint from `scan.checkpoint()`: continue where it was taken, without duplicates or gaps. */
  readonly resumeFrom?: ScanCheckpoint;
  /** Tries of a page on the split's replicas before the scan fails (default 3 per replica). */
  readonly maxAttemptsPerPage?: number;
}

/**
 * Where a scan is: JSON-serializable, to persist and pass back as `resumeFrom`. Rows delivered
 * before it was taken are not delivered again; every other row is.
 */
export interface ScanCheckpoint {
  /** Format version. */
  readonly version: 1;
  /** The table scanned. */
  readonly keyspace: string;
  /** The table scanned. */
  readonly table: string;
  /** Page size the paging states belong to (a resumed scan keeps it). */
  readonly fetchSize: number;
  /** Every split of the scan and how far it was read. */
  readonly splits: readonly ScanSplitState[];
}

/** One split of a checkpoint. */
export interface ScanSplitState {
  /** The token range, `(start,end]`. */
  readonly range: string;
  /** Whether every row of it was delivered. */
  readonly done: boolean;
  /** Paging state (base64) of the page being read; absent for the first page. */
  readonly pagingState?: string;
  /** Rows of that page already delivered. */
  readonly skip?: number;
}
