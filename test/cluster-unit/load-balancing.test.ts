// Query plans of the default load-balancing policy: token-aware over DC-aware round robin,
// local DC given or detected, allow-list, down hosts skipped.
import { afterEach, describe, expect, it } from 'vitest';
import { HostPool, type HostPoolOptions } from '../../src/cluster/host-pool.js';
import type { Host } from '../../src/policies/index.js';
import { DefaultLoadBalancingPolicy, type HostRegistry } from '../../src/policies/index.js';

const pool: HostPoolOptions = {
  connectionsPerHost: 1,
  connection: {},
  keyspace: () => undefined,
  reconnectionPolicy: { newSchedule: () => ({ next: () => 1e9 }) },
};
const made: HostPool[] = [];
function host(last: number, datacenter: string): HostPool {
  const h = new HostPool(`10.0.0.${last}`, 9042, pool);
  h.datacenter = datacenter;
  made.push(h);
  return h;
}
const ids = (it: Iterable<Host>): string[] => [...it].map((h) => h.address);

afterEach(() => {
  for (const h of made.splice(0)) h.destroy();
});

describe('DefaultLoadBalancingPolicy', () => {
  it('round robin over the local DC only; remote DCs only with usedHostsPerRemoteDc', () => {
    const hs = [host(1, 'dc1'), host(2, 'dc2'), host(3, 'dc1'), host(4, 'dc1'), host(5, 'dc2')];
    const p = new DefaultLoadBalancingPolicy({ localDataCenter: 'dc1' });
    p.init({ all: () => hs });
    const plans = [ids(p.newQueryPlan({})), ids(p.newQueryPlan({})), ids(p.newQueryPlan({}))];
    for (const plan of plans) expect([...plan].sort()).toEqual(['10.0.0.1', '10.0.0.3', '10.0.0.4']);
    // Each plan starts with a different host.
    expect(new Set(plans.map((x) => x[0])).size).toBe(3);
    const withRemote = new DefaultLoadBalancingPolicy({ localDataCenter: 'dc1', usedHostsPerRemoteDc: 1 });
    withRemote.init({ all: () => hs });
    const plan = ids(withRemote.newQueryPlan({}));
    expect(plan).toHaveLength(4);
    expect(plan.slice(0, 3).sort()).toEqual(['10.0.0.1', '10.0.0.3', '10.0.0.4']);
    expect(plan[3]).toBe('10.0.0.2');
  });

  it('detects the local DC from the registry (the contact points) when not given', () => {
    const hs = [host(1, 'dc2'), host(2, 'dc1'), host(3, 'dc2')];
    const p = new DefaultLoadBalancingPolicy();
    p.init({ all: () => hs, localDataCenter: () => 'dc2' });
    expect(ids(p.newQueryPlan({})).sort()).toEqual(['10.0.0.1', '10.0.0.3']);
    expect(p.localDataCenter).toBe('dc2');
  });

  it('puts the local replicas of the routing key first, rotating among them, then the other local hosts', () => {
    const hs = [host(1, 'dc1'), host(2, 'dc1'), host(3, 'dc1'), host(4, 'dc1'), host(5, 'dc2')];
    const registry: HostRegistry = { all: () => hs, replicas: () => [hs[1]!, hs[4]!, hs[3]!] };
    const p = new DefaultLoadBalancingPolicy({ localDataCenter: 'dc1' });
    p.init(registry);
    const routing = { keyspace: 'ks', routingKey: Buffer.from([1]) };
    const firsts = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const plan = ids(p.newQueryPlan(routing));
      // dc2 replica 10.0.0.5 is not local: not in the plan.
      expect(plan.slice(0, 2).sort()).toEqual(['10.0.0.2', '10.0.0.4']);
      expect(plan.slice(2).sort()).toEqual(['10.0.0.1', '10.0.0.3']);
      firsts.add(plan[0]!);
    }
    expect(firsts.size).toBe(2);
    // Without a routing key, or token awareness off: plain round robin.
    const plain = new DefaultLoadBalancingPolicy({ localDataCenter: 'dc1', tokenAware: false });
    plain.init(registry);
    const starts = new Set<string>();
    for (let i = 0; i < 4; i++) starts.add(ids(plain.newQueryPlan(routing))[0]!);
    expect(starts.size).toBe(4);
  });

  it('skips hosts that are down and hosts outside the allow-list', () => {
    const hs = [host(1, 'dc1'), host(2, 'dc1'), host(3, 'dc1')];
    hs[1]!.markDown(new Error('down'));
    const p = new DefaultLoadBalancingPolicy({ localDataCenter: 'dc1' });
    p.init({ all: () => hs, replicas: () => [hs[1]!] });
    expect(ids(p.newQueryPlan({ keyspace: 'ks', routingKey: Buffer.from([1]) })).sort()).toEqual(['10.0.0.1', '10.0.0.3']);
    const allow = new DefaultLoadBalancingPolicy({ allowList: ['10.0.0.3:9042'] });
    allow.init({ all: () => hs });
    expect(ids(allow.newQueryPlan({}))).toEqual(['10.0.0.3']);
    expect(allow.distance(hs[0]!)).toBe('ignored');
  });
});
