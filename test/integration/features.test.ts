// Request features against the real node: tracing (and reading the trace back), custom payload
// and execute-as, server warnings (in the result and on the diagnostics channel), metrics
// snapshots and the diagnostics channels for requests and connections.
import diagnosticsChannel from 'node:diagnostics_channel';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  channelNames,
  Client,
  CqlSyntaxError,
  RequestTimeoutError,
  type ConnectionMessage,
  type RequestEndMessage,
  type RequestErrorMessage,
  type RequestStartMessage,
  type WarningMessage,
} from '../../src/index.js';
import { connect, createKeyspace, ddl, dropKeyspace, firstHost, uniqueKeyspace } from './helpers.js';

const KS = uniqueKeyspace('it_feat');
const HOST = firstHost();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let client: Client;
/** The node's own address (trace coordinator and event source): 127.0.0.1 from the launcher, the container's address in Docker. */
let nodeAddress: string;

beforeAll(async () => {
  client = await connect();
  nodeAddress = String((await client.execute('SELECT broadcast_address FROM system.local')).one()?.['broadcast_address']);
  await createKeyspace(client, KS);
  await ddl(client, `CREATE TABLE ${KS}.t (k int, c int, v text, PRIMARY KEY (k, c))`, `CREATE TABLE ${KS}.big (k int, c int, v text, PRIMARY KEY (k, c))`);
  const insert = await client.prepare(`INSERT INTO ${KS}.t (k, c, v) VALUES (?, ?, ?)`);
  await Promise.all(Array.from({ length: 30 }, (_, i) => client.execute(insert, [i % 3, i, `v${i}`])));
  // A ~12 MB partition (a first page of ~10 MB): reading it takes the node far longer than the
  // 1 ms timeouts below, and is more than the driver reads in the poll phases it may wait after
  // a late deadline check (see errors.test.ts).
  const insertBig = await client.prepare(`INSERT INTO ${KS}.big (k, c, v) VALUES (1, ?, ?)`);
  for (let from = 0; from < 6000; from += 1000) await Promise.all(Array.from({ length: 1000 }, (_, i) => client.execute(insertBig, [from + i, 'y'.repeat(2000)])));
});

afterAll(async () => {
  if (!client) return;
  await dropKeyspace(client, KS);
  await client.close();
});

/** Subscribe to a channel for the duration of a test. */
const unsubscribers: (() => void)[] = [];
function collect<T>(name: string): T[] {
  const seen: T[] = [];
  const fn = (m: unknown): void => void seen.push(m as T);
  diagnosticsChannel.subscribe(name, fn);
  unsubscribers.push(() => diagnosticsChannel.unsubscribe(name, fn));
  return seen;
}
afterEach(() => {
  for (const u of unsubscribers.splice(0)) u();
});

describe('tracing', () => {
  it.each([
    ['simple', () => client.execute(`SELECT * FROM ${KS}.t WHERE k = ?`, [1], { trace: true })],
    ['prepared', () => client.execute(`SELECT * FROM ${KS}.t WHERE k = ?`, [1], { trace: true, prepare: true })],
    ['batch', () => client.batch([{ query: `INSERT INTO ${KS}.t (k, c, v) VALUES (9, 9, 'traced')` }], { trace: true })],
  ])('trace: true on a %s request gives info.traceId; getTrace reads its events', async (label, run) => {
    const r = await run();
    expect(r.info.traceId).toMatch(UUID);
    const trace = await client.getTrace(r.info.traceId!);
    expect(trace.id).toBe(r.info.traceId);
    expect(trace.coordinator).toBe(nodeAddress);
    expect(trace.request).toBe(label === 'batch' ? 'Execute batch of CQL3 queries' : label === 'prepared' ? 'Execute CQL3 prepared query' : 'Execute CQL3 query');
    expect(trace.durationMicros).toBeGreaterThan(0);
    expect(trace.startedAt).toBeInstanceOf(Date);
    expect(Math.abs(trace.startedAt.getTime() - Date.now())).toBeLessThan(60_000);
    expect(trace.events.length).toBeGreaterThan(0);
    for (const e of trace.events) {
      expect(e.activity).not.toBe('');
      expect(e.source).toBe(nodeAddress);
    }
    if (label === 'simple') {
      expect(trace.parameters['query']).toBe(`SELECT * FROM ${KS}.t WHERE k = ?`);
      expect(trace.parameters['consistency_level']).toBe('LOCAL_ONE');
    }
  });

  it('without trace there is no traceId', async () => {
    const r = await client.execute(`SELECT * FROM ${KS}.t WHERE k = 1`);
    expect(r.info.traceId).toBeUndefined();
  });
});

