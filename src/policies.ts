import { CqlwireError } from './errors.js';
import type { Host } from './host.js';

// ------------------------------------------------------------------ load balancing

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

// ------------------------------------------------------------------ retry

/** What the retry policy decides. */
export type RetryDecision =
  | { readonly action: 'rethrow' }
  | { readonly action: 'retry'; readonly sameHost: boolean; readonly consistency?: number }
  | { readonly action: 'ignore' };

/** What a retry policy sees of a failed attempt. */
export interface RetryContext {
  /** The error of this attempt. */
  readonly error: Error;
  /** Whether the request is marked idempotent. */
  readonly idempotent: boolean;
  /** Retries already made for this request. */
  readonly retryCount: number;
  /** Consistency the attempt used. */
  readonly consistency: number;
}

/** Decides whether a failed request is retried, and where. */
export interface RetryPolicy {
  /** Called for every failed attempt whose error might be retried. */
  onError(context: RetryContext): RetryDecision;
}

const RETHROW: RetryDecision = { action: 'rethrow' };

/**
 * The default policy, as async-cassandra's: read timeout → retry once on the same host when
 * enough replicas answered but data was missing; write timeout → retry only idempotent
 * writes; unavailable → next host, once; overloaded / bootstrapping / truncate / server
 * error and connection loss → next host, only if idempotent; never more than `maxRetries`.
 */
export class DefaultRetryPolicy implements RetryPolicy {
  /** Most retries for one request. */
  readonly maxRetries: number;

  constructor(options: { readonly maxRetries?: number } = {}) {
    this.maxRetries = options.maxRetries ?? 3;
  }

  /** @inheritDoc */
  onError(ctx: RetryContext): RetryDecision {
    if (ctx.retryCount >= this.maxRetries) return RETHROW;
    const e = ctx.error;
    const code = CqlwireError.is(e) ? e.code : '';
    switch (code) {
      case 'ERR_SERVER_READ_TIMEOUT': {
        const f = e as unknown as { received: number; blockFor: number; dataPresent: boolean };
        if (ctx.retryCount > 0) return RETHROW;
        return f.received >= f.blockFor && !f.dataPresent ? { action: 'retry', sameHost: true } : RETHROW;
      }
      case 'ERR_SERVER_WRITE_TIMEOUT':
        if (!ctx.idempotent) return RETHROW;
        return { action: 'retry', sameHost: true };
      case 'ERR_SERVER_UNAVAILABLE':
        return ctx.retryCount === 0 ? { action: 'retry', sameHost: false } : RETHROW;
      case 'ERR_SERVER_OVERLOADED':
      case 'ERR_SERVER_IS_BOOTSTRAPPING':
      case 'ERR_SERVER_TRUNCATE':
      case 'ERR_SERVER_ERROR':
      case 'ERR_CONNECTION_CLOSED':
      case 'ERR_REQUEST_TIMEOUT':
        return ctx.idempotent ? { action: 'retry', sameHost: false } : RETHROW;
      default:
        return RETHROW;
    }
  }
}

/** Never retries. */
export class FallthroughRetryPolicy implements RetryPolicy {
  /** @inheritDoc */
  onError(): RetryDecision {
    return RETHROW;
  }
}

// ------------------------------------------------------------------ reconnection

/** Delays between attempts to reconnect to a down host. */
export interface ReconnectionPolicy {
  /** A new schedule: each call to `next()` gives the next delay in ms. */
  newSchedule(): { next(): number };
}

/** Exponential backoff with full jitter, from `baseDelayMs` up to `maxDelayMs`. */
export class ExponentialReconnectionPolicy implements ReconnectionPolicy {
  constructor(
    /** First delay. */
    readonly baseDelayMs = 1000,
    /** Largest delay. */
    readonly maxDelayMs = 60_000,
  ) {}

  /** @inheritDoc */
  newSchedule(): { next(): number } {
    let attempt = 0;
    const base = this.baseDelayMs;
    const max = this.maxDelayMs;
    return {
      next(): number {
        const ceiling = Math.min(max, base * 2 ** Math.min(attempt++, 30));
        // Jitter between 85 % and 100 % keeps reconnect storms apart without long waits.
        return Math.round(ceiling * (0.85 + Math.random() * 0.15));
      },
    };
  }
}

/** Same delay every time. */
export class ConstantReconnectionPolicy implements ReconnectionPolicy {
  constructor(/** Delay in ms. */ readonly delayMs = 1000) {}
  /** @inheritDoc */
  newSchedule(): { next(): number } {
    const d = this.delayMs;
    return { next: () => d };
  }
}

// ------------------------------------------------------------------ speculative execution

/** When to start another attempt of a slow idempotent request on the next host. */
export interface SpeculativeExecutionPolicy {
  /** Delay before the n-th extra attempt (n from 1), or -1 for none. */
  nextDelayMs(attempt: number): number;
}

/** No speculative executions (the default). */
export class NoSpeculativeExecutionPolicy implements SpeculativeExecutionPolicy {
  /** @inheritDoc */
  nextDelayMs(): number {
    return -1;
  }
}

/** Up to `maxExecutions` extra attempts, `delayMs` apart. Only idempotent requests speculate. */
export class ConstantSpeculativeExecutionPolicy implements SpeculativeExecutionPolicy {
  constructor(
    /** Delay between attempts. */
    readonly delayMs: number,
    /** Extra attempts at most. */
    readonly maxExecutions = 1,
  ) {}
  /** @inheritDoc */
  nextDelayMs(attempt: number): number {
    return attempt <= this.maxExecutions ? this.delayMs : -1;
  }
}

// ------------------------------------------------------------------ address translation

/** Maps the addresses nodes advertise to addresses the client can reach. */
export interface AddressTranslator {
  /** Translate `address:port` as advertised by the cluster. */
  translate(address: string, port: number): { address: string; port: number };
}

/** Leaves addresses as they are. */
export class IdentityAddressTranslator implements AddressTranslator {
  /** @inheritDoc */
  translate(address: string, port: number): { address: string; port: number } {
    return { address, port };
  }
}
