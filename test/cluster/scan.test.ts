// scan on three real nodes with a node killed mid-scan (SIGKILL): the pages of splits read from
// the dead node are read again from another replica, and every row still arrives exactly once.
import { afterAll, describe, expect, it } from 'vitest';
import { Client, ExponentialReconnectionPolicy } from '../../src/index.js';
import { addressOf, canKill, cluster, keyspaceName, kill, restart } from './env.js';

const ROWS = 60_000;

describe.skipIf(!cluster.available || !canKill)('scan on three nodes, a node killed mid-scan', () => {
  const ks = keyspaceName('scan');
  let client: Client | undefined;
  let killed: string | undefined;

  afterAll(async () => {
    if (killed !== undefined) await restart(killed);
    if (client) {
      await client.execute(`DROP KEYSPACE IF EXISTS ${ks}`, null, { timeoutMs: 60_000 }).catch(() => undefined);
      await client.close();
    }
  }, 420_000);

  it('retries the splits of the dead node on another replica; every row exactly once', { timeout: 420_000 }, async () => {
    client = await Client.connect({ contactPoints: cluster.contactPoints, reconnectionPolicy: new ExponentialReconnectionPolicy(250, 2000), timeoutMs: 8000 });
    await client.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'NetworkTopologyStrategy', '${cluster.localDataCenter}': 3}`, null, { timeoutMs: 60_000 });
    await client.execute(`CREATE TABLE ${ks}.t (id int PRIMARY KEY, v int)`, null, { timeoutMs: 60_000 });
    const load = await client.executeConcurrent(`INSERT INTO ${ks}.t (id, v) VALUES (?, ?)`, (function* () {
      for (let id = 0; id < ROWS; id++) yield [id, id * 7];
    })(), { concurrency: 128, consistency: 'ALL', idempotent: true });
    expect(load.failed).toBe(0);

    const seen = new Uint8Array(ROWS);
    const scan = client.scan<{ id: number; v: number }>(ks, 't', { consistency: 'ONE', parallelism: 6, splitsPerHost: 8, fetchSize: 200, timeoutMs: 4000 });
    let n = 0;
    let killing: Promise<void> | undefined;
    for await (const row of scan) {
      seen[row.id]!++;
      expect(row.v).toBe(row.id * 7);
      if (++n === ROWS / 4) {
        killed = addressOf(1);
        // Not awaited: the scan goes on while the node dies, with pages in flight on it.
        killing = kill(killed);
      }
      // A slow consumer, so that the scan is still running when the node is gone.
      if (n % 500 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await killing;
    expect(n).toBe(ROWS);
    expect(seen.findIndex((x) => x !== 1)).toBe(-1);
    expect(scan.splits.done).toBe(scan.splits.total);
    // The dead node's pages were read elsewhere (retries counts those tried again).
    console.log(`scan with a node killed: ${scan.splits.total} splits, ${scan.retries} pages retried on another replica`);
  });
});
