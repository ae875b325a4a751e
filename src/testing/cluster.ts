// Fake clusters: nodes on evenly spaced tokens that list each other as peers.
import type { FakeLocalInfo, FakePeer, SystemTables } from './system-tables.js';

/** The node options a cluster sets: its tokens and its peers. */
export interface ClusterNodeOptions {
  /** Values of the node's `system.local` row. */
  readonly local?: Partial<FakeLocalInfo>;
  /** Nodes its `system.peers(_v2)` lists. */
  readonly peers?: readonly FakePeer[];
}

/** A started node, as far as wiring it into a cluster goes. */
export interface ClusterNode {
  /** Address it listens on. */
  readonly address: string;
  /** Port it listens on. */
  readonly port: number;
  /** Its system tables, whose peers get filled in. */
  readonly tables: SystemTables;
}

/**
 * The options node `index` of `count` starts with: one evenly spaced Murmur3 token unless
 * `options` gives tokens, and no peers yet (see {@link linkPeers}).
 */
export function clusterNodeOptions<O extends ClusterNodeOptions>(count: number, index: number, options: O): O {
  const token = String(-(2n ** 63n) + (2n ** 64n / BigInt(count)) * BigInt(index));
  return { ...options, local: { tokens: [token], ...options.local }, peers: [] };
}

/** Once every node's port is bound, list each node in the others' `system.peers(_v2)`. */
export function linkPeers(nodes: readonly ClusterNode[]): void {
  for (const [i, node] of nodes.entries()) {
    node.tables.peers = nodes.flatMap((o, j) => {
      const l = o.tables.local;
      return j === i ? [] : [{ address: o.address, port: o.port, hostId: l.hostId, dataCenter: l.dataCenter, rack: l.rack, tokens: l.tokens, schemaVersion: l.schemaVersion }];
    });
  }
}
