/**
 * cqlwire — a driver for Apache Cassandra: CQL native protocol v4/v5 over node:net, zero
 * runtime dependencies. Start with {@link Client.connect}.
 *
 * The entry names each export; what the driver uses internally (connections, pools, the
 * offload pool, the execution core) is not part of the API.
 * @packageDocumentation
 */
// --- session
export { Client } from './client.js';
export type { Session } from './session/session.js';
export type {
  BatchOptions,
  BatchStatement,
  ClientOptions,
  ConcurrentOptions,
  ConcurrentProgress,
  ConsistencyLevel,
  ExecuteOptions,
  ExecutionProfile,
  Params,
  PrepareOptions,
  ScanCheckpoint,
  ScanOptions,
  ScanSplitState,
  StreamOptions,
} from './session/options.js';
export { PreparedStatement } from './session/prepared.js';
export type { DeclaredTable } from './session/schema-check.js';
export type { QueryTrace, TraceReadOptions } from './session/trace.js';
export { MonotonicTimestampGenerator } from './session/timestamps.js';
export type { MonotonicTimestampGeneratorOptions, TimestampGenerator } from './session/timestamps.js';
// --- bulk
export { ConcurrentExecutionError, ConcurrentRun } from './bulk/concurrent.js';
export type { ConcurrentFailure, ConcurrentResult } from './bulk/concurrent.js';
export type { TableScan } from './bulk/scan.js';
// --- results
export { ResultPage } from './results/page.js';
export type { ColumnInfo, ExecutionInfo, Row } from './results/page.js';
export { RowStream } from './results/row-stream.js';
export type { PageProgress, StreamControl } from './results/row-stream.js';
// --- cluster
export { Metadata } from './cluster/metadata.js';
export type { ColumnMetadata, IndexMetadata, KeyspaceMetadata, TableMetadata, UserTypeMetadata } from './cluster/metadata.js';
export type { ReplicationOptions, RingNode, TokenMap } from './cluster/token-map.js';
export { compositeKey, murmur3Token } from './cluster/murmur3.js';
export { MAX_TOKEN, MIN_TOKEN, TokenRange } from './cluster/token-ranges.js';
// --- policies
export {
  AdaptiveThrottle,
  ConstantReconnectionPolicy,
  ConstantSpeculativeExecutionPolicy,
  DefaultLoadBalancingPolicy,
  DefaultRetryPolicy,
  ExponentialReconnectionPolicy,
  FallthroughRetryPolicy,
  IdentityAddressTranslator,
  NoSpeculativeExecutionPolicy,
} from './policies/index.js';
export type {
  AdaptiveThrottleOptions,
  AddressTranslator,
  Host,
  HostRegistry,
  LoadBalancingPolicy,
  ReconnectionPolicy,
  RequestThrottle,
  RetryContext,
  RetryDecision,
  RetryPolicy,
  RoutingInfo,
  SpeculativeExecutionPolicy,
  ThrottleSnapshot,
} from './policies/index.js';
// --- connection
export { DRIVER_NAME, DRIVER_VERSION } from './connection/handshake.js';
export { PlainTextAuthProvider } from './connection/auth.js';
export type { AuthProvider, Authenticator } from './connection/auth.js';
export type { OffloadOptions } from './offload/pool.js';
// --- errors
export {
  AbortedError,
  AuthError,
  ClientClosedError,
  ConnectError,
  ConnectionClosedError,
  CqlwireError,
  DriverError,
  DriverErrorCode,
  InvalidArgumentError,
  NoHostAvailableError,
  QueueFullError,
  RequestTimeoutError,
  SchemaMismatchError,
  UnexpectedResponseError,
  WorkerFailedError,
} from './errors/driver-errors.js';
export {
  AlreadyExistsError,
  AuthenticationError,
  CasWriteUnknownError,
  CdcWriteFailureError,
  ConfigurationError,
  CqlSyntaxError,
  FunctionFailureError,
  InvalidQueryError,
  IsBootstrappingError,
  OverloadedError,
  ReadFailureError,
  ReadTimeoutError,
  ServerError,
  ServerErrorCode,
  ServerInternalError,
  ServerProtocolError,
  TruncateError,
  UnauthorizedError,
  UnavailableError,
  UnpreparedError,
  WriteFailureError,
  WriteTimeoutError,
} from './errors/server-errors.js';
// --- observability
export { channelNames, tracingChannelNames } from './observability/diagnostics.js';
export type {
  AttemptContext,
  AttemptDecision,
  ConnectionMessage,
  HostStatusMessage,
  OperationContext,
  OperationKind,
  RequestEndMessage,
  RequestErrorMessage,
  RequestStartMessage,
  WarningMessage,
} from './observability/diagnostics.js';
export type { HostMetricsSnapshot, LatencySnapshot, MetricsSnapshot, RequestMetricsSnapshot } from './observability/metrics.js';
export { LATENCY_BUCKETS_MS } from './observability/metrics.js';
export { prometheusText } from './observability/prometheus.js';
export { normalizeCql, slowQueryChannelName, SlowQueryReporter, StatementStatistics } from './observability/statements.js';
export type { SlowQueryOptions, SlowQueryReport, StatementStatisticsOptions, StatementStats } from './observability/statements.js';
export type { PrometheusInput, PrometheusOptions } from './observability/prometheus.js';
export { logChannelName } from './observability/log.js';
export type { LogLevel, LogRecord, Logger } from './observability/log.js';
// --- values
export { BigDecimal, Consistency, Duration, LocalDate, LocalTime, UNSET } from '../protocol/index.js';
export type { DataType, Unset } from '../protocol/index.js';
