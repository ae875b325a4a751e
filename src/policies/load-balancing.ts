import type { Host } from './host.js';


/** What a load-balancing policy sees of a request. */
export interface RoutingInfo {
  /** Keyspace the request runs in, when known. */
  readonly keyspace?: string;
  /** Serialized partition key (routing key), when known. */
  readonly routingKey?: Buffer;
}

/** Chooses, per request, the hosts to try and their order (the query plan). */
export interface LoadBalancingPolicy {
  /** Called once with the client's view of the cluster before first use. */
  init?(hosts: HostRegistry): void;
  /** Hosts to try, best first. May be lazy; only as many as needed are taken. */
  newQueryPlan(routing: RoutingInfo): Iterable<Host>;
  /** Whether the driver should keep connections to this host. */
  distance?(host: Host): 'local' | 'remote' | 'ignored';
}

/** The hosts known to the client. */
export interface HostRegistry {
  /** Every known host. */
  all(): readonly Host[];
  /** Replicas for a routing key in a keyspace (token-aware routing), or empty if unknown. */
  replicas?(keyspace: string, routingKey: Buffer): readonly Host[];
  /** Data center of the contact points, once known (local-DC detection). */
  localDataCenter?(): string | undefined;
}

/**
 * Round robin over up hosts, preferring the local data center; remote hosts come after local
 * ones only when `usedHostsPerRemoteDc` > 0. With a known routing key and replica map, replicas
 * come first (token-aware).
 */
export class DefaultLoadBalancingPolicy implements LoadBalancingPolicy {
  private registry: HostRegistry | null = null;
  private index = 0;
  /** Local data center; detected from the first contact point when unset. */
  localDataCenter: string | undefined;

  constructor(
    options: {
      /** Local data center name. */
      readonly localDataCenter?: string;
      /** How many hosts of each remote DC to append to plans. Default 0. */
      readonly usedHostsPerRemoteDc?: number;
      /** Restrict to these `address:port` ids. */
      readonly allowList?: readonly string[];
      /** Token-aware routing (replicas first). Default true. */
      readonly tokenAware?: boolean;
    } = {},
  ) {
    this.localDataCenter = options.localDataCenter;
    this.usedHostsPerRemoteDc = options.usedHostsPerRemoteDc ?? 0;
    this.allowList = options.allowList ? new Set(options.allowList) : null;
    this.tokenAware = options.tokenAware ?? true;
  }

  private readonly usedHostsPerRemoteDc: number;
  private readonly allowList: Set<string> | null;
  private readonly tokenAware: boolean;

  /** @inheritDoc */
  init(hosts: HostRegistry): void {
    this.registry = hosts;
  }

  /** @inheritDoc */
  distance(host: Host): 'local' | 'remote' | 'ignored' {
    if (this.allowList && !this.allowList.has(host.id)) return 'ignored';
    // Unset: the contact points' data center, as soon as the control connection learnt it.
    const local = (this.localDataCenter ??= this.registry?.localDataCenter?.());
    if (local === undefined || host.datacenter === undefined || host.datacenter === local) return 'local';
    return this.usedHostsPerRemoteDc > 0 ? 'remote' : 'ignored';
  }

  /** @inheritDoc */
  newQueryPlan(routing: RoutingInfo): Iterable<Host> {
    const registry = this.registry;
    if (!registry) return [];
    if (!(this.tokenAware && routing.keyspace !== undefined && routing.routingKey !== undefined && registry.replicas)) {
      // No replicas to put first. One local host: the registry's own array, no allocation.
      const all = registry.all();
      if (all.length === 1 && all[0]!.isUp && this.distance(all[0]!) === 'local') return all;
    }
    return this.plan(routing, registry);
  }

  private *plan(routing: RoutingInfo, registry: HostRegistry): Iterable<Host> {
    // Allocation-light: a Set only when replicas came first, a Map only when a remote host exists.
    let seen: Set<Host> | undefined;
    if (this.tokenAware && routing.keyspace !== undefined && routing.routingKey !== undefined && registry.replicas) {
      const replicas = registry.replicas(routing.keyspace, routing.routingKey);
      if (replicas.length > 0) {
        // Rotate among local replicas so one partition's load spreads over its replicas.
        const start = this.index++ & 0x7fffffff;
        for (let i = 0; i < replicas.length; i++) {
          const h = replicas[(start + i) % replicas.length]!;
          if (h.isUp && this.distance(h) === 'local') {
            (seen ??= new Set()).add(h);
            yield h;
          }
        }
      }
    }
    const all = registry.all();
    const n = all.length;
    const start = this.index++ & 0x7fffffff;
    // Common case (every host up, local and not yet tried): rotate over the registry's own array.
    let allLocal = true;
    for (let i = 0; i < n && allLocal; i++) {
      const h = all[i]!;
      allLocal = h.isUp && (seen === undefined || !seen.has(h)) && this.distance(h) === 'local';
    }
    if (allLocal) {
      for (let i = 0; i < n; i++) yield all[(start + i) % n]!;
      return;
    }
    const local: Host[] = [];
    let remote: Map<string, Host[]> | undefined;
    for (const h of all) {
      if (!h.isUp || (seen !== undefined && seen.has(h))) continue;
      const d = this.distance(h);
      if (d === 'local') local.push(h);
      else if (d === 'remote') {
        const dc = h.datacenter ?? '';
        remote ??= new Map();
        const list = remote.get(dc) ?? [];
        if (list.length < this.usedHostsPerRemoteDc) list.push(h);
        remote.set(dc, list);
      }
    }
    for (let i = 0; i < local.length; i++) yield local[(start + i) % local.length]!;
    if (remote !== undefined) for (const list of remote.values()) yield* list;
  }
}

