import { ProtocolError, ProtocolErrorCode } from '../../protocol/index.js';
import type { Host, ReconnectionPolicy } from '../policies/index.js';
import { Connection, type ConnectionOptions } from '../connection/connection.js';
import { channels } from '../observability/diagnostics.js';
import { log } from '../observability/log.js';
import { ConnectionClosedError, QueueFullError } from '../errors/driver-errors.js';
import { RequestMetrics } from '../observability/metrics.js';

/** A Cassandra node as the client sees it, with its connection pool. */
export class HostPool implements Host {
  /** `address:port`, the key used everywhere (metrics, target host, errors). */
  readonly id: string;
  /** `ExecutionInfo.attempts` of a request that succeeded here at once (shared, frozen). */
  readonly firstAttemptOk: readonly { readonly host: string }[];
  /** Data center, once known. */
  datacenter: string | undefined;
  /** Rack, once known. */
  rack: string | undefined;
  /** The node's host_id, once known. */
  hostId: string | undefined;
  /** Cassandra release version, once known. */
  releaseVersion: string | undefined;
  /** Tokens the node owns (Murmur3), once known. */
  tokens: readonly string[] = [];
  /** Counters and latency for requests sent to this host. */
  readonly metrics = new RequestMetrics();

  private up = true;
  private readonly connections: Connection[] = [];
  private opening: Promise<Connection> | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectSchedule: { next(): number } | null = null;
  private closed = false;
  private lastError: Error | undefined;
  private negotiatedVersion: 4 | 5 | undefined;

  constructor(
    /** IP address. */
    readonly address: string,
    /** CQL port. */
    readonly port: number,
    private readonly pool: HostPoolOptions,
  ) {
    this.id = `${address}:${port}`;
    this.firstAttemptOk = Object.freeze([Object.freeze({ host: this.id })]);
  }

  /** False once the driver saw the node go down; true again when it answers. */
  get isUp(): boolean {
    return this.up;
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.connections.length;
  }

  /** Requests in flight over all connections. */
  get inFlight(): number {
    let n = 0;
    for (const c of this.connections) n += c.inFlight;
    return n;
  }

  /** Requests waiting for a stream id over all connections. */
  get queued(): number {
    let n = 0;
    for (const c of this.connections) n += c.queued;
    return n;
  }

  /**
   * The error a request sent here now would fail with, when the pool is at its size and every
   * connection is saturated (all stream ids taken, the wait queue at its bound); else undefined.
   */
  saturation(): QueueFullError | undefined {
    const conns = this.connections;
    if (conns.length === 0 || conns.length < this.pool.connectionsPerHost) return undefined;
    for (let i = 0; i < conns.length; i++) if (!conns[i]!.saturated) return undefined;
    return QueueFullError.shed(this.id, conns[0]!.queueLimit);
  }

  /** Protocol version its connections negotiated, once one has. */
  get protocolVersion(): 4 | 5 | undefined {
    return this.negotiatedVersion;
  }

  /** Why the host was last marked down. */
  get lastFailure(): Error | undefined {
    return this.lastError;
  }

  /**
   * A ready connection: the least busy of the pool, opening the pool's connections as needed.
   * Rejects when the host cannot be reached.
   */
  borrow(): Connection | Promise<Connection> {
    const conns = this.connections;
    let best: Connection | undefined;
    let bestLoad = Infinity;
    for (let i = 0; i < conns.length; i++) {
      const c = conns[i]!;
      if (!c.isOpen) continue;
      const load = c.inFlight + c.queued;
      if (load < bestLoad) {
        best = c;
        bestLoad = load;
      }
    }
    if (best !== undefined) {
      // Grow the pool in the background while the chosen connection is loaded.
      if (conns.length < this.pool.connectionsPerHost && this.opening === null && bestLoad > 0) void this.openOne().catch((err: unknown) => log('debug', 'pool.grow', `opening another connection to ${this.id} failed`, this.id, err));
      return best;
    }
    return this.openOne();
  }

  /** Open the pool's connections now (used at connect and after the node comes back). */
  async warmUp(): Promise<void> {
    await this.openOne();
    while (this.connections.length < this.pool.connectionsPerHost && !this.closed) await this.openOne();
  }

  /** Mark the host down and start reconnecting in the background. */
  markDown(error: Error): void {
    this.lastError = error;
    if (!this.up) return;
    this.up = false;
    publishStatus(this.id, false);
    this.pool.onStatusChange?.(this, false);
    this.scheduleReconnect();
  }

