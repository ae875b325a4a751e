/**
 * A node of the cluster as users and policies see it: identity, place and state, read only.
 * The driver's own host object (with its connection pool) implements it; nothing here lets a
 * caller open, borrow or close connections.
 */
export interface Host {
  /** `address:port` of the node's CQL endpoint. */
  readonly id: string;
  /** Address the client connects to. */
  readonly address: string;
  /** CQL port. */
  readonly port: number;
  /** Data center, once the control connection has read it. */
  readonly datacenter: string | undefined;
  /** Rack, once known. */
  readonly rack: string | undefined;
  /** The node's host id (system.local / system.peers), once known. */
  readonly hostId: string | undefined;
  /** Cassandra version the node reports, once known. */
  readonly releaseVersion: string | undefined;
  /** Tokens the node owns. */
  readonly tokens: readonly string[];
  /** Whether the driver considers the node reachable. */
  readonly isUp: boolean;
}
