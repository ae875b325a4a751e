// Token-aware routing on three real nodes: the driver's Murmur3 tokens equal the server's
// token(), requests reach the partition's replicas (with RF 1: THE replica), and Cassandra's
// own trace confirms which node holds the data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, compositeKey, murmur3Token } from '../../src/index.js';
import { cluster, keyspaceName } from './env.js';

describe.skipIf(!cluster.available)('token-aware routing on three nodes', () => {
  const ks1 = keyspaceName('rf1');
  const ks3 = keyspaceName('rf3');
  let c: Client;

  beforeAll(async () => {
    c = await Client.connect({ contactPoints: cluster.contactPoints });
    await c.execute(`CREATE KEYSPACE ${ks1} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    await c.execute(`CREATE KEYSPACE ${ks3} WITH replication = {'class': 'NetworkTopologyStrategy', '${cluster.localDataCenter}': 3}`);
    await c.execute(`CREATE TABLE ${ks1}.kv (k int PRIMARY KEY, v text)`);
    await c.execute(`CREATE TABLE ${ks1}.blobs (k blob PRIMARY KEY)`);
    await c.execute(`CREATE TABLE ${ks1}.compound (a text, b int, c bigint, v int, PRIMARY KEY ((a, b, c)))`);
    await c.execute(`CREATE TABLE ${ks3}.kv (k int PRIMARY KEY, v text)`);
  });

  afterAll(async () => {
    for (const ks of [ks1, ks3]) await c?.execute(`DROP KEYSPACE IF EXISTS ${ks}`).catch(() => undefined);
    await c?.close();
  });

  it('Murmur3 tokens equal the server token() for keys of every length (single and compound keys)', async () => {
    const keys: Buffer[] = [];
    for (let n = 1; n <= 64; n++) keys.push(Buffer.from(Array.from({ length: n }, (_, i) => (i * 151 + n * 29 + 0x80) & 0xff)));
    for (const k of keys) await c.execute(`INSERT INTO ${ks1}.blobs (k) VALUES (?)`, [k], { prepare: true });
    const rows = (await c.execute(`SELECT k, token(k) AS t FROM ${ks1}.blobs`, undefined, { fetchSize: 1000 })).rows;
    expect(rows).toHaveLength(keys.length);
    for (const r of rows) expect(murmur3Token(r['k'] as Buffer)).toBe(r['t']);

    for (let i = 0; i < 20; i++) await c.execute(`INSERT INTO ${ks1}.compound (a, b, c, v) VALUES (?, ?, ?, ?)`, [`key-${i}-é`, i * 7919 - 50_000, BigInt(i) * 1_000_000_007n, i], { prepare: true });
    const compound = (await c.execute(`SELECT a, b, c, token(a, b, c) AS t FROM ${ks1}.compound`)).rows;
    expect(compound).toHaveLength(20);
    for (const r of compound) {
      const b = Buffer.alloc(4);
      b.writeInt32BE(r['b'] as number);
      const cc = Buffer.alloc(8);
      cc.writeBigInt64BE(r['c'] as bigint);
      expect(murmur3Token(compositeKey([Buffer.from(r['a'] as string, 'utf8'), b, cc]))).toBe(r['t']);
    }
  });

  it('RF 1: every prepared request is coordinated by the one replica of its partition', async () => {
    const insert = await c.prepare(`INSERT INTO ${ks1}.kv (k, v) VALUES (?, ?)`);
    const select = await c.prepare(`SELECT v FROM ${ks1}.kv WHERE k = ?`);
    expect(insert.pkIndexes).toEqual([0]);
    const coordinators = new Set<string>();
    for (let k = 0; k < 90; k++) {
      const key = Buffer.alloc(4);
      key.writeInt32BE(k);
      const replicas = c.metadata.replicas(ks1, key);
      expect(replicas).toHaveLength(1);
      const w = await c.execute(insert, [k, `v${k}`]);
      expect(w.info.coordinator).toBe(replicas[0]!.id);
      const r = await c.execute(select, { k });
      expect(r.info.coordinator).toBe(replicas[0]!.id);
      expect(r.one()?.['v']).toBe(`v${k}`);
      coordinators.add(w.info.coordinator);
    }
    // Evenly spaced tokens: all three nodes own some of 90 keys.
    expect(coordinators.size).toBe(3);
    // Compound partition keys route too.
    const cins = await c.prepare(`INSERT INTO ${ks1}.compound (a, b, c, v) VALUES (?, ?, ?, ?)`);
    expect(cins.pkIndexes).toEqual([0, 1, 2]);
    for (let i = 0; i < 30; i++) {
      const b = Buffer.alloc(4);
      b.writeInt32BE(i);
      const cc = Buffer.alloc(8);
      cc.writeBigInt64BE(BigInt(-i));
      const replica = c.metadata.replicas(ks1, compositeKey([Buffer.from(`r${i}`), b, cc]))[0]!;
      const w = await c.execute(cins, [`r${i}`, i, BigInt(-i), i]);
      expect(w.info.coordinator).toBe(replica.id);
    }
  });

  it('RF 1: simple statements with a routing key, and batches (by their first prepared statement), go to the replica', async () => {
    const insert = await c.prepare(`INSERT INTO ${ks1}.kv (k, v) VALUES (?, ?)`);
    for (let k = 200; k < 230; k++) {
      const key = Buffer.alloc(4);
      key.writeInt32BE(k);
      const replica = c.metadata.replicas(ks1, key)[0]!;
      const simple = await c.execute(`SELECT v FROM ${ks1}.kv WHERE k = ${k}`, undefined, { routingKey: key, routingKeyspace: ks1 });
      expect(simple.info.coordinator).toBe(replica.id);
      const batch = await c.batch(
        [
          { query: insert, params: [k, 'a'] },
          { query: insert, params: [k, 'b'] },
        ],
        { type: 'unlogged' },
      );
      expect(batch.info.coordinator).toBe(replica.id);
    }
  });

  it('RF 1: Cassandra itself says the data lives on the replica the token map computed (trace of a read sent elsewhere)', async () => {
    const select = await c.prepare(`SELECT v FROM ${ks1}.kv WHERE k = ?`);
    for (const k of [3, 17, 42, 77]) {
      const key = Buffer.alloc(4);
      key.writeInt32BE(k);
      const replica = c.metadata.replicas(ks1, key)[0]!;
      // Coordinate on a node that is not the replica: the trace shows who read the partition.
      const other = c.hosts.find((h) => h !== replica)!;
      const r = await c.execute(select, [k], { host: other.id, trace: true, consistency: 'ONE' });
      expect(r.info.coordinator).toBe(other.id);
      // Each node writes its own trace events, asynchronously: the replica's may land in
      // system_traces after the session row is complete, so read until they are there.
      const readersOf = async (): Promise<string[]> => {
        const trace = await c.getTrace(r.info.traceId!);
        return [...new Set(trace.events.filter((e) => /Executing single-partition query|Read \d+ live rows|Acquiring sstable references/.test(e.activity)).map((e) => e.source))];
      };
      let readers = await readersOf();
      for (let i = 0; i < 50 && readers.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        readers = await readersOf();
      }
      expect(readers).toEqual([replica.address]);
    }
  });

  it('RF 3: a partition has all three nodes as replicas and requests spread over all three', async () => {
    const insert = await c.prepare(`INSERT INTO ${ks3}.kv (k, v) VALUES (?, ?)`);
    const seen = new Map<string, number>();
    for (let k = 0; k < 60; k++) {
      const key = Buffer.alloc(4);
      key.writeInt32BE(k);
      const replicas = c.metadata.replicas(ks3, key);
      expect(replicas.map((h) => h.id).sort()).toEqual([...cluster.contactPoints].sort());
      const w = await c.execute(insert, [k, 'x'], { consistency: 'QUORUM' });
      seen.set(w.info.coordinator, (seen.get(w.info.coordinator) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual([...cluster.contactPoints].sort());
    for (const n of seen.values()) expect(n).toBeGreaterThanOrEqual(10);
  });
});