  /** Mark the host up (e.g. on a STATUS_CHANGE UP event). */
  markUp(): void {
    if (this.reconnectTimer) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    this.reconnectSchedule = null;
    if (this.up) return;
    this.up = true;
    publishStatus(this.id, true);
    this.pool.onStatusChange?.(this, true);
  }

  /**
   * Try to reconnect at once (e.g. the cluster reported the node UP). On failure the host
   * stays down and the reconnection schedule goes on.
   */
  reconnectNow(): void {
    if (this.closed || this.up) return;
    if (this.reconnectTimer) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    this.openOne().then(
      () => undefined,
      () => this.scheduleReconnect(),
    );
  }

  /** Close every connection, draining in-flight requests. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    // A copy: closing a connection removes it from `connections` (onClose) while we iterate.
    await Promise.all([...this.connections].map((c) => c.close()));
    this.connections.length = 0;
  }

  /** Close every connection at once, rejecting requests in flight. */
  destroy(error?: Error): void {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    for (const c of [...this.connections]) c.destroy(error);
    this.connections.length = 0;
  }

  /** Replace the keyspace of every connection (after `USE`). */
  async useKeyspace(keyspace: string): Promise<void> {
    await Promise.all(this.connections.filter((c) => c.isOpen).map((c) => c.useKeyspace(keyspace)));
  }

  private openOne(): Promise<Connection> {
    if (this.opening) return this.opening;
    if (this.closed) return Promise.reject(new ConnectionClosedError(this.id, 'client is closing'));
    const opening = Connection.open({
      ...this.pool.connection,
      // Once a connection negotiated a version, the pool's next ones start with it (no v5 probe each time).
      protocolVersion: this.pool.connection.protocolVersion ?? this.negotiatedVersion,
      host: this.address,
      port: this.port,
      keyspace: this.pool.keyspace(),
      onClose: (conn, err) => this.onConnectionClose(conn, err),
    }).then(
      (conn) => {
        this.opening = null;
        if (this.closed) {
          conn.destroy();
          throw new ConnectionClosedError(this.id, 'client is closing');
        }
        this.negotiatedVersion = conn.version;
        this.connections.push(conn);
        this.metrics.connectionsOpened++;
        this.markUp();
        return conn;
      },
      (err: unknown) => {
        this.opening = null;
        this.negotiatedVersion = undefined; // negotiate afresh next time (the node may have changed)
        const e = err instanceof Error ? err : new Error(String(err));
        if (this.connections.length === 0) this.markDown(e);
        throw e;
      },
    );
    this.opening = opening;
    return opening;
  }

  private onConnectionClose(conn: Connection, error: Error | undefined): void {
    const i = this.connections.indexOf(conn);
    if (i < 0) return;
    this.connections.splice(i, 1);
    this.metrics.connectionsClosed++;
    if (this.closed) {
      this.pool.onConnectionClose?.(this, conn);
      return;
    }
    if (this.connections.length === 0 && error instanceof ProtocolError && error.code === ProtocolErrorCode.FRAME_TOO_LARGE) {
      // The node is fine: it answered, and our maxFrameSize refused the answer. The next
      // request opens a new connection; the node is not marked down.
    } else if (this.connections.length === 0 && error !== undefined) {
      this.markDown(error);
    } else if (this.connections.length === 0) {
      // The peer closed the socket without an error: try again in the background.
      this.markDown(new ConnectionClosedError(this.id, 'connection closed by peer'));
    }
    this.pool.onConnectionClose?.(this, conn);
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectSchedule ??= this.pool.reconnectionPolicy.newSchedule();
    const delay = this.reconnectSchedule.next();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.openOne().then(
        () => undefined,
        () => this.scheduleReconnect(),
      );
    }, delay);
    this.reconnectTimer.unref();
  }
}

/** Settings a host needs to build its pool. */
export interface HostPoolOptions {
  /** Connections per host. */
  readonly connectionsPerHost: number;
  /** Options for each connection (host and port are filled in). */
  readonly connection: Omit<ConnectionOptions, 'host' | 'port' | 'keyspace' | 'onClose'>;
  /** Current keyspace of the client. */
  keyspace(): string | undefined;
  /** Reconnection schedule. */
  readonly reconnectionPolicy: ReconnectionPolicy;
  /** Told when one of the pool's connections closed (after the host's own bookkeeping). */
  readonly onConnectionClose?: (host: HostPool, conn: Connection) => void;
  /** Told when the host goes up or down. */
  readonly onStatusChange?: (host: HostPool, up: boolean) => void;
}

function publishStatus(host: string, up: boolean): void {
  if (channels.hostStatus.hasSubscribers) channels.hostStatus.publish({ host, up });
}
