/**
 * cqlwire — a driver for Apache Cassandra: CQL native protocol v4/v5 over node:net, zero
 * runtime dependencies. Start with {@link Client.connect}.
 * @packageDocumentation
 */
export { Client } from './session/client.js';
export type { BatchOptions, BatchStatement, ClientOptions, ConsistencyLevel, ExecuteOptions, ExecutionProfile, Params, QueryTrace, StreamOptions } from './session/client.js';
export { toConsistency } from './session/client.js';
export { ResultPage } from './results/page.js';
export type { ColumnInfo, ExecutionInfo, Row } from './results/page.js';
export { RowStream } from './results/row-stream.js';
export type { PageProgress, StreamControl } from './results/row-stream.js';
export { PreparedStatement } from './session/prepared.js';
export { Connection, DRIVER_NAME, DRIVER_VERSION } from './connection/connection.js';
export type { ConnectionOptions, SendOptions, ConnectionResponse } from './connection/connection.js';
export type { Host } from './policies/index.js';
export { OffloadPool, DEFAULT_OFFLOAD_MIN_BYTES } from './offload/pool.js';
export type { OffloadOptions, OffloadPoolOptions, OffloadJobInfo } from './offload/pool.js';
export type { OffloadFault } from './offload/messages.js';
export { Metadata } from './cluster/metadata.js';
export type { ColumnMetadata, IndexMetadata, KeyspaceMetadata, TableMetadata, UserTypeMetadata } from './cluster/metadata.js';
export { TokenMap } from './cluster/token-map.js';
export type { ReplicationOptions, RingNode } from './cluster/token-map.js';
export { murmur3Token, compositeKey } from './cluster/murmur3.js';
export { PlainTextAuthProvider } from './connection/auth.js';
export type { AuthProvider, Authenticator } from './connection/auth.js';
export * from './errors/driver-errors.js';
export * from './errors/server-errors.js';
export * from './policies/index.js';
export { channels, channelNames } from './observability/diagnostics.js';
export type { ConnectionMessage, HostStatusMessage, RequestEndMessage, RequestErrorMessage, RequestStartMessage, WarningMessage } from './observability/diagnostics.js';
export { LatencyHistogram, RequestMetrics } from './observability/metrics.js';
export type { LatencySnapshot, MetricsSnapshot, RequestMetricsSnapshot } from './observability/metrics.js';
export { Consistency, UNSET, LocalDate, LocalTime, BigDecimal, Duration } from '../protocol/index.js';
export type { DataType, Unset } from '../protocol/index.js';
