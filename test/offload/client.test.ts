// Offload through the Client against a fake server: a stream's pages decoded by a worker give
// the same rows as inline decoding; once the stream has read a page, its buffers go back to the
// worker (which writes later bodies into them), while pages returned by execute() stay intact;
// a stream asks for the next page while the worker still decodes the previous one.
import diagnosticsChannel from 'node:diagnostics_channel';
import { describe, expect, test } from 'vitest';
import { DataTypes } from '../../protocol/index.js';
import { Client } from '../../src/client.js';
import type { OffloadPool } from '../../src/offload/pool.js';
import { FakeServer, pagedReply } from '../../src/testing/index.js';
import { incompressibleText } from './text.js';

const columns = [
  { name: 'i', type: DataTypes.int },
  { name: 'payload', type: DataTypes.text },
  { name: 'data', type: DataTypes.blob },
];
// ~2.2 KB per row: 100-row pages of ~220 KB, above the 16 KB threshold used here and, on v5,
// spread over two segments (a frame that fits one segment is inflated inline: nothing to offload).
const rows = Array.from({ length: 1000 }, (_, i) => [i, `${i}:${incompressibleText(i, 2100 - `${i}:`.length)}`, Buffer.alloc(64, i & 0xff)]);
const expected = rows.map(([i, payload, data]) => ({ i, payload, data }));

const poolOf = (client: Client): OffloadPool => (client as unknown as { offload: OffloadPool }).offload;

/**
 * The worker starts with the first large frame, which is decoded inline meanwhile: read until
 * it has answered a frame.
 */
async function warmUp(client: Client): Promise<void> {
  await expect
    .poll(async () => {
      await client.execute('SELECT * FROM big', undefined, { fetchSize: 100 });
      return poolOf(client).completed;
    }, { timeout: 30_000, interval: 50 })
    .toBeGreaterThan(0);
}

describe.each([4, 5] as const)('offload through the Client, v%i with LZ4', (version) => {
  test('stream rows equal the inline ones; each consumed page is recycled; execute() pages stay readable', async () => {
    await using server = await FakeServer.start({ versions: [version], compression: ['lz4'] });
    server.when('SELECT * FROM big', pagedReply(columns, rows));
    await using inline = await Client.connect({ contactPoints: [server.contactPoint], protocolVersion: version, compression: 'lz4', heartbeatIntervalMs: 0, offload: { workers: 0 } });
    await using client = await Client.connect({
      contactPoints: [server.contactPoint],
      protocolVersion: version,
      compression: 'lz4',
      heartbeatIntervalMs: 0,
      offload: { workers: 1, minBytes: 16 * 1024 },
    });
    const pool = poolOf(client);
    // Counted once the worker has answered a frame.
    await warmUp(client);
    const completed0 = pool.completed;

    // Held across the streams below: recycling must never touch a page execute() returned.
    const held = await client.execute('SELECT * FROM big', undefined, { fetchSize: 100 });
    const heldCopy = held.rows.map((r) => ({ ...r }));

    for (let round = 0; round < 3; round++) {
      const seen: unknown[] = [];
      for await (const row of client.stream('SELECT * FROM big', undefined, { fetchSize: 100 })) seen.push(row);
      expect(seen).toEqual(expected);
    }
    expect(pool.completed - completed0).toBeGreaterThanOrEqual(31);
    // Every page a stream read through went back (10 per round).
    expect(pool.recycled).toBe(30);

    // A stream left early recycles the page it was on, not the prefetched one nobody read.
    const before = pool.recycled;
    let n = 0;
    for await (const row of client.stream('SELECT * FROM big', undefined, { fetchSize: 100 })) {
      expect(row).toEqual(expected[n]);
      if (++n === 150) break;
    }
    expect(pool.recycled - before).toBe(2);

    expect(held.rows).toEqual(heldCopy);
    expect(held.rows).toEqual(expected.slice(0, 100));
    const inlineRows: unknown[] = [];
    for await (const row of inline.stream('SELECT * FROM big', undefined, { fetchSize: 100 })) inlineRows.push(row);
    expect(inlineRows).toEqual(expected);
  });
});

