// The client's `int64` and `timestampAs` options against the fake server: how bigint, counter and
// timestamp values read, in rows and nested in collections, tuples, UDTs and vectors, through
// execute, stream and pages located by an offload worker; bad values and a missing `long` peer
// are InvalidArgumentErrors naming the option.
import Long from 'long';
import { describe, expect, it } from 'vitest';
import { DataTypes, decodeValue, encodeValue } from '../../protocol/index.js';
import { Client, InvalidArgumentError, type ClientOptions } from '../../src/index.js';
import type { OffloadPool } from '../../src/offload/pool.js';
import { longFromBitsOf } from '../../src/session/decode-options.js';
import { FakeServer, pagedReply, rowsReply } from '../../src/testing/index.js';
import { defer, rejectionOf } from '../connection/helpers.js';

const BIG = 2n ** 62n + 12345n; // far beyond 2^53: a number would round it
const NEG = -(2n ** 63n); // the smallest int64
const point = DataTypes.udt('ks', 'point', [
  { name: 'id', type: DataTypes.bigint },
  { name: 'label', type: DataTypes.text },
]);
const columns = [
  { name: 'b', type: DataTypes.bigint },
  { name: 'c', type: DataTypes.counter },
  { name: 'l', type: DataTypes.list(DataTypes.bigint) },
  { name: 's', type: DataTypes.set(DataTypes.bigint) },
  { name: 'm', type: DataTypes.map(DataTypes.bigint, DataTypes.bigint) },
  { name: 't', type: DataTypes.tuple(DataTypes.bigint, DataTypes.int) },
  { name: 'u', type: point },
  { name: 'v', type: DataTypes.vector(DataTypes.bigint, 2) },
];
const values = [BIG, NEG, [BIG, 1n], [NEG], new Map([[BIG, NEG]]), [BIG, 7], { id: BIG, label: 'p' }, [BIG, -1n]];

/** The 64-bit integers of a row read back with `int64`, turned into bigint by `toBig`. */
function asBigints(row: Record<string, unknown>, toBig: (v: unknown) => bigint): unknown {
  const m = row.m as Map<unknown, unknown>;
  return {
    b: toBig(row.b),
    c: toBig(row.c),
    l: (row.l as unknown[]).map(toBig),
    s: [...(row.s as Iterable<unknown>)].map(toBig),
    m: [...m].map(([k, v]) => [toBig(k), toBig(v)]),
    t: [toBig((row.t as unknown[])[0]), (row.t as unknown[])[1]],
    u: { id: toBig((row.u as Record<string, unknown>).id), label: (row.u as Record<string, unknown>).label },
    v: (row.v as unknown[]).map(toBig),
  };
}
const expected = { b: BIG, c: NEG, l: [BIG, 1n], s: [NEG], m: [[BIG, NEG]], t: [BIG, 7], u: { id: BIG, label: 'p' }, v: [BIG, -1n] };

const longToBig = (v: unknown): bigint => {
  expect(v).toBeInstanceOf(Long);
  return BigInt((v as Long).toString());
};
/** A custom factory: the halves as they came, to check what the factory is given. */
const halves = (low: number, high: number): { low: number; high: number } => ({ low, high });
const halvesToBig = (v: unknown): bigint => {
  const { low, high } = v as { low: number; high: number };
  expect(Number.isInteger(low) && low >= -(2 ** 31) && low < 2 ** 31).toBe(true);
  return (BigInt(high) << 32n) | BigInt(low >>> 0);
};
const bigToBig = (v: unknown): bigint => {
  expect(typeof v).toBe('bigint');
  return v as bigint;
};

async function start(): Promise<FakeServer> {
  const server = await FakeServer.start();
  defer(() => server.close());
  server.when('SELECT * FROM ints', rowsReply(columns, [values]));
  return server;
}

async function connect(server: FakeServer, options: Partial<ClientOptions>): Promise<Client> {
  const c = await Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0, ...options });
  defer(() => c.close());
  return c;
}

describe('int64', () => {
  it.each([
    ['default', undefined, bigToBig],
    ["'bigint'", 'bigint', bigToBig],
    ["'long'", 'long', longToBig],
    ['a factory', halves, halvesToBig],
  ] as const)('%s: bigint and counter values in rows, collections, tuples, UDTs and vectors', async (_name, int64, toBig) => {
    const server = await start();
    const client = await connect(server, { int64 });
    const page = await client.execute('SELECT * FROM ints');
    expect(asBigints(page.rows[0]!, toBig)).toEqual(expected);
    // A stream reads its rows one at a time (another decoding path).
    for await (const row of client.stream('SELECT * FROM ints')) expect(asBigints(row, toBig)).toEqual(expected);
  });

  it('two clients with different modes on one process do not share decoders', async () => {
    const server = await start();
    const a = await connect(server, { int64: 'long' });
    const b = await connect(server, {});
    expect((await a.execute('SELECT * FROM ints')).rows[0]!.b).toBeInstanceOf(Long);
    expect((await b.execute('SELECT * FROM ints')).rows[0]!.b).toBe(BIG);
    expect((await a.execute('SELECT * FROM ints')).rows[0]!.b).toBeInstanceOf(Long);
  });

  it('a Long read back is accepted as a parameter (bigint column)', () => {
    const bytes = encodeValue(DataTypes.bigint, Long.fromString(BIG.toString())) as Buffer;
    expect(decodeValue(DataTypes.bigint, bytes)).toBe(BIG);
  });

  it.each([['Long'], [42], [{}], [null]])('int64: %j is an InvalidArgumentError naming int64', async (bad) => {
    const server = await start();
    const err = await rejectionOf(Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0, int64: bad as never }));
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).code).toBe('ERR_INVALID_ARGUMENT');
    expect((err as Error).message).toMatch(/^int64 must be/);
  });

  it("'long' without the `long` package installed: InvalidArgumentError naming int64, with the cause", () => {
    const missing = Object.assign(new Error("Cannot find module 'long'"), { code: 'MODULE_NOT_FOUND' });
    let err: unknown;
    try {
      longFromBitsOf(() => {
        throw missing;
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as Error).message).toMatch(/^int64: 'long' needs the optional peer dependency `long` \(npm install long\).*Cannot find module 'long'/);
    expect((err as Error).cause).toBe(missing);
    // A module that is not `long` at all.
    expect(() => longFromBitsOf(() => ({}))).toThrow(InvalidArgumentError);
    // Both shapes of the module: the class itself (CommonJS) or under `default` (ESM interop).
    expect(longFromBitsOf(() => Long)(1, 2)).toEqual(Long.fromBits(1, 2));
    expect(longFromBitsOf(() => ({ default: Long }))(-1, -1)).toEqual(Long.fromBits(-1, -1));
  });
});