describe('custom payload and execute-as', () => {
  it.each([5, 4] as const)('v%i: a request with a custom payload succeeds (simple, prepared, batch)', async (protocolVersion) => {
    const c = await connect({ protocolVersion, keyspace: KS });
    try {
      const customPayload = { 'cqlwire-test': Buffer.from('hello'), empty: Buffer.alloc(0), nothing: null };
      const simple = await c.execute('SELECT v FROM t WHERE k = 1 AND c = 1', undefined, { customPayload });
      expect(simple.rows).toEqual([{ v: 'v1' }]);
      // Cassandra ignores payloads it has no handler for and sends none back.
      expect(simple.info.customPayload).toBeUndefined();
      const prepared = await c.execute('SELECT v FROM t WHERE k = ? AND c = ?', [2, 2], { customPayload, prepare: true });
      expect(prepared.rows).toEqual([{ v: 'v2' }]);
      await c.batch([{ query: "INSERT INTO t (k, c, v) VALUES (8, 8, 'payload')" }], { customPayload });
      expect((await c.execute('SELECT v FROM t WHERE k = 8 AND c = 8')).rows).toEqual([{ v: 'payload' }]);
    } finally {
      await c.close();
    }
  });

  it('executeAs (DSE proxy execution) is carried without breaking Apache Cassandra', async () => {
    const r = await client.execute(`SELECT v FROM ${KS}.t WHERE k = 0 AND c = 0`, undefined, { executeAs: 'alice' });
    expect(r.rows).toEqual([{ v: 'v0' }]);
    const p = await client.execute(`SELECT v FROM ${KS}.t WHERE k = ? AND c = ?`, [0, 3], { executeAs: 'alice', prepare: true, customPayload: { other: Buffer.from([1]) } });
    expect(p.rows).toEqual([{ v: 'v3' }]);
  });
});

describe('server warnings', () => {
  it('aggregation without partition key: in info.warnings and on cqlwire:warning', async () => {
    const seen = collect<WarningMessage>(channelNames.warning);
    const query = `SELECT count(*) FROM ${KS}.t`;
    const r = await client.execute(query);
    expect(r.one()).toEqual({ count: expect.any(BigInt) });
    expect(r.info.warnings).toContain('Aggregation query used without partition key');
    expect(seen).toEqual([{ query, host: HOST, warnings: r.info.warnings }]);
  });

  it('an unlogged batch over more than 10 partitions and a batch over 5 KiB warn', async () => {
    const seen = collect<WarningMessage>(channelNames.warning);
    const statements = Array.from({ length: 12 }, (_, i) => ({ query: `INSERT INTO ${KS}.t (k, c, v) VALUES (?, 0, ?)`, params: [100 + i, 'x'.repeat(600)] }));
    const r = await client.batch(statements, { type: 'unlogged', prepare: true });
    const text = r.info.warnings.join('\n');
    expect(text).toMatch(/Unlogged batch covering 12 partitions detected/);
    expect(text).toMatch(/Batch for \[.*\] is of size .*exceeding specified threshold of 5120/);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ query: 'BATCH(12)', host: HOST });
    expect(seen[0]!.warnings).toEqual(r.info.warnings);
  });

  it('a query without warnings has an empty list and publishes nothing', async () => {
    const seen = collect<WarningMessage>(channelNames.warning);
    const r = await client.execute(`SELECT count(*) FROM ${KS}.t WHERE k = 1`);
    expect(r.info.warnings).toEqual([]);
    expect(seen).toEqual([]);
  });
});

