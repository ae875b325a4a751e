// The control connection: one of the pool connections, chosen among the up hosts, that is
// REGISTERed for topology, status and schema events and that reads system.local /
// system.peers(_v2) and system_schema. It discovers nodes, keeps the token map and the schema
// current, and moves to another node when its own dies (immediately if one is up, else on the
// reconnection policy's schedule).
import { Consistency, EventType, Opcode, decodeRows, type Response, type ServerEvent, type SchemaChange } from '../../protocol/index.js';
import type { Connection } from '../connection/connection.js';
import { ConnectError, CqlwireError } from '../errors/driver-errors.js';
import { log } from '../observability/log.js';
import type { HostPool } from './host-pool.js';
import type { HostRegistry } from './registry.js';
import type { Metadata } from './metadata.js';
import type { AddressTranslator, ReconnectionPolicy } from '../policies/index.js';

/** What the control connection needs from the client. */
export interface ClusterHooks {
  /** The hosts the client knows: discovered nodes are added to it, departed ones removed. */
  readonly hosts: Pick<HostRegistry, 'all' | 'get' | 'add' | 'remove'>;
  /** Schedule of control reconnection attempts when no host answers. */
  readonly reconnectionPolicy: ReconnectionPolicy;
  /** Maps the addresses nodes advertise to reachable ones. */
  readonly translator: AddressTranslator;
  /** Where schema and token map go. */
  readonly metadata: Metadata;
  /** Native port assumed when `system.peers` does not say. */
  readonly defaultPort: number;
  /** Timeout of each system query. */
  readonly timeoutMs: number;
  /** Longest wait for schema agreement after DDL. */
  readonly schemaAgreementWaitMs: number;
}

type Rows = readonly Readonly<Record<string, unknown>>[];

const EVENTS = [EventType.TOPOLOGY_CHANGE, EventType.STATUS_CHANGE, EventType.SCHEMA_CHANGE];
const TOPOLOGY_DEBOUNCE_MS = 1000;
const SCHEMA_DEBOUNCE_MS = 200;
const AGREEMENT_POLL_MS = 200;

/** Keeps the client's view of the cluster (hosts, token map, schema) current. */
export class ControlConnection {
  private conn: Connection | undefined;
  private current: HostPool | undefined;
  private peersV2 = true;
  private closed = false;
  private reconnecting: Promise<boolean> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private schedule: { next(): number } | null = null;
  private topologyTimer: NodeJS.Timeout | null = null;
  private schemaTimer: NodeJS.Timeout | null = null;
  private pendingKeyspaces: Set<string> | 'all' = new Set();
  /** NEW_NODE addresses not yet listed in system.peers, with the refreshes left to find them. */
  private readonly awaitedNodes = new Map<string, number>();
  /** Errors of the last connection attempt, by host. */
  lastErrors = new Map<string, Error>();

  constructor(private readonly hooks: ClusterHooks) {}

  /** The host the control connection runs on, if connected. */
  get host(): HostPool | undefined {
    return this.conn?.isOpen ? this.current : undefined;
  }

  /** Connect to the first host that answers, read topology and schema. Resolves false if none answered. */
  async init(preferred: readonly HostPool[]): Promise<boolean> {
    return this.connect(preferred);
  }

  /** Told by the client when any pool connection closes. */
  onConnectionClosed(conn: Connection): void {
    if (this.closed || conn !== this.conn) return;
    this.conn = undefined;
    void this.reconnect();
  }

  /** Told by the client for every server EVENT. */
  onEvent(message: Response): void {
    if (this.closed || message.opcode !== Opcode.EVENT) return;
    this.handle(message.event);
  }

