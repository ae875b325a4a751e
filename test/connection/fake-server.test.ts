import { describe, expect, it } from 'vitest';
import { DataTypes, ErrorCode, EventType, Opcode, decodeRows, lz4Compressor, type Response } from '../../protocol/index.js';
import { Client } from '../../src/client.js';
import { FakeServer, errorInfo, errorReply, pagedReply, rowsReply } from '../../src/testing/index.js';
import { ConstantReconnectionPolicy } from '../../src/policies/index.js';
import { connect, defer, query, rejectionOf, startServer } from './helpers.js';

describe('fake server behaviour drivers rely on', () => {
  it.each([
    [5, null],
    [5, lz4Compressor],
    [4, null],
    [4, lz4Compressor],
  ] as const)('carries a 1 MiB result on v%i (compressor %#) intact', async (version, compressor) => {
    const server = await startServer();
    const blob = Buffer.alloc(1 << 20);
    for (let i = 0; i < blob.length; i++) blob[i] = (i * 31) & 0xff;
    server.when('SELECT big', rowsReply([{ name: 'b', type: DataTypes.blob }], [[blob], [Buffer.from('x')]]));
    const conn = await connect(server, { protocolVersion: version, compressor });
    const r = await conn.send(query('SELECT big'));
    const m = r.message;
    if (m.opcode !== Opcode.RESULT || m.result.kind !== 'rows') throw new Error('expected rows');
    const rows = decodeRows(m.result, m.result.metadata.columns!);
    expect(rows).toHaveLength(2);
    expect(Buffer.compare(rows[0]!['b'] as Buffer, blob)).toBe(0);
  });

  it('delivers server events after REGISTER to onEvent', async () => {
    const server = await startServer();
    const events: Response[] = [];
    const conn = await connect(server, { onEvent: (e) => events.push(e) });
    const ready = await conn.send({ opcode: Opcode.REGISTER, events: [EventType.STATUS_CHANGE] });
    expect(ready.message.opcode).toBe(Opcode.READY);
    const target = server.connections[server.requestsOf(Opcode.REGISTER)[0]!.connection]!;
    target.sendEvent({ opcode: Opcode.EVENT, event: { type: EventType.STATUS_CHANGE, change: 'DOWN', address: { address: '10.0.0.9', port: 9042 } } });
    await expect.poll(() => events.length).toBe(1);
    expect(events[0]).toMatchObject({ opcode: Opcode.EVENT, event: { type: 'STATUS_CHANGE', change: 'DOWN' } });
  });

  it('selects faults by connection index, nth match and times', async () => {
    const server = await startServer();
    server.addRule({ connection: 1, query: 'q', action: { kind: 'reply', reply: errorReply(errorInfo(ErrorCode.OVERLOADED)) } });
    const nth = server.addRule({ query: 'n', nth: 2, action: { kind: 'reply', reply: errorReply(errorInfo(ErrorCode.IS_BOOTSTRAPPING)) } });
    const c0 = await connect(server);
    const c1 = await connect(server);
    expect((await c0.send(query('q'))).message.opcode).toBe(Opcode.RESULT);
    expect((await rejectionOf(c1.send(query('q')))).code).toBe('ERR_SERVER_OVERLOADED');
    expect((await c0.send(query('n'))).message.opcode).toBe(Opcode.RESULT);
    expect((await rejectionOf(c0.send(query('n')))).code).toBe('ERR_SERVER_IS_BOOTSTRAPPING');
    expect((await c0.send(query('n'))).message.opcode).toBe(Opcode.RESULT);
    expect(nth.applied).toBe(1);
    nth.remove();
  });

  it('records BATCH statements, values, consistency and the payload', async () => {
    const server = await startServer();
    const client = await Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0 });
    defer(() => client.close());
    await client.batch(
      [
        { query: 'INSERT INTO t (a) VALUES (?)', params: [1] },
        { query: 'INSERT INTO t (a) VALUES (2)' },
      ],
      { type: 'unlogged', consistency: 'QUORUM', customPayload: { k: Buffer.from('v') } },
    );
    const b = server.requestsOf(Opcode.BATCH)[0]!;
    expect(b.query).toBe('INSERT INTO t (a) VALUES (?); INSERT INTO t (a) VALUES (2)');
    expect(b.customPayload?.['k']?.toString()).toBe('v');
    expect(b.message).toMatchObject({ type: 1, consistency: 4, statements: [{ kind: 'query', values: [Buffer.from([0, 0, 0, 1])] }, { kind: 'query', values: [] }] });
  });

  it('answers system.local and system.peers well enough to discover the node', async () => {
    const server = await startServer({ local: { dataCenter: 'dc-east', rack: 'r7', tokens: ['-42', '42'] } });
    const client = await Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0 });
    defer(() => client.close());
    const local = (await client.execute('SELECT * FROM system.local WHERE key = \'local\'')).one()!;
    expect(local).toMatchObject({ data_center: 'dc-east', rack: 'r7', rpc_address: server.address, release_version: '5.0.9' });
    expect([...(local['tokens'] as Set<string>)]).toEqual(['-42', '42']);
    expect((await client.execute('SELECT * FROM system.peers')).rows).toEqual([]);
    expect((await client.execute('SELECT * FROM system.peers_v2')).rows).toEqual([]);
  });
});

