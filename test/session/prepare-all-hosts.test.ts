// Prepared statements reach every node: prepare() prepares on the other up nodes of the local
// data center in the background, and a node that comes back up gets the cached statements.
import { describe, expect, it } from 'vitest';
import { DataTypes, Opcode } from '../../protocol/index.js';
import { Client, ConstantReconnectionPolicy, type ClientOptions } from '../../src/index.js';
import { FakeServer } from '../../src/testing/index.js';
import { defer } from '../connection/helpers.js';

const Q = 'SELECT v FROM t WHERE k = ?';

async function cluster(n: number, dataCenters: readonly string[] = []): Promise<FakeServer[]> {
  const servers = await FakeServer.startCluster(n, (i) => ({ local: { dataCenter: dataCenters[i] ?? 'datacenter1' } }));
  for (const s of servers) {
    defer(() => s.close());
    s.statement(Q, { variables: [{ name: 'k', type: DataTypes.int }], columns: [{ name: 'v', type: DataTypes.text }] });
  }
  return servers;
}

async function connect(servers: readonly FakeServer[], options: Partial<ClientOptions> = {}): Promise<Client> {
  const c = await Client.connect({ contactPoints: [servers[0]!.contactPoint], heartbeatIntervalMs: 0, reconnectionPolicy: new ConstantReconnectionPolicy(20), ...options });
  defer(() => c.close());
  // Every discovered node's pool is open.
  await expect.poll(() => c.hosts.length === servers.length && c.hosts.every((h) => h.isUp)).toBe(true);
  return c;
}

const prepares = (s: FakeServer): number => s.requestsOf(Opcode.PREPARE).filter((r) => r.query === Q).length;

describe('prepare on all hosts', () => {
  it('prepare() prepares on every other up node of the local DC in the background; not on a remote DC', async () => {
    const servers = await cluster(4, ['dc1', 'dc1', 'dc1', 'dc2']);
    const c = await connect(servers.slice(0, 4), { localDataCenter: 'dc1' });
    const ps = await c.prepare(Q);
    await expect.poll(() => servers.slice(0, 3).map(prepares)).toEqual([1, 1, 1]);
    expect(prepares(servers[3]!)).toBe(0);
    // Executing on any local node needs no UNPREPARED round trip.
    for (const s of servers.slice(0, 3)) await c.execute(ps, [1], { host: s.contactPoint });
    expect(servers.slice(0, 3).map(prepares)).toEqual([1, 1, 1]);
  });

  it('prepareOnAllHosts: false prepares on one node only', async () => {
    const servers = await cluster(3);
    const c = await connect(servers, { prepareOnAllHosts: false });
    await c.prepare(Q);
    await new Promise((r) => setTimeout(r, 100));
    expect(servers.map(prepares).reduce((a, b) => a + b)).toBe(1);
  });
});

describe('re-prepare on up', () => {
  it('a node that went down and came back gets the cached statements prepared again', async () => {
    const servers = await cluster(2);
    const c = await connect(servers, { prepareOnAllHosts: false });
    await c.prepare(Q);
    const b = servers[1]!;
    const before = prepares(b);
    // Node b drops its connections (the host goes down), forgets what was prepared, and accepts again.
    b.forgetPrepared();
    for (const conn of b.openConnections) conn.socket.destroy();
    await expect.poll(() => prepares(b), { timeout: 5000 }).toBe(before + 1);
    expect(c.hosts.find((h) => h.id === b.contactPoint)?.isUp).toBe(true);
  });

  it('reprepareOnUp: false leaves it to the first use', async () => {
    const servers = await cluster(2);
    const c = await connect(servers, { prepareOnAllHosts: false, reprepareOnUp: false });
    await c.prepare(Q);
    const b = servers[1]!;
    const before = prepares(b);
    for (const conn of b.openConnections) conn.socket.destroy();
    await expect.poll(() => c.hosts.find((h) => h.id === b.contactPoint)?.isUp, { timeout: 5000 }).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(prepares(b)).toBe(before);
  });
});
