/**
 * cqlwire — a driver for Apache Cassandra: CQL native protocol v4/v5 over node:net, zero
 * runtime dependencies. Start with {@link Client.connect}.
 * @packageDocumentation
 */
export { Client } from './client.js';
export type { BatchOptions, BatchStatement, ClientOptions, ConsistencyLevel, ExecuteOptions, ExecutionProfile, Params, QueryTrace, StreamOptions } from './client.js';
export { toConsistency } from './client.js';
export { ResultPage } from './result.js';
export type { ColumnInfo, ExecutionInfo, Row } from './result.js';
export { RowStream } from './stream.js';
export type { PageProgress, StreamControl } from './stream.js';
export { PreparedStatement } from './prepared.js';
export { Connection, DRIVER_NAME, DRIVER_VERSION } from './connection.js';
export type { ConnectionOptions, SendOptions, ConnectionResponse } from './connection.js';
export { Host } from './host.js';
export { OffloadPool, DEFAULT_OFFLOAD_MIN_BYTES } from './offload/pool.js';
export type { OffloadOptions, OffloadPoolOptions, OffloadJobInfo } from './offload/pool.js';
export type { OffloadFault } from './offload/messages.js';
export { Metadata } from './metadata.js';
export type { ColumnMetadata, IndexMetadata, KeyspaceMetadata, TableMetadata, UserTypeMetadata } from './metadata.js';
export { TokenMap } from './token-map.js';
export type { ReplicationOptions, RingNode } from './token-map.js';
export { murmur3Token, compositeKey } from './murmur3.js';
export { PlainTextAuthProvider } from './auth.js';
export type { AuthProvider, Authenticator } from './auth.js';
export * from './errors.js';
export * from './server-errors.js';
export * from './policies.js';
export { channels, channelNames } from './diagnostics.js';
export type { ConnectionMessage, HostStatusMessage, RequestEndMessage, RequestErrorMessage, RequestStartMessage, WarningMessage } from './diagnostics.js';
export { LatencyHistogram, RequestMetrics } from './metrics.js';
export type { LatencySnapshot, MetricsSnapshot, RequestMetricsSnapshot } from './metrics.js';
export { Consistency, UNSET, LocalDate, LocalTime, BigDecimal, Duration } from '../protocol/index.js';
export type { DataType, Unset } from '../protocol/index.js';