test('v5: a stream asks for the next page while the worker still decodes the previous one; pages handed out whole too', async () => {
  await using server = await FakeServer.start({ versions: [5], compression: ['lz4'] });
  server.when('SELECT * FROM big', pagedReply(columns, rows));
  await using client = await Client.connect({ contactPoints: [server.contactPoint], protocolVersion: 5, compression: 'lz4', heartbeatIntervalMs: 0, offload: { workers: 1, minBytes: 16 * 1024 } });
  const pool = poolOf(client);
  await warmUp(client);
  // Jobs the worker had not answered yet when each request of a stream started. The request
  // for page 2 starts on the turn page 1's frame arrived, so the worker cannot have answered.
  const unanswered: number[] = [];
  const onStart = (): void => {
    unanswered.push(pool.pending);
  };
  diagnosticsChannel.subscribe('cqlwire:request:start', onStart);
  try {
    const seen: unknown[] = [];
    for await (const row of client.stream('SELECT * FROM big', undefined, { fetchSize: 100 })) seen.push(row);
    expect(seen).toEqual(expected);
    expect(unanswered.length).toBe(10);
    expect(unanswered.slice(0, 2)).toEqual([0, 1]);
    unanswered.length = 0;
    const pages: unknown[][] = [];
    for await (const page of client.stream('SELECT * FROM big', undefined, { fetchSize: 100 }).eachPage()) pages.push(page.rows);
    expect(pages.flat()).toEqual(expected);
    expect(pages.length).toBe(10);
    expect(unanswered.slice(0, 2)).toEqual([0, 1]);
  } finally {
    diagnosticsChannel.unsubscribe('cqlwire:request:start', onStart);
  }
});

test('by default there is no worker: large pages are decoded inline; workers: 1 starts one at connect', async () => {
  await using server = await FakeServer.start({ versions: [5], compression: ['lz4'] });
  server.when('SELECT * FROM big', pagedReply(columns, rows));
  await using plain = await Client.connect({ contactPoints: [server.contactPoint], compression: 'lz4', heartbeatIntervalMs: 0 });
  expect((plain as unknown as { offload: OffloadPool | null }).offload).toBeNull();
  expect((await plain.execute('SELECT * FROM big', undefined, { fetchSize: 200 })).rows).toEqual(expected.slice(0, 200));

  await using one = await Client.connect({ contactPoints: [server.contactPoint], compression: 'lz4', heartbeatIntervalMs: 0, offload: { workers: 1 } });
  const pool = poolOf(one);
  expect(pool.started).toBe(1);
  expect(pool.minBytes).toBe(128 * 1024);
  // ~440 KB pages, over the 128 KiB default threshold: decoded by the worker.
  expect((await one.execute('SELECT * FROM big', undefined, { fetchSize: 200 })).rows).toEqual(expected.slice(0, 200));
  expect(pool.completed).toBe(1);
  // ~11 KB pages stay inline.
  expect((await one.execute('SELECT * FROM big', undefined, { fetchSize: 5 })).rows).toEqual(expected.slice(0, 5));
  expect(pool.completed).toBe(1);
});

test.each([
  [5, 'none'],
  [5, 'lz4'],
  [4, 'none'],
  [4, 'lz4'],
] as const)('inline (workers: 0), v%i %s: a stream gives each read page\'s buffer back to the pool and reuses it; rows stay right; execute() pages are never reused', async (protocolVersion, compression) => {
  const { bodyPool } = await import('../../src/buffers/body-pool.js');
  await using server = await FakeServer.start({ versions: [protocolVersion], compression: ['lz4'] });
  server.when('SELECT * FROM big', pagedReply(columns, rows));
  await using client = await Client.connect({ contactPoints: [server.contactPoint], protocolVersion, compression, heartbeatIntervalMs: 0, offload: { workers: 0 } });
  // ~440 KB pages: v5, several 128 KiB segments; v4, a body over many socket reads (or inflated):
  // either way joined into pool buffers.
  const held = await client.execute('SELECT * FROM big', undefined, { fetchSize: 200 });
  const heldCopy = held.rows.map((r) => ({ ...r }));
  const reused0 = bodyPool.reused;
  for (let round = 0; round < 3; round++) {
    const seen: unknown[] = [];
    for await (const row of client.stream('SELECT * FROM big', undefined, { fetchSize: 200 })) seen.push(row);
    expect(seen).toEqual(expected);
  }
  // 15 pages read; with one page read ahead, all but the first two can reuse a released buffer.
  expect(bodyPool.reused - reused0).toBeGreaterThanOrEqual(10);
  expect(held.rows).toEqual(heldCopy);
});
