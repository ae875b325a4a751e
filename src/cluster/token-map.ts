// The token ring: which node owns which token, and the replica set of a token per keyspace
// replication strategy (SimpleStrategy, NetworkTopologyStrategy, LocalStrategy,
// EverywhereStrategy), computed the way Cassandra's replication strategies walk the ring.

/** What the token map needs to know of a node. */
export interface RingNode {
  /** Data center, when known. */
  readonly datacenter: string | undefined;
  /** Rack, when known. */
  readonly rack: string | undefined;
  /** Murmur3 tokens the node owns, as decimal text (as `system.local.tokens`). */
  readonly tokens: readonly string[];
}

/** A keyspace's `replication` map, as in `system_schema.keyspaces`. */
export type ReplicationOptions = Readonly<Record<string, string>>;

/**
 * Token → owner ring of a cluster and replica sets per replication strategy. Immutable:
 * rebuilt when the topology changes. Replica sets are computed once per ring position and
 * replication and cached.
 */
export class TokenMap<N extends RingNode = RingNode> {
  /** Ring tokens, ascending. */
  readonly ring: readonly bigint[];
  /** Owner of each ring token. */
  readonly owners: readonly N[];
  private readonly nodes: readonly N[];
  // Keyed by the replication object itself (one per keyspace metadata): no per-request hashing.
  private readonly cache = new WeakMap<ReplicationOptions, (readonly N[] | undefined)[]>();

  constructor(nodes: readonly N[]) {
    const entries: { token: bigint; node: N }[] = [];
    for (const n of nodes) for (const t of n.tokens) entries.push({ token: BigInt(t), node: n });
    entries.sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : 0));
    this.ring = entries.map((e) => e.token);
    this.owners = entries.map((e) => e.node);
    this.nodes = nodes;
  }

  /** Index in the ring of the token's primary owner: the first ring token ≥ `token`, wrapping. */
  primaryIndex(token: bigint): number {
    const ring = this.ring;
    let lo = 0;
    let hi = ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ring[mid]! < token) lo = mid + 1;
      else hi = mid;
    }
    return lo === ring.length ? 0 : lo;
  }

  /**
   * Nodes holding `token` under `replication`, primary first; empty when the ring is empty or
   * the strategy is unknown (callers then route without token awareness).
   */
  replicas(replication: ReplicationOptions, token: bigint): readonly N[] {
    if (this.ring.length === 0) return [];
    let perIndex = this.cache.get(replication);
    if (perIndex === undefined) {
      perIndex = new Array<readonly N[] | undefined>(this.ring.length);
      this.cache.set(replication, perIndex);
    }
    const i = this.primaryIndex(token);
    let r = perIndex[i];
    if (r === undefined) {
      r = this.compute(replication, i);
      perIndex[i] = r;
    }
    return r;
  }

  private compute(replication: ReplicationOptions, start: number): readonly N[] {
    const cls = strategyName(replication['class'] ?? '');
    if (cls === 'SimpleStrategy') return this.simple(parseRf(replication['replication_factor']), start);
    if (cls === 'NetworkTopologyStrategy') return this.networkTopology(replication, start);
    if (cls === 'EverywhereStrategy') return [...this.nodes];
    if (cls === 'LocalStrategy') return [];
    return [];
  }

  private simple(rf: number, start: number): readonly N[] {
    const out: N[] = [];
    const ring = this.owners;
    for (let k = 0; k < ring.length && out.length < rf; k++) {
      const n = ring[(start + k) % ring.length]!;
      if (!out.includes(n)) out.push(n);
    }
    return out;
  }

  private networkTopology(replication: ReplicationOptions, start: number): readonly N[] {
    // Per data center: the replication factor (capped by its node count) and its racks.
    const want = new Map<string, number>();
    const racks = new Map<string, Set<string>>();
    const nodesPerDc = new Map<string, number>();
    for (const n of this.nodes) {
      const dc = n.datacenter ?? '';
      nodesPerDc.set(dc, (nodesPerDc.get(dc) ?? 0) + 1);
      let s = racks.get(dc);
      if (!s) racks.set(dc, (s = new Set()));
      s.add(n.rack ?? '');
    }
    for (const [dc, v] of Object.entries(replication)) {
      if (dc === 'class' || dc === 'replication_factor') continue;
      const rf = Math.min(parseRf(v), nodesPerDc.get(dc) ?? 0);
      if (rf > 0) want.set(dc, rf);
    }
    const out: N[] = [];
    const got = new Map<string, number>();
    const seenRacks = new Map<string, Set<string>>();
    const skipped = new Map<string, N[]>();
    let pending = want.size;
    const ring = this.owners;
    const add = (dc: string, n: N): void => {
      out.push(n);
      const c = (got.get(dc) ?? 0) + 1;
      got.set(dc, c);
      if (c === want.get(dc)) pending--;
    };
    for (let k = 0; k < ring.length && pending > 0; k++) {
      const n = ring[(start + k) % ring.length]!;
      const dc = n.datacenter ?? '';
      const rf = want.get(dc);
      if (rf === undefined || (got.get(dc) ?? 0) >= rf || out.includes(n)) continue;
      let seen = seenRacks.get(dc);
      if (!seen) seenRacks.set(dc, (seen = new Set()));
      const rack = n.rack ?? '';
      const allRacks = racks.get(dc)!.size;
      if (seen.has(rack) && seen.size < allRacks) {
        // Prefer a node of a rack not used yet; keep this one for later.
        const list = skipped.get(dc) ?? [];
        if (!list.includes(n)) list.push(n);
        skipped.set(dc, list);
        continue;
      }
      add(dc, n);
      seen.add(rack);
      if (seen.size === allRacks) {
        // Every rack has a replica: fill up with the nodes passed over, in ring order.
        for (const s of skipped.get(dc) ?? []) if ((got.get(dc) ?? 0) < rf) add(dc, s);
        skipped.set(dc, []);
      }
    }
    return out;
  }
}

function strategyName(cls: string): string {
  const dot = cls.lastIndexOf('.');
  return dot >= 0 ? cls.slice(dot + 1) : cls;
}

function parseRf(v: string | undefined): number {
  // Transient replication writes "3/1": the full count comes first.
  const n = Number.parseInt(v ?? '', 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}