  /**
   * After a DDL statement: wait (bounded) until every up node reports the same schema
   * version, then re-read the changed keyspace. Resolves whether the schema agreed.
   */
  async afterSchemaChange(change: SchemaChange): Promise<boolean> {
    const agreed = await this.waitForSchemaAgreement();
    try {
      await this.refreshSchema(change.keyspace);
    } catch (err) {
      log('debug', 'schema.refresh', `schema refresh after a change to ${change.keyspace} failed; scheduled again`, undefined, err);
      this.scheduleSchemaRefresh(change.keyspace);
    }
    return agreed;
  }

  /** Poll `schema_version` of system.local and system.peers until all up nodes agree, or time out. */
  async waitForSchemaAgreement(): Promise<boolean> {
    const deadline = performance.now() + this.hooks.schemaAgreementWaitMs;
    for (;;) {
      try {
        if (await this.schemaAgrees(Math.max(100, deadline - performance.now()))) return true;
      } catch (err) {
        // The control connection may be moving; try again until the deadline.
        log('debug', 'schema.agreement', 'schema agreement check failed; retrying until the deadline', undefined, err);
      }
      if (this.closed || performance.now() + AGREEMENT_POLL_MS > deadline) return false;
      await sleep(AGREEMENT_POLL_MS);
    }
  }

  /**
   * Whether every up node reports the same schema version now. Each node is asked itself
   * (its own system.local): system.peers on one node follows gossip and can lag behind a DDL
   * another node just coordinated. A node that does not answer is left out (it is going down).
   */
  async schemaAgrees(timeoutMs = this.hooks.timeoutMs): Promise<boolean> {
    const versions = new Set<string>();
    await Promise.all(
      this.hooks.hosts.all().map(async (h) => {
        if (!h.isUp) return;
        try {
          const b = h.borrow();
          const conn = b instanceof Promise ? await b : b;
          const rows = await this.queryOn(conn, "SELECT schema_version FROM system.local WHERE key = 'local'", timeoutMs);
          const v = rows[0]?.['schema_version'];
          if (v !== null && v !== undefined) versions.add(String(v));
        } catch (err) {
          // unreachable now: not part of the agreement
          log('debug', 'schema.agreement', `${h.id} did not answer the schema version query; left out of the agreement`, h.id, err);
        }
      }),
    );
    return versions.size <= 1;
  }

  /** Re-read the node list (system.local and peers) and rebuild the token map. */
  async refreshNodes(): Promise<void> {
    const local = await this.query("SELECT * FROM system.local WHERE key = 'local'");
    const peers = await this.queryPeers('*');
    const m = this.hooks.metadata;
    const seen = new Set<HostPool>();
    const l = local[0];
    if (l && this.current) {
      m.clusterName = str(l['cluster_name']);
      m.partitioner = str(l['partitioner']);
      fill(this.current, l);
      seen.add(this.current);
    }
    for (const p of peers) {
      const { address, port } = this.peerAddress(p);
      if (address === undefined) continue;
      if (str(p['host_id']) === undefined || str(p['data_center']) === undefined) {
        // A row gossip has not filled in yet (a node restarting or joining): without a data
        // center the policy cannot tell local from remote. Not added; a known node keeps what
        // was known of it (and is not taken for removed) until its row is complete again.
        const known = this.hooks.hosts.get(`${address}:${port}`);
        if (known !== undefined) seen.add(known);
        log('debug', 'control.peers', `ignoring an incomplete system.peers row for ${address}:${port} (no host_id or data_center yet)`, `${address}:${port}`);
        continue;
      }
      const host = this.hooks.hosts.add(address, port, (h) => fill(h, p));
      fill(host, p);
      seen.add(host);
    }
    if (seen.size > 0) {
      // Nodes no longer listed left the cluster (REMOVED_NODE, decommission).
      for (const h of this.hooks.hosts.all()) if (!seen.has(h) && h.hostId !== undefined) this.hooks.hosts.remove(h);
    }
    m.updateRing(this.hooks.hosts.all());
  }