describe('metrics', () => {
  it('session and per-host counters and latency percentiles reflect the requests made', async () => {
    const c = await connect({ connectionsPerHost: 2 });
    try {
      const fresh = c.metrics();
      expect(fresh.session).toMatchObject({ completed: 0, failed: 0, timeouts: 0 });
      expect(fresh.hosts[HOST]).toMatchObject({ completed: 0, failed: 0, connections: 2, connectionsOpened: 2, inFlight: 0 });
      expect(fresh.session).toMatchObject({ connectionsOpened: 2, connectionsClosed: 0 });
      const ok = 40;
      await Promise.all(Array.from({ length: ok }, (_, i) => c.execute(`SELECT v FROM ${KS}.t WHERE k = ? AND c = ?`, [i % 3, i % 30])));
      for (let i = 0; i < 3; i++) await expect(c.execute('SELEKT nothing')).rejects.toBeInstanceOf(CqlSyntaxError);
      await expect(c.execute(`SELECT * FROM ${KS}.big WHERE k = 1`, undefined, { timeoutMs: 1 })).rejects.toBeInstanceOf(RequestTimeoutError);
      const m = c.metrics();
      expect(m.session.completed).toBe(ok);
      expect(m.session.failed).toBe(4);
      expect(m.session.errors).toEqual({ ERR_SERVER_SYNTAX: 3, ERR_REQUEST_TIMEOUT: 1 });
      expect(m.session.timeouts).toBe(1);
      expect(m.session.latency.count).toBe(ok);
      const l = m.session.latency;
      expect(l.p50Ms).toBeGreaterThan(0);
      expect(l.p50Ms).toBeLessThanOrEqual(l.p95Ms);
      expect(l.p95Ms).toBeLessThanOrEqual(l.p99Ms);
      expect(l.p99Ms).toBeLessThanOrEqual(l.maxMs);
      expect(l.meanMs).toBeGreaterThan(0);
      expect(l.maxMs).toBeLessThan(10_000);
      const h = m.hosts[HOST]!;
      expect(h.completed).toBe(ok);
      expect(h.latency.count).toBe(ok);
      expect(h.errors).toEqual({ ERR_SERVER_SYNTAX: 3, ERR_REQUEST_TIMEOUT: 1 });
      expect(h.connections).toBe(2);
      // the timed-out request still holds its stream id until the node answers
      await expect.poll(() => c.metrics().hosts[HOST]!.inFlight, { timeout: 10_000 }).toBe(0);
    } finally {
      await c.close();
    }
    const closed = c.metrics().hosts[HOST]!;
    expect(closed.connections).toBe(0);
    expect(closed.connectionsClosed).toBe(2);
    expect(c.metrics().session).toMatchObject({ connectionsOpened: 2, connectionsClosed: 2 });
  });
});

describe('diagnostics channels', () => {
  it('request start/end/error pair up by requestId and carry no bound values', async () => {
    const starts = collect<RequestStartMessage>(channelNames.requestStart);
    const ends = collect<RequestEndMessage>(channelNames.requestEnd);
    const errors = collect<RequestErrorMessage>(channelNames.requestError);
    const secret = 'diag-secret-value-0xfeed';
    const okQuery = `SELECT v FROM ${KS}.t WHERE k = ? AND v = ? ALLOW FILTERING`;
    await client.execute(okQuery, [1, secret]);
    await expect(client.execute('SELEKT ?', [secret])).rejects.toBeInstanceOf(CqlSyntaxError);
    const mine = starts.filter((s) => s.query === okQuery || s.query === 'SELEKT ?');
    expect(mine).toHaveLength(2);
    const [okStart, badStart] = mine as [RequestStartMessage, RequestStartMessage];
    expect(okStart).toMatchObject({ kind: 'query', host: HOST, query: okQuery });
    expect(badStart).toMatchObject({ kind: 'query', host: HOST, query: 'SELEKT ?' });
    const okEnd = ends.find((e) => e.requestId === okStart.requestId);
    expect(okEnd).toMatchObject({ host: HOST, durationMs: expect.any(Number) });
    expect(okEnd!.durationMs).toBeGreaterThan(0);
    expect(errors.find((e) => e.requestId === okStart.requestId)).toBeUndefined();
    const badError = errors.find((e) => e.requestId === badStart.requestId);
    expect(badError).toBeDefined();
    expect(badError!.error).toBeInstanceOf(CqlSyntaxError);
    expect(badError!.host).toBe(HOST);
    expect(ends.find((e) => e.requestId === badStart.requestId)).toBeUndefined();
    for (const m of [...starts, ...ends, ...errors]) expect(JSON.stringify(m)).not.toContain(secret);
  });

  it('prepare and execute of a prepared statement publish their own kinds', async () => {
    const starts = collect<RequestStartMessage>(channelNames.requestStart);
    const query = `SELECT v FROM ${KS}.t WHERE k = ? AND c = ? /* kinds */`;
    await client.execute(query, [2, 5], { prepare: true });
    expect(starts.filter((s) => s.query === query).map((s) => s.kind)).toEqual(['prepare', 'execute']);
  });

  it('connection open and close events', async () => {
    const opened = collect<ConnectionMessage>(channelNames.connectionOpen);
    const closed = collect<ConnectionMessage>(channelNames.connectionClose);
    const c = await connect({ connectionsPerHost: 2, protocolVersion: 4 });
    expect(opened.filter((m) => m.host === HOST && m.protocolVersion === 4)).toHaveLength(2);
    expect(closed).toEqual([]);
    await c.close();
    const mine = closed.filter((m) => m.host === HOST && m.protocolVersion === 4);
    expect(mine).toHaveLength(2);
    for (const m of mine) expect(m.reason).toBe('closed by client');
  });
});
