// The part of cassandra-driver 4.x the bench uses, typed here so the repository type-checks
// without bench/node_modules (the competitor is installed only for benchmark runs).

/** Options of `new cassandra.Client(...)` the bench sets. */
export interface CassandraDriverClientOptions {
  contactPoints: string[];
  localDataCenter: string;
  isMetadataSyncEnabled?: boolean;
  protocolOptions?: { port?: number; maxVersion?: number };
  socketOptions?: { readTimeout?: number };
  pooling?: { heartBeatInterval?: number; maxRequestsPerConnection?: number };
}

/** The client methods the bench calls. */
export interface CassandraDriverClient {
  connect(): Promise<void>;
  execute(query: string, params: unknown[], options: { prepare: boolean }): Promise<unknown>;
  /** A Readable of rows at runtime. */
  stream(query: string, params: unknown[], options: { prepare: boolean; fetchSize: number; autoPage: boolean }): unknown;
  shutdown(): Promise<void>;
}

/** `require('cassandra-driver')`. */
export interface CassandraDriverModule {
  Client: new (options: CassandraDriverClientOptions) => CassandraDriverClient;
}
