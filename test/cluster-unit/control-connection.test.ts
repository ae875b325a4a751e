// The control connection against fake nodes: discovery through system.peers_v2 (and the
// system.peers fallback), STATUS_CHANGE events, and moving to another node when its own dies.
import { afterEach, describe, expect, it } from 'vitest';
import { DataTypes, EventType, Opcode } from '../../protocol/index.js';
import { Client, ConstantReconnectionPolicy } from '../../src/index.js';
import { FakeServer, rowsReply } from '../../src/testing/index.js';
import { poolOf } from '../internals.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close().catch(() => undefined);
});

/** The columns of system.peers_v2 as the fake server lists them, for handlers that answer it themselves. */
const PEERS_V2_COLUMNS = [
  { name: 'peer', type: DataTypes.inet },
  { name: 'peer_port', type: DataTypes.int },
  { name: 'data_center', type: DataTypes.text },
  { name: 'host_id', type: DataTypes.uuid },
  { name: 'native_address', type: DataTypes.inet },
  { name: 'native_port', type: DataTypes.int },
  { name: 'rack', type: DataTypes.text },
  { name: 'release_version', type: DataTypes.text },
  { name: 'schema_version', type: DataTypes.uuid },
  { name: 'tokens', type: DataTypes.set(DataTypes.text) },
];

const hostIdOf = (i: number): string => `00000000-0000-4000-8000-00000000000${i}`;
const tokenOf = (i: number): string => String(-4_000_000_000_000_000_000n + BigInt(i) * 3_000_000_000_000_000_000n);

async function cluster(n: number, peersV2 = true): Promise<FakeServer[]> {
  const servers = await FakeServer.startCluster(n, (i) => ({ peersV2, local: { rack: `rack${i % 2}`, dataCenter: 'dcx', hostId: hostIdOf(i), tokens: [tokenOf(i)] } }));
  open.push(...servers);
  return servers;
}

async function connect(servers: FakeServer[], contact = 0): Promise<Client> {
  const c = await Client.connect({ contactPoints: [servers[contact]!.contactPoint], reconnectionPolicy: new ConstantReconnectionPolicy(200) });
  open.push(c);
  // Discovered hosts open their pools in the background: let them finish (a connection that
  // opens marks its host up, whatever an event said before).
  await expect.poll(() => c.hosts.every((h) => poolOf(h).connectionCount > 0), { timeout: 2000, interval: 5 }).toBe(true);
  return c;
}

/** The server connection that REGISTERed (the control connection), if any. */
function registered(s: FakeServer): number | undefined {
  return s.requestsOf(Opcode.REGISTER).at(-1)?.connection;
}

