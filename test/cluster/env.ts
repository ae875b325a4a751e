// What the cluster tests need: the three nodes' contact points and how to kill/restart a node.
import { inject } from 'vitest';
import { killNode, restartNode } from '../cassandra/launcher.js';
import { splitHostPort } from '../cassandra/contact-points.js';
import { waitGossipAgreement } from '../cassandra/gossip.js';

export interface ClusterTestEnv {
  /** False when no cluster could be started (never with CI=true). */
  available: boolean;
  /** Why the cluster is unavailable. */
  reason: string;
  /** 'host:port' of each node. */
  contactPoints: string[];
  /** Launcher instance the nodes belong to (for kill/restart). */
  instance: string;
  /** Addresses of the launcher instance's nodes, node 1 first (empty if not a launcher instance). */
  instanceAddresses: string[];
  /** Data center of the nodes. */
  localDataCenter: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    cqlwireCluster: ClusterTestEnv;
  }
}

export const cluster: ClusterTestEnv = inject('cqlwireCluster');

/** Address ('a.b.c.d') of contact point `i` (0-based). */
export function addressOf(i: number): string {
  return splitHostPort(cluster.contactPoints[i]!).host;
}

/** Launcher node index (1-based) of the node at `address`, or undefined if not ours. */
export function nodeIndexOf(address: string): number | undefined {
  const i = cluster.instanceAddresses.indexOf(address);
  return i < 0 ? undefined : i + 1;
}

/** Whether nodes can be killed and restarted (the cluster is a launcher instance). */
export const canKill = cluster.available && cluster.contactPoints.every((p) => nodeIndexOf(splitHostPort(p).host) !== undefined);

/** SIGKILL the node at `address`. */
export async function kill(address: string): Promise<void> {
  const n = nodeIndexOf(address);
  if (n === undefined) throw new Error(`${address} is not a node of launcher instance '${cluster.instance}'`);
  await killNode(cluster.instance, n);
}

/**
 * Start the node at `address` again and wait until it serves CQL, sees the ring, and the nodes
 * that run agree on each other's gossip generation (the logs alone can show a stale UP).
 */
export async function restart(address: string): Promise<void> {
  const n = nodeIndexOf(address);
  if (n === undefined) throw new Error(`${address} is not a node of launcher instance '${cluster.instance}'`);
  await restartNode(cluster.instance, n, { timeoutMs: Number(process.env.CQLWIRE_START_TIMEOUT_MS) || 300_000 });
  const restarted = cluster.contactPoints.filter((p) => splitHostPort(p).host === address);
  await waitGossipAgreement({ contactPoints: cluster.contactPoints, localDataCenter: cluster.localDataCenter }, restarted);
}

/** Unique keyspace name for a test file. */
export function keyspaceName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}`.toLowerCase();
}
