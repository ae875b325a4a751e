// Two real data centers (dc1: nodes 1-2, dc2: nodes 3-4): DC-aware load balancing, token-aware
// routing inside the local DC, LOCAL_* consistencies with a whole DC down, remote-DC hosts as the
// policy allows, a wrong local DC rejected at connect, and the local DC detected from the
// contact points. The tests run in order: the later ones kill and restart whole DCs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client,
  CqlwireError,
  DefaultLoadBalancingPolicy,
  ExponentialReconnectionPolicy,
  InvalidArgumentError,
  NoHostAvailableError,
  UnavailableError,
  murmur3Token,
  type ConsistencyLevel,
  type PreparedStatement,
} from '../../src/index.js';
import { addressOf, canKill, dc, idsIn, kill, keyspaceName, restart } from './env.js';

const ci = process.env.CI === 'true' || process.env.CI === '1';
if (ci && !dc.available) throw new Error(`CI=true: the dc suite has no cluster: ${dc.reason}`);
if (ci && !canKill) throw new Error(`CI=true: the dc suite needs launcher instance '${dc.instance}' to own ${dc.contactPoints.join(',')}`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const int32 = (k: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(k);
  return b;
};
// Protocol codes of the consistencies the figures are checked for.
const QUORUM = 0x0004;
const EACH_QUORUM = 0x0007;

/** The error a request ends with, or undefined when it succeeds. */
async function failureOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe.skipIf(!dc.available)('two data centers', () => {
  const ks = keyspaceName('dc22'); // NetworkTopologyStrategy {dc1: 2, dc2: 2}
  const ks11 = keyspaceName('dc11'); // {dc1: 1, dc2: 1}: one replica per DC, for routing
  const dc1 = idsIn('dc1');
  const dc2 = idsIn('dc2');
  const fast = { reconnectionPolicy: new ExponentialReconnectionPolicy(250, 2000), timeoutMs: 10_000 };
  const clients: Client[] = [];
  let c: Client; // localDataCenter 'dc1', no remote hosts
  let insert: PreparedStatement;
  let select: PreparedStatement;

  const connect = async (options: Parameters<typeof Client.connect>[0]): Promise<Client> => {
    const client = await Client.connect({ ...fast, ...options });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    c = await connect({ contactPoints: dc.contactPoints, localDataCenter: 'dc1' });
    await c.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 2, 'dc2': 2}`);
    await c.execute(`CREATE KEYSPACE ${ks11} WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 1, 'dc2': 1}`);
    await c.execute(`CREATE TABLE ${ks}.kv (k int PRIMARY KEY, v text)`);
    await c.execute(`CREATE TABLE ${ks11}.kv (k int PRIMARY KEY, v text)`);
    expect(await c.waitForSchemaAgreement()).toBe(true);
    insert = await c.prepare(`INSERT INTO ${ks}.kv (k, v) VALUES (?, ?)`);
    select = await c.prepare(`SELECT v FROM ${ks}.kv WHERE k = ?`);
  });

  afterAll(async () => {
    if (c) {
      await c.waitForSchemaAgreement().catch(() => undefined);
      for (const k of [ks, ks11]) await c.execute(`DROP KEYSPACE IF EXISTS ${k}`).catch(() => undefined);
    }
    for (const client of clients) await client.close().catch(() => undefined);
  });

  /**
   * Waits until each node, as coordinator, sees all four replicas alive: a read at ALL succeeds
   * (RF 2+2 puts every key on every node). `restart` has waited for the nodes to agree on each
   * other's gossip generation; each node's failure detector may still lag behind that.
   */
  const ringSettled = async (): Promise<void> => {
    const all = [...dc1, ...dc2];
    const settled = async (): Promise<boolean> => {
      for (const id of all) {
        if ((await failureOf(c.execute(select, [0], { consistency: 'ALL', host: id, timeoutMs: 5000 }))) !== undefined) return false;
      }
      return true;
    };
    const t0 = Date.now();
    await expect.poll(settled, { timeout: 120_000, interval: 500 }).toBe(true);
    process.stderr.write(`[dc] every node sees every replica alive ${((Date.now() - t0) / 1000).toFixed(1)} s after the restarts\n`);
  };

  it('discovers the four nodes with their data centers', () => {
    expect(dc1).toHaveLength(2);
    expect(dc2).toHaveLength(2);
    const seen = Object.fromEntries(c.hosts.map((h) => [h.id, h.datacenter]));
    expect(seen).toEqual(Object.fromEntries(dc.contactPoints.map((p, i) => [p, dc.dataCenters[i]])));
    expect(c.metadata.keyspace(ks)?.replication).toMatchObject({ dc1: '2', dc2: '2' });
  });

  it("with localDataCenter 'dc1' every request is coordinated in dc1 (page.info and tracing)", async () => {
    const coordinators = new Map<string, number>();
    const count = (id: string): void => void coordinators.set(id, (coordinators.get(id) ?? 0) + 1);
    for (let k = 0; k < 40; k++) {
      count((await c.execute(insert, [k, `v${k}`], { consistency: 'LOCAL_QUORUM' })).info.coordinator);
      const r = await c.execute(select, [k], { consistency: 'LOCAL_QUORUM' });
      expect(r.one()?.['v']).toBe(`v${k}`);
      count(r.info.coordinator);
      count((await c.execute(`SELECT v FROM ${ks}.kv WHERE k = ${k}`, undefined, { consistency: 'LOCAL_ONE' })).info.coordinator);
    }
    for await (const page of c.stream(`SELECT k FROM ${ks}.kv`, undefined, { fetchSize: 10 }).eachPage()) count(page.info.coordinator);
    expect([...coordinators.keys()].sort()).toEqual([...dc1].sort()); // both dc1 nodes, nothing else
    // Cassandra's own record: the trace session's coordinator, and for a LOCAL_QUORUM read
    // every node that took part, are in dc1.
    const dc1Addresses = dc1.map(addressOf);
    for (let k = 0; k < 6; k++) {
      const r = await c.execute(select, [k], { consistency: 'LOCAL_QUORUM', trace: true });
      expect(dc1).toContain(r.info.coordinator);
      const trace = await c.getTrace(r.info.traceId!);
      expect(trace.coordinator).toBe(addressOf(r.info.coordinator));
      expect(dc1Addresses).toContain(trace.coordinator);
      for (const e of trace.events) expect(dc1Addresses).toContain(e.source);
    }
  });

  it('token-aware routing picks the dc1 replica: token() agrees, and the trace shows the replica reading', async () => {
    const ins = await c.prepare(`INSERT INTO ${ks11}.kv (k, v) VALUES (?, ?)`);
    const sel = await c.prepare(`SELECT v, token(k) AS t FROM ${ks11}.kv WHERE k = ?`);
    const replicasUsed = new Set<string>();
    for (let k = 0; k < 40; k++) {
      const key = int32(k);
      const replicas = c.metadata.replicas(ks11, key);
      // One replica per DC.
      expect(replicas.map((h) => h.datacenter).sort()).toEqual(['dc1', 'dc2']);
      const local = replicas.find((h) => h.datacenter === 'dc1')!;
      const w = await c.execute(ins, [k, `v${k}`], { consistency: 'LOCAL_ONE' });
      expect(w.info.coordinator).toBe(local.id);
      const r = await c.execute(sel, [k], { consistency: 'LOCAL_ONE' });
      expect(r.info.coordinator).toBe(local.id);
      expect(r.one()?.['t']).toBe(murmur3Token(key)); // the server's token() of the key
      replicasUsed.add(local.id);
    }
    expect([...replicasUsed].sort()).toEqual([...dc1].sort()); // evenly spaced tokens: both own keys
    // Sent to the other dc1 node on purpose: Cassandra's trace names the node that read the
    // partition, which must be the dc1 replica the driver computed.
    for (const k of [3, 17, 29]) {
      const local = c.metadata.replicas(ks11, int32(k)).find((h) => h.datacenter === 'dc1')!;
      const other = dc1.find((id) => id !== local.id)!;
      const r = await c.execute(sel, [k], { host: other, consistency: 'LOCAL_ONE', trace: true });
      expect(r.info.coordinator).toBe(other);
      const readersOf = async (): Promise<string[]> => {
        const trace = await c.getTrace(r.info.traceId!);
        return [...new Set(trace.events.filter((e) => /Executing single-partition query|Read \d+ live rows|Acquiring sstable references/.test(e.activity)).map((e) => e.source))];
      };
      let readers = await readersOf();
      for (let i = 0; i < 50 && readers.length === 0; i++) {
        await sleep(200);
        readers = await readersOf();
      }
      expect(readers).toEqual([local.address]);
    }
  });

  it('a localDataCenter no node is in fails connect, naming dc1, dc2', async () => {
    const err = await Client.connect({ contactPoints: dc.contactPoints, localDataCenter: 'dc3' }).then(
      (client) => {
        clients.push(client);
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as Error).message).toContain('dc3');
    expect((err as Error).message).toContain('dc1, dc2');
  });

  it('without localDataCenter, the local DC is the contact points’ data center', async () => {
    for (const [point, local] of [
      [dc2[1]!, dc2],
      [dc1[1]!, dc1],
    ] as const) {
      const client = await connect({ contactPoints: [point] });
      expect(client.hosts.map((h) => h.id).sort()).toEqual([...dc.contactPoints].sort()); // all discovered
      const seen = new Set<string>();
      for (let k = 0; k < 20; k++) {
        seen.add((await client.execute(`SELECT v FROM ${ks}.kv WHERE k = ?`, [k], { prepare: true, consistency: 'LOCAL_ONE' })).info.coordinator);
        seen.add((await client.execute(`SELECT v FROM ${ks}.kv WHERE k = ${k}`, undefined, { consistency: 'LOCAL_ONE' })).info.coordinator);
      }
      expect([...seen].sort()).toEqual([...local].sort());
      await client.close();
    }
  });

  it.skipIf(!canKill)('dc2 down: LOCAL_QUORUM writes and reads succeed; QUORUM and EACH_QUORUM fail with Unavailable and its figures', { timeout: 600_000 }, async () => {
    await kill(...dc2);
    try {
      // Until dc1's failure detectors convict both, a write may time out instead: poll. Each node
      // has its own detector, so ask each dc1 node as coordinator (the requests below may reach
      // either); and ask at QUORUM (3 of 4), which is Unavailable only once both dc2 nodes are
      // seen down (EACH_QUORUM already is when one is).
      const t0 = Date.now();
      for (const coordinator of dc1) {
        await expect
          .poll(async () => (await failureOf(c.execute(insert, [1000, 'x'], { consistency: 'QUORUM', timeoutMs: 5000, host: coordinator }))) instanceof UnavailableError, {
            timeout: 90_000,
            interval: 500,
          })
          .toBe(true);
      }
      process.stderr.write(`[dc] dc2 seen down by dc1 ${((Date.now() - t0) / 1000).toFixed(1)} s after the kills\n`);

      for (let k = 2000; k < 2040; k++) {
        const w = await c.execute(insert, [k, `w${k}`], { consistency: 'LOCAL_QUORUM' });
        expect(dc1).toContain(w.info.coordinator);
        const r = await c.execute(select, [k], { consistency: 'LOCAL_QUORUM' });
        expect(r.one()?.['v']).toBe(`w${k}`);
        expect(dc1).toContain(r.info.coordinator);
      }

      const figures = (e: unknown): object => {
        expect(e, String(e)).toBeInstanceOf(UnavailableError);
        const u = e as UnavailableError;
        expect(CqlwireError.is(u)).toBe(true);
        expect(dc1).toContain(u.host);
        return { consistency: u.consistency, required: u.required, alive: u.alive };
      };
      // RF 2 + 2 = 4: QUORUM needs 3, two are alive.
      const quorumWrite = await failureOf(c.execute(insert, [3000, 'q'], { consistency: 'QUORUM' }));
      expect(figures(quorumWrite)).toEqual({ consistency: QUORUM, required: 3, alive: 2 });
      const quorumRead = await failureOf(c.execute(select, [2000], { consistency: 'QUORUM' }));
      expect(figures(quorumRead)).toEqual({ consistency: QUORUM, required: 3, alive: 2 });
      // EACH_QUORUM: a quorum in every DC; dc2's is 2, none alive.
      const eachWrite = await failureOf(c.execute(insert, [3001, 'e'], { consistency: 'EACH_QUORUM' }));
      expect(figures(eachWrite)).toEqual({ consistency: EACH_QUORUM, required: 2, alive: 0 });
      expect((eachWrite as Error).message).toMatch(/EACH_QUORUM|dc2/);
      const eachRead = await failureOf(c.execute(select, [2000], { consistency: 'EACH_QUORUM' }));
      process.stderr.write(`[dc] EACH_QUORUM read with dc2 down: ${eachRead instanceof Error ? `${eachRead.constructor.name}: ${eachRead.message}` : 'succeeded'}\n`);
      expect(figures(eachRead)).toEqual({ consistency: EACH_QUORUM, required: 2, alive: 0 });
    } finally {
      await restart(...dc2);
    }
    await ringSettled();
    expect(await c.waitForSchemaAgreement()).toBe(true);
    // Back: QUORUM works again (hints or not, every node answers).
    await expect.poll(async () => (await failureOf(c.execute(select, [2000], { consistency: 'QUORUM' }))) === undefined, { timeout: 60_000, interval: 500 }).toBe(true);
  });

  it.skipIf(!canKill)('dc1 down: requests reach dc2 only when the policy allows remote hosts, and come back to dc1 when it returns', { timeout: 600_000 }, async () => {
    const remote = await connect({
      contactPoints: dc.contactPoints,
      loadBalancingPolicy: new DefaultLoadBalancingPolicy({ localDataCenter: 'dc1', usedHostsPerRemoteDc: 2 }),
    });
    // All up: the remote hosts come after the local ones, so dc1 coordinates everything.
    for (let k = 0; k < 20; k++) expect(dc1).toContain((await remote.execute(select, [k], { consistency: 'LOCAL_QUORUM' })).info.coordinator);

    await kill(...dc1);
    try {
      // Not allowed to leave dc1: no host to try.
      await expect.poll(async () => (await failureOf(c.execute(select, [1], { consistency: 'LOCAL_ONE' }))) instanceof NoHostAvailableError, { timeout: 30_000, interval: 200 }).toBe(true);
      const nha = (await failureOf(c.execute(select, [1], { consistency: 'LOCAL_ONE' }))) as NoHostAvailableError;
      expect(nha).toBeInstanceOf(NoHostAvailableError);
      for (const id of nha.errors.keys()) expect(dc1).toContain(id);

      // Allowed: dc2 coordinates. LOCAL_* consistencies are the coordinator's DC, so
      // LOCAL_QUORUM is met by dc2's two replicas; QUORUM (3 of 4) is not.
      await expect.poll(async () => (await failureOf(remote.execute(select, [1], { consistency: 'LOCAL_ONE' }))) === undefined, { timeout: 30_000, interval: 200 }).toBe(true);
      for (let k = 4000; k < 4020; k++) {
        const w = await remote.execute(insert, [k, `r${k}`], { consistency: 'LOCAL_QUORUM' });
        expect(dc2).toContain(w.info.coordinator);
        const r = await remote.execute(select, [k], { consistency: 'LOCAL_QUORUM' });
        expect(r.one()?.['v']).toBe(`r${k}`);
        expect(dc2).toContain(r.info.coordinator);
      }
      // Written in dc1 while all were up, read from dc2.
      expect((await remote.execute(select, [5], { consistency: 'LOCAL_ONE' })).one()?.['v']).toBe('v5');
      // Until dc2's failure detector convicts dc1, QUORUM times out instead: poll.
      let q: unknown;
      await expect
        .poll(async () => (q = await failureOf(remote.execute(select, [5], { consistency: 'QUORUM', timeoutMs: 5000 }))) instanceof UnavailableError, { timeout: 90_000, interval: 500 })
        .toBe(true);
      if (!(q instanceof UnavailableError)) throw new Error(String(q));
      expect(dc2).toContain(q.host);
      expect({ consistency: q.consistency, required: q.required, alive: q.alive }).toEqual({ consistency: QUORUM, required: 3, alive: 2 });
    } finally {
      await restart(...dc1);
    }
    await ringSettled();
    expect(await remote.waitForSchemaAgreement()).toBe(true);
    // dc1 is back: both clients' requests go to dc1 again.
    const dc1Again = async (client: Client): Promise<boolean> => {
      const r = await client.execute(select, [4000], { consistency: 'LOCAL_ONE' }).catch(() => undefined);
      return r !== undefined && dc1.includes(r.info.coordinator);
    };
    await expect.poll(() => dc1Again(remote), { timeout: 60_000, interval: 200 }).toBe(true);
    await expect.poll(() => dc1Again(c), { timeout: 60_000, interval: 200 }).toBe(true);
    for (const client of [remote, c]) {
      const seen = new Set<string>();
      for (let k = 4000; k < 4020; k++) {
        const r = await client.execute(select, [k], { consistency: 'QUORUM' as ConsistencyLevel });
        expect(r.one()?.['v']).toBe(`r${k}`); // written in dc2 while dc1 was down: QUORUM includes a dc2 replica
        seen.add(r.info.coordinator);
      }
      expect([...seen].every((id) => dc1.includes(id))).toBe(true);
    }
  });
});