  /** Re-read the schema of one keyspace, or of all. */
  async refreshSchema(keyspace?: string): Promise<void> {
    await this.hooks.metadata.refreshSchema((cql) => this.query(cql), keyspace);
    // A keyspace's replication may have changed: nothing to rebuild, replica sets are keyed by it.
  }

  /** Stop: no more reconnection or refresh. */
  close(): void {
    this.closed = true;
    for (const t of [this.retryTimer, this.topologyTimer, this.schemaTimer]) if (t) clearTimeout(t);
    this.retryTimer = this.topologyTimer = this.schemaTimer = null;
    this.conn = undefined;
  }

  // ---------------------------------------------------------------- internals

  private async connect(preferred: readonly HostPool[]): Promise<boolean> {
    const errors = new Map<string, Error>();
    const seen = new Set<HostPool>();
    // Up hosts first (preferred ones first), then the others: a host marked down may be back.
    const candidates = [...preferred, ...this.hooks.hosts.all()].filter((h) => !seen.has(h) && (seen.add(h), true));
    candidates.sort((a, b) => Number(b.isUp) - Number(a.isUp));
    for (const host of candidates) {
      if (this.closed) return false;
      try {
        const b = host.borrow();
        const conn = b instanceof Promise ? await b : b;
        const reply = await conn.send({ opcode: Opcode.REGISTER, events: EVENTS }, { timeoutMs: this.hooks.timeoutMs });
        if (reply.message.opcode !== Opcode.READY) throw new ConnectError(host.id, 'REGISTER was not answered with READY');
        this.conn = conn;
        this.current = host;
        if (!conn.isOpen) throw new ConnectError(host.id, 'connection closed during REGISTER');
        await this.refreshNodes();
        await this.refreshSchema();
        this.schedule = null;
        this.lastErrors = errors;
        return true;
      } catch (err) {
        errors.set(host.id, err instanceof Error ? err : new Error(String(err)));
        this.conn = undefined;
      }
    }
    this.lastErrors = errors;
    return false;
  }