describe('a fake cluster', () => {
  it('is discovered from one contact point; requests spread over its nodes and survive losing one', async () => {
    const nodes = await FakeServer.startCluster(3);
    for (const n of nodes) defer(() => n.close());
    const client = await Client.connect({ contactPoints: [nodes[0]!.contactPoint], heartbeatIntervalMs: 0, reconnectionPolicy: new ConstantReconnectionPolicy(50) });
    defer(() => client.close());
    await expect.poll(() => Object.keys(client.metrics().hosts).sort()).toEqual(nodes.map((n) => n.contactPoint).sort());
    const coordinators = new Set<string>();
    for (let i = 0; i < 12; i++) coordinators.add((await client.execute('SELECT spread')).info.coordinator);
    expect(coordinators.size).toBe(3);

    await nodes[1]!.close(); // a node dies
    const after = new Map<string, number>();
    for (let i = 0; i < 12; i++) {
      const page = await client.execute('SELECT survive', undefined, { idempotent: true });
      after.set(page.info.coordinator, (after.get(page.info.coordinator) ?? 0) + 1);
    }
    expect([...after.keys()].sort()).toEqual([nodes[0]!.contactPoint, nodes[2]!.contactPoint].sort());
  });

  it('falls back to system.peers when peers_v2 is unknown (Cassandra 3.x)', async () => {
    const server = await startServer({ peersV2: false, peers: [{ address: '127.0.0.1', port: 1, dataCenter: 'datacenter1' }] });
    const client = await Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0, port: 1 });
    defer(() => client.destroy());
    const peerQueries = server.requests.filter((r) => /system\.peers/.test(r.query ?? '')).map((r) => r.query);
    expect(peerQueries[0]).toMatch(/system\.peers_v2/);
    expect(peerQueries[1]).toMatch(/FROM system\.peers$/);
    // The peer (no port column in peers v1) is known with the default port.
    expect(Object.keys(client.metrics().hosts)).toContain('127.0.0.1:1');
  });
});

describe('server events through the Client', () => {
  it('STATUS_CHANGE DOWN takes a node out of query plans; UP brings it back', async () => {
    const nodes = await FakeServer.startCluster(2);
    for (const n of nodes) defer(() => n.close());
    const client = await Client.connect({ contactPoints: [nodes[0]!.contactPoint], heartbeatIntervalMs: 0 });
    defer(() => client.close());
    await expect.poll(() => Object.keys(client.metrics().hosts).length).toBe(2);
    const register = nodes.flatMap((n) => n.requestsOf(Opcode.REGISTER).map((r) => ({ n, r })))[0]!;
    const control = register.n.connections[register.r.connection]!;
    const other = nodes.find((n) => n !== register.n)!;
    const coordinators = async (): Promise<Set<string>> => {
      const seen = new Set<string>();
      for (let i = 0; i < 8; i++) seen.add((await client.execute('SELECT e')).info.coordinator);
      return seen;
    };
    expect((await coordinators()).size).toBe(2);
    control.sendEvent({ opcode: Opcode.EVENT, event: { type: EventType.STATUS_CHANGE, change: 'DOWN', address: { address: other.address, port: other.port } } });
    await expect.poll(async () => [...(await coordinators())]).toEqual([register.n.contactPoint]);
    control.sendEvent({ opcode: Opcode.EVENT, event: { type: EventType.STATUS_CHANGE, change: 'UP', address: { address: other.address, port: other.port } } });
    await expect.poll(async () => (await coordinators()).size).toBe(2);
  });
});

describe('paging and prepared batches', () => {
  it('pages a canned result by fetch size; the Client follows the paging state', async () => {
    const server = await startServer();
    const rows = Array.from({ length: 25 }, (_, i) => [i, `row ${i}`]);
    server.when('SELECT * FROM paged', pagedReply([{ name: 'i', type: DataTypes.int }, { name: 's', type: DataTypes.text }], rows));
    const client = await Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0 });
    defer(() => client.close());
    const seen: number[] = [];
    for await (const row of client.stream('SELECT * FROM paged', undefined, { fetchSize: 10 })) seen.push(row['i'] as number);
    expect(seen).toEqual(rows.map((r) => r[0]));
    const sent = server.requests.filter((r) => r.query === 'SELECT * FROM paged');
    expect(sent).toHaveLength(3);
    expect(sent.map((r) => (r.message.opcode === Opcode.QUERY ? r.message.params.pagingState?.readUInt32BE(0) : -1))).toEqual([undefined, 10, 20]);
    const first = await client.execute('SELECT * FROM paged', undefined, { fetchSize: 20 });
    expect(first.rows).toHaveLength(20);
    expect(first.pagingState).not.toBeNull();
  });

  it('answers UNPREPARED for a batch with an unknown prepared id; the Client re-prepares and retries', async () => {
    const server = await startServer();
    server.statement('INSERT INTO t (a) VALUES (?)', { variables: [{ name: 'a', type: DataTypes.int }] });
    const client = await Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0 });
    defer(() => client.close());
    const ps = await client.prepare('INSERT INTO t (a) VALUES (?)');
    server.forgetPrepared();
    await client.batch([{ query: ps, params: [1] }, { query: ps, params: [2] }]);
    expect(server.requests.filter((r) => r.opcode !== Opcode.QUERY && r.opcode !== Opcode.OPTIONS && r.opcode !== Opcode.STARTUP && r.opcode !== Opcode.REGISTER).map((r) => r.opcode)).toEqual([
      Opcode.PREPARE,
      Opcode.BATCH, // UNPREPARED
      Opcode.PREPARE,
      Opcode.BATCH,
    ]);
  });
});
