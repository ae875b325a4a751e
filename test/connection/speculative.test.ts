// Speculative execution against a fake two-node cluster: the first node to receive the request
// stalls; an idempotent request is answered by a second execution on the other node after the
// policy's delay, a non-idempotent one waits for the slow node.
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/client.js';
import { ConstantSpeculativeExecutionPolicy } from '../../src/policies/index.js';
import { FakeServer } from '../../src/testing/index.js';
import { defer } from './helpers.js';

async function slowFirstCluster(query: string): Promise<{ nodes: FakeServer[]; client: Client }> {
  const nodes = await FakeServer.startCluster(2);
  for (const n of nodes) defer(() => n.close());
  // Whichever node gets the first request with this text answers it only after 400 ms.
  let first = true;
  const slowOnce = (): boolean => {
    const hit = first;
    first = false;
    return hit;
  };
  for (const n of nodes) n.addRule({ query, predicate: slowOnce, action: { kind: 'delay', ms: 400 } });
  const client = await Client.connect({
    contactPoints: nodes.map((n) => n.contactPoint),
    controlConnection: false,
    heartbeatIntervalMs: 0,
    speculativeExecutionPolicy: new ConstantSpeculativeExecutionPolicy(50, 1),
  });
  defer(() => client.close());
  return { nodes, client };
}

describe('speculative execution', () => {
  it('an idempotent request is answered by the next node after the delay', async () => {
    const { nodes, client } = await slowFirstCluster('SELECT spec');
    const t0 = performance.now();
    const page = await client.execute('SELECT spec', undefined, { idempotent: true });
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(45);
    expect(ms).toBeLessThan(350);
    const received = nodes.map((n) => n.requests.filter((r) => r.query === 'SELECT spec').length);
    expect(received).toEqual([1, 1]); // both nodes got it: the original and one speculative execution
    expect(nodes.map((n) => n.contactPoint)).toContain(page.info.coordinator);
    expect(client.metrics().session.speculativeExecutions).toBe(1);
    expect(client.metrics().session.completed).toBeGreaterThanOrEqual(1);
  });

  it('a non-idempotent request is never sent twice', async () => {
    const { nodes, client } = await slowFirstCluster('UPDATE spec');
    const t0 = performance.now();
    await client.execute('UPDATE spec');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(390);
    const received = nodes.map((n) => n.requests.filter((r) => r.query === 'UPDATE spec').length);
    expect(received.reduce((a, b) => a + b, 0)).toBe(1);
    expect(client.metrics().session.speculativeExecutions).toBe(0);
  });

  it('fails with the error of the last execution when every one fails', async () => {
    const { nodes, client } = await slowFirstCluster('SELECT nothing');
    for (const n of nodes) n.addRule({ query: 'SELECT boom', action: { kind: 'reply', reply: { response: { opcode: 0, error: { kind: 'generic', code: 0x2200, message: 'bad' } } } } });
    await expect(client.execute('SELECT boom', undefined, { idempotent: true })).rejects.toMatchObject({ code: 'ERR_SERVER_INVALID' });
  });
});
