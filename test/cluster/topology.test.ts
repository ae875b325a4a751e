// Discovery, schema metadata and schema agreement on three real nodes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import { cluster, keyspaceName } from './env.js';

describe.skipIf(!cluster.available)('topology and metadata on three nodes', () => {
  const ks = keyspaceName('topo');
  let a: Client;
  let b: Client;

  beforeAll(async () => {
    // One contact point each: the others are discovered through system.peers_v2.
    a = await Client.connect({ contactPoints: [cluster.contactPoints[0]!] });
    b = await Client.connect({ contactPoints: [cluster.contactPoints[1]!] });
  });

  afterAll(async () => {
    await a?.execute(`DROP KEYSPACE IF EXISTS ${ks}`).catch(() => undefined);
    await a?.close();
    await b?.close();
  });

  it('discovers every node with its data center, rack, tokens, host id and version', () => {
    const ids = a.hosts.map((h) => h.id).sort();
    expect(ids).toEqual([...cluster.contactPoints].sort());
    for (const h of a.hosts) {
      expect(h.datacenter).toBe(cluster.localDataCenter);
      expect(h.rack).toBeTypeOf('string');
      expect(h.tokens.length).toBeGreaterThan(0);
      expect(h.hostId).toMatch(/^[0-9a-f-]{36}$/);
      expect(h.releaseVersion).toMatch(/^\d+\.\d+/);
    }
    // Host ids are unique and both clients see the same ring.
    expect(new Set(a.hosts.map((h) => h.hostId)).size).toBe(3);
    const ring = (c: Client): string[] => c.hosts.map((h) => `${h.id}=${h.tokens.join(',')}`).sort();
    expect(ring(b)).toEqual(ring(a));
    expect(a.metadata.clusterName).toBeTypeOf('string');
    expect(a.metadata.partitioner).toMatch(/Murmur3Partitioner$/);
    expect(a.metadata.tokenMap?.ring.length).toBe(a.hosts.reduce((n, h) => n + h.tokens.length, 0));
  });

  it('reads system keyspaces with their replication', () => {
    const schema = a.metadata.keyspace('system_schema');
    expect(schema?.replication['class']).toMatch(/LocalStrategy$/);
    expect(a.metadata.table('system_schema', 'columns')?.partitionKey.map((c) => c.name)).toEqual(['keyspace_name']);
  });

  it('DDL through one client is in its metadata when the statement resolves (after schema agreement), and reaches the other client by event', async () => {
    await a.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'NetworkTopologyStrategy', '${cluster.localDataCenter}': 3}`);
    expect(a.metadata.keyspace(ks)?.replication).toMatchObject({ [cluster.localDataCenter]: '3' });
    await a.execute(`CREATE TYPE ${ks}.address (street text, zip int)`);
    await a.execute(`CREATE TABLE ${ks}.events (tenant text, day date, seq int, at timestamp, body text, home frozen<address>, PRIMARY KEY ((tenant, day), seq, at)) WITH CLUSTERING ORDER BY (seq DESC, at ASC)`);
    await a.execute(`CREATE INDEX events_body ON ${ks}.events (body)`);
    expect(await a.waitForSchemaAgreement()).toBe(true);

    const t = a.metadata.table(ks, 'events');
    expect(t).toBeDefined();
    expect(t!.partitionKey.map((c) => [c.name, c.type])).toEqual([
      ['tenant', 'text'],
      ['day', 'date'],
    ]);
    expect(t!.clusteringKey.map((c) => [c.name, c.clusteringOrder])).toEqual([
      ['seq', 'desc'],
      ['at', 'asc'],
    ]);
    expect(t!.columns.get('home')?.type).toBe('frozen<address>');
    expect(t!.columns.get('body')?.kind).toBe('regular');
    expect([...t!.indexes.keys()]).toEqual(['events_body']);
    expect(t!.indexes.get('events_body')?.options['target']).toBe('body');
    expect(a.metadata.keyspace(ks)?.userTypes.get('address')?.fields).toEqual([
      { name: 'street', type: 'text' },
      { name: 'zip', type: 'int' },
    ]);

    // The other client learns it from SCHEMA_CHANGE events on its own control connection.
    await expect.poll(() => b.metadata.table(ks, 'events')?.indexes.size, { timeout: 10_000, interval: 100 }).toBe(1);

    await a.execute(`ALTER TABLE ${ks}.events ADD extra int`);
    expect(a.metadata.table(ks, 'events')?.columns.get('extra')?.type).toBe('int');
    await a.execute(`DROP TABLE ${ks}.events`);
    expect(a.metadata.table(ks, 'events')).toBeUndefined();
    await expect.poll(() => b.metadata.table(ks, 'events'), { timeout: 10_000, interval: 100 }).toBeUndefined();
  });
});
