// What the dc tests need: the nodes of a two-DC cluster (dc1: nodes 1-2, dc2: nodes 3-4), their
// data centers, and how to kill/restart a node.
import { inject } from 'vitest';
import { killNode, restartNode } from '../cassandra/launcher.js';
import { splitHostPort } from '../cassandra/contact-points.js';
import { waitGossipAgreement } from '../cassandra/gossip.js';

export interface DcTestEnv {
  /** False when no cluster could be started (never with CI=true). */
  available: boolean;
  /** Why the cluster is unavailable. */
  reason: string;
  /** 'host:port' of each node, dc1's first. */
  contactPoints: string[];
  /** Data center of each node, in the order of contactPoints. */
  dataCenters: string[];
  /** Launcher instance the nodes belong to (for kill/restart). */
  instance: string;
  /** Addresses of the launcher instance's nodes, node 1 first (empty if not a launcher instance). */
  instanceAddresses: string[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    cqlwireDc: DcTestEnv;
  }
}

export const dc: DcTestEnv = inject('cqlwireDc');

/** 'host:port' ids of the nodes in data center `name`. */
export function idsIn(name: string): string[] {
  return dc.contactPoints.filter((_, i) => dc.dataCenters[i] === name);
}

/** Address ('a.b.c.d') of a 'host:port' id. */
export const addressOf = (id: string): string => splitHostPort(id).host;

/** Launcher node index (1-based) of the node with this id, or undefined if not ours. */
export function nodeIndexOf(id: string): number | undefined {
  const i = dc.instanceAddresses.indexOf(addressOf(id));
  return i < 0 ? undefined : i + 1;
}

/** Whether nodes can be killed and restarted (the cluster is a launcher instance). */
export const canKill = dc.available && dc.contactPoints.every((p) => nodeIndexOf(p) !== undefined);

/** SIGKILL these nodes. */
export async function kill(...ids: string[]): Promise<void> {
  for (const id of ids) await killNode(dc.instance, index(id));
}

/**
 * Start these nodes again, one after the other; each waits until it serves CQL, sees the nodes
 * that are up, and those agree on each other's gossip generation (the logs alone can show a
 * stale UP).
 */
export async function restart(...ids: string[]): Promise<void> {
  for (const id of ids) {
    await restartNode(dc.instance, index(id), { timeoutMs: Number(process.env.CQLWIRE_START_TIMEOUT_MS) || 300_000 });
    await waitGossipAgreement({ contactPoints: dc.contactPoints, localDataCenter: dc.dataCenters[dc.contactPoints.indexOf(id)]! }, [id]);
  }
}

function index(id: string): number {
  const n = nodeIndexOf(id);
  if (n === undefined) throw new Error(`${id} is not a node of launcher instance '${dc.instance}'`);
  return n;
}

/** Unique keyspace name for a test file. */
export function keyspaceName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}`.toLowerCase();
}
