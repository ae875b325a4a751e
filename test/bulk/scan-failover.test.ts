// scan against three fake nodes (RF 3, a token each): every split is read from one of its
// replicas, and when a node goes away mid-scan its pages are read again from another replica;
// every row arrives exactly once. The fake-server twin of test/cluster/scan.test.ts.
import { describe, expect, it } from 'vitest';
import { DataTypes, Opcode, type ExecuteRequest } from '../../protocol/index.js';
import { murmur3Token } from '../../src/cluster/murmur3.js';
import { Client, ExponentialReconnectionPolicy } from '../../src/index.js';
import { FakeServer, pagedReply, rowsReply, type FakeReply, type ReceivedRequest } from '../../src/testing/index.js';
import { defer, sleep } from '../connection/helpers.js';

const ROWS = 3000;
const text = DataTypes.text;
/** Each id with the token Cassandra gives its int partition key. */
const data = Array.from({ length: ROWS }, (_, id) => {
  const key = Buffer.alloc(4);
  key.writeInt32BE(id);
  return { id, token: murmur3Token(key) };
});

function schema(request: ReceivedRequest): FakeReply | undefined {
  const q = request.query ?? '';
  if (/FROM system_schema\.keyspaces/.test(q)) {
    return rowsReply([{ name: 'keyspace_name', type: text }, { name: 'durable_writes', type: DataTypes.boolean }, { name: 'replication', type: DataTypes.map(text, text) }], [['ks', true, new Map([['class', 'org.apache.cassandra.locator.SimpleStrategy'], ['replication_factor', '3']])]]);
  }
  if (/FROM system_schema\.tables/.test(q)) return rowsReply([{ name: 'keyspace_name', type: text }, { name: 'table_name', type: text }], [['ks', 't']]);
  if (/FROM system_schema\.columns/.test(q)) {
    const cols = [{ name: 'keyspace_name', type: text }, { name: 'table_name', type: text }, { name: 'column_name', type: text }, { name: 'clustering_order', type: text }, { name: 'kind', type: text }, { name: 'position', type: DataTypes.int }, { name: 'type', type: text }];
    return rowsReply(cols, [['ks', 't', 'id', 'none', 'partition_key', 0, 'int']]);
  }
  return undefined;
}

/** Rows of the requested token range, paged by the request's page size and paging state. */
function scanReply(request: ReceivedRequest): FakeReply | undefined {
  if (request.opcode !== Opcode.EXECUTE || !/token\("id"\) >/.test(request.query ?? '')) return undefined;
  const [lo, hi] = ((request.message as ExecuteRequest).params.values as readonly Buffer[]).map((b) => b.readBigInt64BE(0));
  const inRange = data.filter((r) => r.token > lo! && r.token <= hi!).map((r) => [r.id]);
  return pagedReply([{ name: 'id', type: DataTypes.int }], inRange)(request);
}

describe('scan on fake nodes', () => {
  it('reads each split from a replica, moves to another replica when a node goes away, and delivers every row once', async () => {
    const tokens = ['-6000000000000000000', '0', '6000000000000000000'];
    const servers = await FakeServer.startCluster(3, (i) => ({ local: { tokens: [tokens[i]!] } }));
    // Once `going` is set, node 2 holds the next page asked of it and goes away 10 ms later:
    // a page is in flight on it for sure when it does.
    let going = false;
    let gone = false;
    for (const s of servers) {
      defer(() => s.close());
      s.statement(/^SELECT "id" FROM "ks"\."t" WHERE token/, { variables: [{ name: 'lo', type: DataTypes.bigint }, { name: 'hi', type: DataTypes.bigint }], columns: [{ name: 'id', type: DataTypes.int }] });
      s.handler = async (r) => {
        if (s === servers[1] && going && r.opcode === Opcode.EXECUTE) {
          if (!gone) setTimeout(() => void s.close(), 10);
          gone = true;
          return new Promise<FakeReply>(() => undefined);
        }
        const reply = schema(r) ?? scanReply(r);
        if (reply !== undefined && r.opcode === Opcode.EXECUTE) await sleep(2);
        return reply;
      };
    }
    const client = await Client.connect({ contactPoints: [servers[0]!.contactPoint], heartbeatIntervalMs: 0, reconnectionPolicy: new ExponentialReconnectionPolicy(50, 200) });
    defer(() => client.close());
    expect(client.metadata.tokenRanges()).toHaveLength(3);
    expect(client.metadata.tokenRangesOf('ks', client.hosts[1]!)).toHaveLength(3);

    const scan = client.scan<{ id: number }>('ks', 't', { columns: ['id'], fetchSize: 50, parallelism: 4, splitsPerHost: 4 });
    const seen = new Uint8Array(ROWS);
    let n = 0;
    for await (const row of scan) {
      seen[row.id]!++;
      // A third of the way in, node 2 goes away with a page in flight on it.
      if (++n === ROWS / 3) going = true;
    }
    expect(n).toBe(ROWS);
    expect(seen.findIndex((x) => x !== 1)).toBe(-1);
    expect(scan.splits.done).toBe(scan.splits.total);
    // Splits were spread over the three nodes before one went away.
    const executes = servers.map((s) => s.requests.filter((r) => r.opcode === Opcode.EXECUTE).length);
    expect(executes.every((x) => x > 0)).toBe(true);
    expect(gone).toBe(true);
    expect(scan.retries).toBeGreaterThan(0);
  });
});
