// After a restart the launcher's ring check (every log shows the others UP) can pass on a stale
// view: a node restarted just before another may hold the other's previous gossip generation,
// see that UP, then learn the new generation and treat the node as down for a moment (a
// LOCAL_QUORUM read in the two-DC suite failed with Unavailable in that moment). These helpers
// ask each node, through the driver, which generation it holds for every other.
import { Client, type ClientOptions } from '../../src/index.js';
import { splitHostPort } from './contact-points.js';

/**
 * Whether the nodes that answer agree: each holds for every other answering node the generation
 * that node reports for itself. Nodes in `mustAnswer` ('host:port') must be among them; nodes
 * that do not answer (killed) are left out.
 */
export async function gossipAgrees(client: Client, ids: readonly string[], mustAnswer: readonly string[] = []): Promise<boolean> {
  const views = new Map<string, Map<string, number>>();
  for (const id of ids) {
    const rows = await client.execute('SELECT address, generation FROM system_views.gossip_info', undefined, { host: id, timeoutMs: 5000 }).catch(() => undefined);
    if (rows !== undefined) views.set(splitHostPort(id).host, new Map(rows.rows.map((r) => [String(r['address']), Number(r['generation'])])));
  }
  if (views.size === 0 || mustAnswer.some((id) => !views.has(splitHostPort(id).host))) return false;
  for (const [address, own] of views) {
    const generation = own.get(address);
    if (generation === undefined) return false;
    for (const view of views.values()) if (view.get(address) !== generation) return false;
  }
  return true;
}

/**
 * Waits until {@link gossipAgrees} over `contactPoints`, with `restarted` among the nodes that
 * answer; throws after `timeoutMs`.
 */
export async function waitGossipAgreement(options: ClientOptions, restarted: readonly string[], timeoutMs = 120_000): Promise<void> {
  const client = await Client.connect({ ...options, timeoutMs: 5000 });
  try {
    const deadline = Date.now() + timeoutMs;
    while (!(await gossipAgrees(client, options.contactPoints, restarted))) {
      if (Date.now() > deadline) throw new Error(`the nodes' gossip did not agree within ${Math.round(timeoutMs / 1000)} s after restarting ${restarted.join(', ')}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await client.close();
  }
}