describe('int64 with offload workers', () => {
  // Rows large enough to go to the worker (v4 frames of >= minBytes); the worker only locates
  // the cells, so a factory (a function, which cannot cross to a worker) works all the same.
  const wide = [...columns, { name: 'pad', type: DataTypes.text }];
  const wideRows = Array.from({ length: 400 }, (_, i) => [...values, `${i}:${'x'.repeat(200)}`]);

  it.each([
    ["'long'", 'long', longToBig],
    ['a factory', halves, halvesToBig],
  ] as const)('%s: pages a worker located read like inline ones', async (_name, int64, toBig) => {
    const server = await FakeServer.start({ versions: [4] });
    defer(() => server.close());
    server.when('SELECT * FROM wide', pagedReply(wide, wideRows));
    const client = await connect(server, { protocolVersion: 4, int64, offload: { workers: 1, minBytes: 4096 } });
    const pool = (client as unknown as { offload: OffloadPool }).offload;
    // The worker starts with the first large frame, which is decoded inline meanwhile.
    await expect
      .poll(async () => {
        await client.execute('SELECT * FROM wide', undefined, { fetchSize: 100 });
        return pool.completed;
      }, { timeout: 30_000, interval: 50 })
      .toBeGreaterThan(0);
    const done = pool.completed;
    const page = await client.execute('SELECT * FROM wide', undefined, { fetchSize: 100 });
    let streamed = 0;
    for await (const row of client.stream('SELECT * FROM wide', undefined, { fetchSize: 100 })) {
      expect(asBigints(row, toBig)).toEqual(expected);
      streamed++;
    }
    expect(pool.completed - done).toBeGreaterThanOrEqual(5);
    expect(streamed).toBe(400);
    expect(page.rows).toHaveLength(100);
    for (const row of page.rows) expect(asBigints(row, toBig)).toEqual(expected);
  });
});

describe('timestampAs', () => {
  const DATE_MAX_MS = 8_640_000_000_000_000n; // the last millisecond a JS Date holds
  const beyond = [DATE_MAX_MS + 1n, -DATE_MAX_MS - 1n, 2n ** 63n - 1n, -(2n ** 63n)];
  const tsColumns = [
    { name: 'ts', type: DataTypes.timestamp },
    { name: 'tl', type: DataTypes.list(DataTypes.timestamp) },
  ];

  it('a bigint of milliseconds beyond the Date range is written exactly, and reads back exactly as bigint', () => {
    for (const ms of beyond) {
      const bytes = encodeValue(DataTypes.timestamp, ms) as Buffer;
      expect(bytes.readBigInt64BE(0)).toBe(ms);
      expect(decodeValue(DataTypes.timestamp, bytes, { timestampAs: 'bigint' })).toBe(ms);
      // A Date cannot hold it.
      expect(Number.isNaN((decodeValue(DataTypes.timestamp, bytes) as Date).getTime())).toBe(true);
    }
  });

  it("'bigint' reads timestamps as exact bigint ms, nested too; 'date' (default) as Date", async () => {
    const server = await FakeServer.start();
    defer(() => server.close());
    const inRange = new Date('2024-02-29T12:34:56.789Z');
    server.when('SELECT ts', rowsReply(tsColumns, [[DATE_MAX_MS + 1n, beyond], [inRange, [inRange]]]));
    const asBigint = await connect(server, { timestampAs: 'bigint' });
    const rows = (await asBigint.execute('SELECT ts')).rows;
    expect(rows).toEqual([
      { ts: DATE_MAX_MS + 1n, tl: beyond },
      { ts: BigInt(inRange.getTime()), tl: [BigInt(inRange.getTime())] },
    ]);
    // int64 is independent of it: bigint columns stay as int64 says.
    const both = await connect(server, { timestampAs: 'bigint', int64: 'long' });
    expect((await both.execute('SELECT ts')).rows[0]!.ts).toBe(DATE_MAX_MS + 1n);

    const asDate = await connect(server, { timestampAs: 'date' });
    const dates = (await asDate.execute('SELECT ts')).rows;
    expect(Number.isNaN((dates[0]!.ts as Date).getTime())).toBe(true);
    expect(dates[1]).toEqual({ ts: inRange, tl: [inRange] });
  });

  it.each([['ms'], [true], ['Date']])('timestampAs: %j is an InvalidArgumentError naming timestampAs', async (bad) => {
    const server = await FakeServer.start();
    defer(() => server.close());
    const err = await rejectionOf(Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0, timestampAs: bad as never }));
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as Error).message).toMatch(/^timestampAs must be 'date' or 'bigint'/);
  });
});
