import { InvalidArgumentError, type QueueFullError } from '../errors/driver-errors.js';
import { log } from '../observability/log.js';
import type { Host, HostRegistry as PolicyHostRegistry } from '../policies/index.js';
import { HostPool, type HostPoolOptions } from './host-pool.js';
import type { Metadata } from './metadata.js';

/**
 * The hosts the client knows, by id, with their pools: the contact points, and the nodes the
 * control connection discovers. Load-balancing policies see it through its read-only side
 * ({@link PolicyHostRegistry}); the execution core turns their plans back into pools here.
 */
export class HostRegistry implements PolicyHostRegistry {
  private readonly byId = new Map<string, HostPool>();
  /** `byId`'s values, rebuilt lazily after a change: one array per change, not per plan. */
  private list: HostPool[] | undefined;
  private readonly contactPoints: HostPool[] = [];
  private closed = false;

  constructor(
    private readonly poolOptions: HostPoolOptions,
    private readonly metadata: Metadata,
    /** Port of addresses given without one. */
    readonly defaultPort: number,
    /** Whether a discovered host gets its pool opened (the default policy may ignore it). */
    private readonly wanted: (host: Host) => boolean,
  ) {}

  /** Add a contact point (`host`, `host:port` or `[v6]:port`); a repeated one is ignored. */
  addContactPoint(contactPoint: string): void {
    const { address, port } = splitHostPort(contactPoint, this.defaultPort);
    if (this.byId.has(`${address}:${port}`)) return;
    const host = new HostPool(address, port, this.poolOptions);
    this.put(host);
    this.contactPoints.push(host);
  }

  /** The contact points, in the order given. */
  contacts(): readonly HostPool[] {
    return this.contactPoints;
  }

  /** Every known host (the same array until the set changes). */
  all(): readonly HostPool[] {
    return (this.list ??= [...this.byId.values()]);
  }

  /**
   * When every up host is saturated (see `HostPool.saturation`), the QueueFullError of the
   * first: any request would fail with it, so the session sheds it before doing any work.
   */
  saturation(): QueueFullError | undefined {
    let first: QueueFullError | undefined;
    for (const h of this.all()) {
      if (!h.isUp) continue;
      const e = h.saturation();
      if (e === undefined) return undefined;
      first ??= e;
    }
    return first;
  }

  /** Number of known hosts. */
  get size(): number {
    return this.byId.size;
  }

  /** A host by `address:port`. */
  get(id: string): HostPool | undefined {
    return this.byId.get(id);
  }

  /** The pool behind a host of a query plan; undefined for a host this registry does not hold. */
  pool(host: Host): HostPool | undefined {
    return host instanceof HostPool ? host : this.byId.get(host.id);
  }

  /** The host a request names with `host` (`address` or `address:port`). */
  target(address: string): HostPool {
    const id = address.includes(':') && !address.includes('::') ? address : `${address}:${this.defaultPort}`;
    const host = this.byId.get(id) ?? this.byId.get(address);
    if (!host) throw new InvalidArgumentError(`unknown host "${address}"`);
    return host;
  }

  /** @inheritDoc */
  replicas(keyspace: string, routingKey: Buffer): readonly Host[] {
    return this.metadata.replicas(keyspace, routingKey);
  }

  /** @inheritDoc */
  localDataCenter(): string | undefined {
    return this.contactPoints.find((h) => h.datacenter !== undefined)?.datacenter;
  }

  /**
   * A discovered node: the known host, or a new one (`init` fills in what the cluster said of
   * it) whose pool opens in the background when the default policy would use it.
   */
  add(address: string, port: number, init: (host: HostPool) => void): HostPool {
    const existing = this.byId.get(`${address}:${port}`);
    if (existing) return existing;
    const host = new HostPool(address, port, this.poolOptions);
    init(host);
    this.put(host);
    // A node that is down gets marked down, and retried by its reconnection schedule.
    if (!this.closed && this.wanted(host)) void host.warmUp().catch((err: unknown) => log('info', 'host.connect', `cannot connect to ${host.id} yet (its reconnection schedule retries)`, host.id, err));
    return host;
  }

  /** A node left the cluster: close its pool. The last contact point is kept. */
  remove(host: HostPool): void {
    if (this.contactPoints.includes(host) && this.byId.size <= 1) return;
    this.byId.delete(host.id);
    this.list = undefined;
    void host.close().catch((err: unknown) => log('debug', 'host.close', `closing the pool of removed node ${host.id} failed`, host.id, err));
  }

  /**
   * Why each host that is down went down (for a request that found no host to try). Hosts the
   * default policy ignores (a remote data center it may not use) are left out: they were never
   * candidates, so their state does not explain the failure.
   */
  downReasons(): Map<string, Error> {
    const reasons = new Map<string, Error>();
    for (const h of this.byId.values()) if (!h.isUp && h.lastFailure !== undefined && this.wanted(h)) reasons.set(h.id, h.lastFailure);
    return reasons;
  }

  /** Close every pool, draining requests in flight. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.byId.values()].map((h) => h.close()));
  }

  /** Close every pool at once, rejecting requests in flight. */
  destroy(error?: Error): void {
    this.closed = true;
    for (const h of this.byId.values()) h.destroy(error);
  }

  private put(host: HostPool): void {
    this.byId.set(host.id, host);
    this.list = undefined;
  }
}

function splitHostPort(contactPoint: string, defaultPort: number): { address: string; port: number } {
  const m = /^\[(.+)\]:(\d+)$/.exec(contactPoint) ?? /^([^:]+):(\d+)$/.exec(contactPoint);
  if (m) return { address: m[1]!, port: Number(m[2]) };
  return { address: contactPoint.replace(/^\[|\]$/g, ''), port: defaultPort };
}