  private reconnect(): Promise<boolean> {
    if (this.reconnecting) return this.reconnecting;
    const attempt = this.connect([]).then((ok) => {
      this.reconnecting = null;
      if (!ok && !this.closed) this.scheduleRetry();
      return ok;
    });
    this.reconnecting = attempt;
    return attempt;
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closed) return;
    this.schedule ??= this.hooks.reconnectionPolicy.newSchedule();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.reconnect();
    }, this.schedule.next());
    this.retryTimer.unref();
  }

  private handle(ev: ServerEvent): void {
    switch (ev.type) {
      case EventType.TOPOLOGY_CHANGE: {
        // A NEW_NODE may not be in system.peers yet, and events come in bursts: refresh a bit
        // later, and again (a few times) while the new node is not listed.
        if (ev.change === 'NEW_NODE') {
          const t = this.hooks.translator.translate(ev.address.address, ev.address.port);
          this.awaitedNodes.set(`${t.address}:${t.port}`, 5);
        }
        this.scheduleTopologyRefresh();
        return;
      }
      case EventType.STATUS_CHANGE: {
        const t = this.hooks.translator.translate(ev.address.address, ev.address.port);
        const host = this.hooks.hosts.get(`${t.address}:${t.port}`);
        if (host === undefined) {
          if (ev.change === 'UP') this.scheduleTopologyRefresh();
          return;
        }
        if (ev.change === 'DOWN') host.markDown(new ConnectError(host.id, 'the cluster reported the node DOWN'));
        else host.reconnectNow();
        return;
      }
      case EventType.SCHEMA_CHANGE:
        this.scheduleSchemaRefresh(ev.keyspace);
        return;
    }
  }

  private scheduleTopologyRefresh(): void {
    if (this.topologyTimer || this.closed) return;
    this.topologyTimer = setTimeout(() => {
      this.topologyTimer = null;
      this.refreshNodes()
        .catch((err: unknown) => log('warn', 'topology.refresh', 'topology refresh failed; the node list may be stale until the next event', undefined, err))
        .then(() => {
          for (const [id, left] of this.awaitedNodes) {
            if (this.hooks.hosts.get(id) !== undefined || left <= 1) this.awaitedNodes.delete(id);
            else this.awaitedNodes.set(id, left - 1);
          }
          if (this.awaitedNodes.size > 0) this.scheduleTopologyRefresh();
        });
    }, TOPOLOGY_DEBOUNCE_MS);
    this.topologyTimer.unref();
  }

  private scheduleSchemaRefresh(keyspace: string): void {
    if (this.pendingKeyspaces !== 'all') this.pendingKeyspaces.add(keyspace);
    if (this.schemaTimer || this.closed) return;
    this.schemaTimer = setTimeout(() => {
      this.schemaTimer = null;
      const pending = this.pendingKeyspaces;
      this.pendingKeyspaces = new Set();
      const work = pending === 'all' || pending.size > 8 ? this.refreshSchema() : Promise.all([...pending].map((k) => this.refreshSchema(k)));
      work.catch(() => {
        this.pendingKeyspaces = 'all';
      });
    }, SCHEMA_DEBOUNCE_MS);
    this.schemaTimer.unref();
  }

  private async query(cql: string): Promise<Rows> {
    const conn = this.conn;
    if (conn === undefined || !conn.isOpen) throw new ConnectError(this.current?.id ?? 'control', 'no control connection');
    return this.queryOn(conn, cql);
  }

  private async queryOn(conn: Connection, cql: string, timeoutMs = this.hooks.timeoutMs): Promise<Rows> {
    const r = await conn.send({ opcode: Opcode.QUERY, query: cql, params: { consistency: Consistency.ONE } }, { timeoutMs });
    const m = r.message;
    if (m.opcode !== Opcode.RESULT || m.result.kind !== 'rows') return [];
    return decodeRows(m.result, m.result.metadata.columns ?? []);
  }

  private async queryPeers(columns: string): Promise<Rows> {
    if (this.peersV2) {
      try {
        const cols = columns === '*' ? '*' : `peer, peer_port, native_address, native_port, ${columns}`;
        return await this.query(`SELECT ${cols} FROM system.peers_v2`);
      } catch (err) {
        // Before Cassandra 4.0 there is no peers_v2 (InvalidQuery "unconfigured table").
        if (!(CqlwireError.is(err) && err.code === 'ERR_SERVER_INVALID')) throw err;
        this.peersV2 = false;
      }
    }
    const cols = columns === '*' ? '*' : `peer, rpc_address, ${columns}`;
    return this.query(`SELECT ${cols} FROM system.peers`);
  }

  private peerAddress(p: Readonly<Record<string, unknown>>): { address: string | undefined; port: number } {
    let address = str(p['native_address']) ?? str(p['rpc_address']);
    if (address === undefined || address === '0.0.0.0' || address === '::') address = str(p['peer']);
    const port = typeof p['native_port'] === 'number' ? p['native_port'] : this.hooks.defaultPort;
    if (address === undefined) return { address, port };
    return this.hooks.translator.translate(address, port);
  }
}

/** Copy what system.local / system.peers say about a node onto its host. */
function fill(host: HostPool, row: Readonly<Record<string, unknown>>): void {
  host.datacenter = str(row['data_center']) ?? host.datacenter;
  host.rack = str(row['rack']) ?? host.rack;
  host.hostId = str(row['host_id']) ?? host.hostId;
  host.releaseVersion = str(row['release_version']) ?? host.releaseVersion;
  const tokens = row['tokens'];
  if (tokens instanceof Set || Array.isArray(tokens)) host.tokens = [...(tokens as Iterable<unknown>)].map(String);
}

function str(v: unknown): string | undefined {
  return v === null || v === undefined ? undefined : String(v);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

