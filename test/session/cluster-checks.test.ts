// What the client checks against the cluster it joined: a local data center that no node is
// in fails connect (listing the ones that exist), and a DDL whose wait for schema agreement
// ran out says so on its result. Fake servers: a real cluster cannot be made to disagree on
// its schema for good.
import { describe, expect, it } from 'vitest';
import { Opcode } from '../../protocol/index.js';
import { Client, DefaultLoadBalancingPolicy, InvalidArgumentError } from '../../src/index.js';
import { FakeServer, type FakeReply } from '../../src/testing/index.js';
import { defer, rejectionOf, startServer } from '../connection/helpers.js';

const ddlReply: FakeReply = { response: { opcode: Opcode.RESULT, result: { kind: 'schemaChange', change: 'CREATED', target: 'KEYSPACE', keyspace: 'ks' } } };

describe('local data center', () => {
  it('a local data center that no node is in fails connect with the ones that exist, and leaves nothing open', async () => {
    const server = await startServer({ local: { dataCenter: 'dc-east' } });
    const e = await rejectionOf(Client.connect({ contactPoints: [server.contactPoint], localDataCenter: 'dc-eats', heartbeatIntervalMs: 0 }));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e.message).toContain('"dc-eats"');
    expect(e.message).toContain('dc-east');
    await expect.poll(() => server.openConnections.length).toBe(0);
  });

  it('the same for a load-balancing policy built with a local data center', async () => {
    const server = await startServer({ local: { dataCenter: 'dc-east' } });
    const e = await rejectionOf(Client.connect({ contactPoints: [server.contactPoint], loadBalancingPolicy: new DefaultLoadBalancingPolicy({ localDataCenter: 'west' }), heartbeatIntervalMs: 0 }));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e.message).toContain('dc-east');
  });

  it('the right local data center connects and serves requests', async () => {
    const server = await startServer({ local: { dataCenter: 'dc-east' } });
    const c = await Client.connect({ contactPoints: [server.contactPoint], localDataCenter: 'dc-east', heartbeatIntervalMs: 0 });
    defer(() => c.close());
    expect((await c.execute('SELECT 1')).info.coordinator).toBe(server.contactPoint);
  });
});

describe('schema agreement after DDL', () => {
  it('info.schemaInAgreement is true when every node reports the same schema version', async () => {
    const server = await startServer();
    server.when('CREATE KEYSPACE ks', ddlReply);
    const c = await Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0 });
    defer(() => c.close());
    const page = await c.execute('CREATE KEYSPACE ks');
    expect(page.info.schemaInAgreement).toBe(true);
    expect((await c.execute('SELECT 1')).info.schemaInAgreement).toBe(true);
  });

  it('info.schemaInAgreement is false when a node never agrees; the DDL still resolves after the wait', async () => {
    // Node 1 reports a schema version of its own, in system.local and in node 0's system.peers.
    const [a, b] = await FakeServer.startCluster(2, (i) => (i === 1 ? { local: { schemaVersion: '00000000-0000-0000-0000-0000000000ff' } } : {}));
    defer(() => a!.close());
    defer(() => b!.close());
    for (const s of [a!, b!]) s.when('CREATE TABLE ks.t', ddlReply);
    const c = await Client.connect({ contactPoints: [a!.contactPoint], maxSchemaAgreementWaitMs: 600, heartbeatIntervalMs: 0 });
    defer(() => c.close());
    const started = performance.now();
    const page = await c.execute('CREATE TABLE ks.t', undefined, { host: a!.contactPoint });
    expect(page.info.schemaInAgreement).toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(400);
    expect(await c.waitForSchemaAgreement()).toBe(false);
  });
});