describe('control connection', () => {
  it.each([true, false])('discovers every node from one contact point (peers_v2: %s) with DC, rack, tokens and host id', async (v2) => {
    const servers = await cluster(3, v2);
    if (!v2) {
      // system.peers has no port column: peers are assumed on the client's default port (1
      // here, where nothing listens).
      const c = await Client.connect({ contactPoints: [servers[0]!.contactPoint], port: 1 });
      open.push(c);
      expect(servers[0]!.requests.some((r) => /FROM system\.peers\b/.test(r.query ?? ''))).toBe(true);
      expect(c.hosts.map((h) => h.id).sort()).toEqual([servers[0]!.contactPoint, '127.0.0.1:1'].sort());
      return;
    }
    const c = await connect(servers);
    expect(c.hosts.map((h) => h.id).sort()).toEqual(servers.map((s) => s.contactPoint).sort());
    for (const [i, s] of servers.entries()) {
      const h = c.hosts.find((x) => x.id === s.contactPoint)!;
      expect(h.hostId).toBe(hostIdOf(i));
      expect(h.tokens).toEqual([tokenOf(i)]);
      expect(h.rack).toBe(`rack${i % 2}`);
      expect(h.datacenter).toBe('dcx');
    }
    expect(registered(servers[0]!)).toBeDefined();
    expect(c.metadata.tokenMap?.ring).toHaveLength(3);
  });

  it('STATUS_CHANGE DOWN marks the host down; UP reconnects it', async () => {
    const servers = await cluster(3);
    const c = await connect(servers);
    const control = servers[0]!.connections[registered(servers[0]!)!]!;
    const target = c.hosts.find((h) => h.id === servers[2]!.contactPoint)!;
    const address = { address: servers[2]!.address, port: servers[2]!.port };
    control.sendEvent({ opcode: Opcode.EVENT, event: { type: EventType.STATUS_CHANGE, change: 'DOWN', address } });
    await expect.poll(() => target.isUp, { timeout: 2000, interval: 5 }).toBe(false);
    control.sendEvent({ opcode: Opcode.EVENT, event: { type: EventType.STATUS_CHANGE, change: 'UP', address } });
    await expect.poll(() => target.isUp, { timeout: 2000, interval: 5 }).toBe(true);
  });

  it('moves to another node when the control node goes away, and follows events there', async () => {
    const servers = await cluster(3);
    const c = await connect(servers);
    await servers[0]!.close();
    // Re-registered on one of the others.
    await expect.poll(() => servers.slice(1).some((s) => registered(s) !== undefined), { timeout: 3000, interval: 10 }).toBe(true);
    const next = servers.slice(1).find((s) => registered(s) !== undefined)!;
    const other = servers.find((s) => s !== next && s !== servers[0])!;
    const target = c.hosts.find((h) => h.id === other.contactPoint)!;
    next.connections[registered(next)!]!.sendEvent({
      opcode: Opcode.EVENT,
      event: { type: EventType.STATUS_CHANGE, change: 'DOWN', address: { address: other.address, port: other.port } },
    });
    await expect.poll(() => target.isUp, { timeout: 2000, interval: 5 }).toBe(false);
    expect(c.hosts.find((h) => h.id === servers[0]!.contactPoint)?.isUp).toBe(false);
  });

  it('TOPOLOGY_CHANGE: a node no longer in system.peers is removed, its pool closed, the ring rebuilt', async () => {
    const servers = await cluster(3);
    const c = await connect(servers);
    expect(c.metadata.tokenMap?.ring).toHaveLength(3);
    const gone = servers[2]!;
    // From now on node 0 lists only node 1 as its peer.
    servers[0]!.handler = (req) =>
      /FROM system\.peers_v2/.test(req.query ?? '')
        ? rowsReply(
            PEERS_V2_COLUMNS,
            [[servers[1]!.address, 7000, 'dcx', hostIdOf(1), servers[1]!.address, servers[1]!.port, 'rack1', '5.0.9', '00000000-0000-0000-0000-000000000001', [tokenOf(1)]]],
            { keyspace: 'system', table: 'peers_v2' },
          )
        : undefined;
    servers[0]!.connections[registered(servers[0]!)!]!.sendEvent({
      opcode: Opcode.EVENT,
      event: { type: EventType.TOPOLOGY_CHANGE, change: 'REMOVED_NODE', address: { address: gone.address, port: gone.port } },
    });
    await expect.poll(() => c.hosts.map((h) => h.id).sort(), { timeout: 5000, interval: 20 }).toEqual([servers[0]!.contactPoint, servers[1]!.contactPoint].sort());
    expect(c.metadata.tokenMap?.ring).toEqual([BigInt(tokenOf(0)), BigInt(tokenOf(1))]);
    await expect.poll(() => gone.openConnections.length, { timeout: 2000, interval: 10 }).toBe(0);
  });

  it('a peer row without data_center or host_id (gossip filling it in) neither adds a node nor removes the known one', async () => {
    const servers = await cluster(3);
    const c = await connect(servers, 0);
    const restarting = servers[2]!;
    const stranger = '127.0.0.99';
    const complete = [servers[1]!.address, 7000, 'dcx', hostIdOf(1), servers[1]!.address, servers[1]!.port, 'rack1', '5.0.9', '00000000-0000-0000-0000-000000000001', [tokenOf(1)]];
    let refreshed = 0;
    // Node 0 now lists node 2 with no data center, and an unknown node with no host id.
    servers[0]!.handler = (req) => {
      if (!/FROM system\.peers_v2/.test(req.query ?? '')) return undefined;
      refreshed++;
      return rowsReply(
        PEERS_V2_COLUMNS,
        [complete, [restarting.address, 7000, null, hostIdOf(2), restarting.address, restarting.port, null, null, null, null], [stranger, 7000, 'dcx', null, stranger, 9042, 'rack1', '5.0.9', null, null]],
        { keyspace: 'system', table: 'peers_v2' },
      );
    };
    servers[0]!.connections[registered(servers[0]!)!]!.sendEvent({
      opcode: Opcode.EVENT,
      event: { type: EventType.TOPOLOGY_CHANGE, change: 'MOVED_NODE', address: { address: restarting.address, port: restarting.port } },
    });
    await expect.poll(() => refreshed, { timeout: 5000, interval: 20 }).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 50));
    // Node 2 is still known with what was known of it; the stranger was not added.
    expect(c.hosts.map((h) => h.id).sort()).toEqual(servers.map((s) => s.contactPoint).sort());
    const host2 = c.hosts.find((h) => h.id === restarting.contactPoint)!;
    expect({ dc: host2.datacenter, hostId: host2.hostId, up: host2.isUp }).toEqual({ dc: 'dcx', hostId: hostIdOf(2), up: true });
    expect(c.metadata.tokenMap?.ring).toHaveLength(3);
  });

  it('TOPOLOGY_CHANGE NEW_NODE: refreshes again until system.peers lists the new node', async () => {
    const servers = await cluster(3);
    const newcomer = servers[2]!;
    const peerRow = (i: number, s: FakeServer): unknown[] => [s.address, 7000, 'dcx', hostIdOf(i), s.address, s.port, 'rack1', '5.0.9', '00000000-0000-0000-0000-000000000001', [tokenOf(i)]];
    let listed = false;
    servers[0]!.handler = (req) =>
      /FROM system\.peers_v2/.test(req.query ?? '')
        ? rowsReply(
            PEERS_V2_COLUMNS,
            listed ? [peerRow(1, servers[1]!), peerRow(2, newcomer)] : [peerRow(1, servers[1]!)],
            { keyspace: 'system', table: 'peers_v2' },
          )
        : undefined;
    const c = await connect(servers);
    expect(c.hosts).toHaveLength(2);
    servers[0]!.connections[registered(servers[0]!)!]!.sendEvent({
      opcode: Opcode.EVENT,
      event: { type: EventType.TOPOLOGY_CHANGE, change: 'NEW_NODE', address: { address: newcomer.address, port: newcomer.port } },
    });
    // The first refresh (after ~1 s) does not find it yet; it shows up in system.peers later.
    await new Promise((r) => setTimeout(r, 1300));
    expect(c.hosts).toHaveLength(2);
    listed = true;
    await expect.poll(() => c.hosts.map((h) => h.id).sort(), { timeout: 3000, interval: 20 }).toEqual(servers.map((s) => s.contactPoint).sort());
    expect(c.metadata.tokenMap?.ring).toHaveLength(3);
  });

  it('discovered nodes of another data center get no pool (the default policy ignores them)', async () => {
    const servers = await FakeServer.startCluster(3, (i) => ({ local: { dataCenter: i === 2 ? 'far' : 'near' } }));
    open.push(...servers);
    const c = await Client.connect({ contactPoints: [servers[0]!.contactPoint] });
    open.push(c);
    expect(c.hosts).toHaveLength(3);
    await expect.poll(() => servers[1]!.connections.length, { timeout: 2000, interval: 5 }).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(servers[2]!.connections).toHaveLength(0);
    expect(c.hosts.find((h) => h.id === servers[2]!.contactPoint)?.datacenter).toBe('far');
  });

  it('controlConnection: false keeps the client on its contact points without REGISTER', async () => {
    const servers = await cluster(2);
    const c = await Client.connect({ contactPoints: [servers[0]!.contactPoint], controlConnection: false });
    open.push(c);
    expect(c.hosts).toHaveLength(1);
    expect(servers[0]!.requestsOf(Opcode.REGISTER)).toHaveLength(0);
  });
});
