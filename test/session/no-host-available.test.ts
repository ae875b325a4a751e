// A request that finds no host to try says why the hosts it could have used are down, and only
// those: a remote data center the policy may not use is not part of the explanation.
import { describe, expect, it } from 'vitest';
import { Client, ConstantReconnectionPolicy, NoHostAvailableError } from '../../src/index.js';
import { FakeServer } from '../../src/testing/index.js';
import { defer } from '../connection/helpers.js';

describe('NoHostAvailableError when every usable host is down', () => {
  it('names the local hosts that are down, not the down hosts of an ignored remote data center', async () => {
    const servers = await FakeServer.startCluster(3, (i) => ({ local: { dataCenter: i < 2 ? 'dc1' : 'dc2' } }));
    for (const s of servers) defer(() => s.close());
    // Every node a contact point, so the dc2 node has a pool that can fail.
    const client = await Client.connect({
      contactPoints: servers.map((s) => s.contactPoint),
      localDataCenter: 'dc1',
      heartbeatIntervalMs: 0,
      reconnectionPolicy: new ConstantReconnectionPolicy(60_000),
    });
    defer(() => client.close());
    const [a, b, remote] = servers.map((s) => s.contactPoint) as [string, string, string];
    const host = (id: string) => client.hosts.find((h) => h.id === id);
    await expect.poll(() => client.hosts.length).toBe(3);
    await expect.poll(() => host(remote)?.isUp).toBe(true);

    await servers[2]!.close();
    await expect.poll(() => host(remote)?.isUp).toBe(false);
    await servers[0]!.close();
    await servers[1]!.close();
    await expect.poll(() => host(a)?.isUp === false && host(b)?.isUp === false).toBe(true);

    const e = await client.execute('SELECT 1').then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(NoHostAvailableError);
    expect([...(e as NoHostAvailableError).errors.keys()].sort()).toEqual([a, b].sort());
  });
});
