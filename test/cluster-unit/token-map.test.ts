// Replica sets on a synthetic ring, as Cassandra's SimpleStrategy and NetworkTopologyStrategy
// place them.
import { describe, expect, it } from 'vitest';
import { TokenMap, type RingNode } from '../../src/cluster/token-map.js';

interface N extends RingNode {
  name: string;
}
const node = (name: string, datacenter: string, rack: string, ...tokens: number[]): N => ({ name, datacenter, rack, tokens: tokens.map(String) });
const names = (ns: readonly N[]): string[] => ns.map((n) => n.name);

describe('TokenMap', () => {
  const a = node('a', 'dc1', 'r1', -300, 100);
  const b = node('b', 'dc1', 'r1', -200, 200);
  const c = node('c', 'dc1', 'r2', -100, 300);
  const x = node('x', 'dc2', 'r1', -250, 150);
  const y = node('y', 'dc2', 'r2', -150, 250);

  it('the primary owner of a token is the node of the first ring token at or after it, wrapping', () => {
    const m = new TokenMap([a, b, c]);
    expect(m.ring).toEqual([-300n, -200n, -100n, 100n, 200n, 300n]);
    expect(m.owners[m.primaryIndex(-300n)]).toBe(a);
    expect(m.owners[m.primaryIndex(-299n)]).toBe(b);
    expect(m.owners[m.primaryIndex(0n)]).toBe(a);
    expect(m.owners[m.primaryIndex(300n)]).toBe(c);
    expect(m.owners[m.primaryIndex(301n)]).toBe(a); // wraps
  });

  it('SimpleStrategy: the next distinct nodes along the ring', () => {
    const m = new TokenMap([a, b, c]);
    const simple = (rf: number) => ({ class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: String(rf) });
    expect(names(m.replicas(simple(1), -250n))).toEqual(['b']);
    expect(names(m.replicas(simple(2), -250n))).toEqual(['b', 'c']);
    expect(names(m.replicas(simple(3), 250n))).toEqual(['c', 'a', 'b']);
    expect(names(m.replicas(simple(5), 250n))).toEqual(['c', 'a', 'b']); // capped by node count
    expect(names(m.replicas({ class: 'SimpleStrategy', replication_factor: '2' }, 301n))).toEqual(['a', 'b']);
  });

  it('NetworkTopologyStrategy: per data center, distinct racks first, then the nodes passed over', () => {
    const m = new TokenMap([a, b, c, x, y]);
    const nts = { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '2', dc2: '1' };
    // From -300: a(dc1 r1) x(dc2) b(dc1 r1: rack used, skipped) y c(dc1 r2)
    expect(names(m.replicas(nts, -300n))).toEqual(['a', 'x', 'c']);
    // RF 3 in dc1 with two racks: a, c (new rack), then b (passed over).
    expect(names(m.replicas({ class: 'NetworkTopologyStrategy', dc1: '3' }, -300n))).toEqual(['a', 'c', 'b']);
    // A DC absent from the options gets nothing; RF above the DC size is capped.
    expect(names(m.replicas({ class: 'NetworkTopologyStrategy', dc2: '5' }, 0n))).toEqual(['x', 'y']);
    // Transient replication "3/1": three replicas.
    expect(m.replicas({ class: 'NetworkTopologyStrategy', dc1: '3/1' }, 0n)).toHaveLength(3);
  });

  it('LocalStrategy and unknown strategies have no replicas; EverywhereStrategy has all', () => {
    const m = new TokenMap([a, b, c]);
    expect(m.replicas({ class: 'org.apache.cassandra.locator.LocalStrategy' }, 0n)).toEqual([]);
    expect(m.replicas({ class: 'com.example.Custom' }, 0n)).toEqual([]);
    expect(names(m.replicas({ class: 'org.apache.cassandra.locator.EverywhereStrategy' }, 0n)).sort()).toEqual(['a', 'b', 'c']);
    expect(new TokenMap([]).replicas({ class: 'SimpleStrategy', replication_factor: '1' }, 0n)).toEqual([]);
  });

  it('caches replica sets per replication object and ring position', () => {
    const m = new TokenMap([a, b, c]);
    const r = { class: 'SimpleStrategy', replication_factor: '2' };
    expect(m.replicas(r, -250n)).toBe(m.replicas(r, -210n)); // same range, same array
    expect(m.replicas(r, -250n)).not.toBe(m.replicas(r, -150n));
  });
});
