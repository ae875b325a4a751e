// Bad options are typed errors, never hangs: each bad value rejects the call with
// InvalidArgumentError naming the option, nothing reaches the server, and the client stays
// usable. The same for every field of the client's options at connect, before any socket opens.
import { describe, expect, it } from 'vitest';
import { Opcode } from '../../protocol/index.js';
import { Client, InvalidArgumentError, type BatchOptions, type ClientOptions, type ExecuteOptions, type StreamOptions } from '../../src/index.js';
import type { FakeServer } from '../../src/testing/index.js';
import { defer, rejectionOf, startServer } from '../connection/helpers.js';

async function client(server: FakeServer): Promise<Client> {
  const c = await Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0 });
  defer(() => c.close());
  return c;
}

/** The control connection's own reads. */
const isSystemQuery = (cql: string | undefined): boolean => cql !== undefined && /\bsystem(_schema)?\./.test(cql);

/** Options as a JavaScript caller might pass them: anything at all. */
const bad = (o: unknown): ExecuteOptions => o as ExecuteOptions;

/** [what, options, the option the error must name] */
const BAD_REQUEST_OPTIONS: readonly [string, unknown, string][] = [
  ["timeoutMs: 'soon'", { timeoutMs: 'soon' }, 'options.timeoutMs'],
  ["timeoutMs: '2000'", { timeoutMs: '2000' }, 'options.timeoutMs'],
  ['timeoutMs: -1', { timeoutMs: -1 }, 'options.timeoutMs'],
  ['timeoutMs: NaN', { timeoutMs: Number.NaN }, 'options.timeoutMs'],
  ['fetchSize: 0', { fetchSize: 0 }, 'options.fetchSize'],
  ['fetchSize: -5', { fetchSize: -5 }, 'options.fetchSize'],
  ["fetchSize: '100'", { fetchSize: '100' }, 'options.fetchSize'],
  ["idempotent: 'no'", { idempotent: 'no' }, 'options.idempotent'],
  ["prepare: 'yes'", { prepare: 'yes' }, 'options.prepare'],
  ['profile: 123', { profile: 123 }, 'options.profile'],
  ["customPayload: 'x'", { customPayload: 'x' }, 'options.customPayload'],
  ['customPayload: { a: 1 }', { customPayload: { a: 1 } }, 'options.customPayload.a'],
  ['host: 42', { host: 42 }, 'options.host'],
  ['signal: {}', { signal: {} }, 'options.signal'],
  ["consistency: 'QUORAM'", { consistency: 'QUORAM' }, 'options.consistency'],
  ['consistency: 99', { consistency: 99 }, 'options.consistency'],
  ["serialConsistency: 'QUORUM'", { serialConsistency: 'QUORUM' }, 'options.serialConsistency'],
  ["timestamp: '2020'", { timestamp: '2020' }, 'options.timestamp'],
  ['timestamp: invalid Date', { timestamp: new Date(Number.NaN) }, 'options.timestamp'],
  ["pagingState: 'abc'", { pagingState: 'abc' }, 'options.pagingState'],
  ['nowInSeconds: 1.5', { nowInSeconds: 1.5 }, 'options.nowInSeconds'],
  ["routingKey: 'k'", { routingKey: 'k' }, 'options.routingKey'],
  ["keyspace: ''", { keyspace: '' }, 'options.keyspace'],
  ['options as a string', 'QUORUM', 'options'],
  ['options null', null, 'options'],
];

describe('request options', () => {
  it.each(BAD_REQUEST_OPTIONS)('%s: execute, prepared execute, batch, prepare and stream reject it typed, nothing is sent, the client stays usable', async (_what, options, name) => {
    const server = await startServer();
    const c = await client(server);
    const before = server.requests.length;
    const calls: [string, () => Promise<unknown>][] = [
      ['execute', () => c.execute('SELECT 1', [], bad(options))],
      ['prepared execute', () => c.execute('SELECT 2', [], { ...(options as object), prepare: true } as ExecuteOptions)],
      ['batch', () => c.batch([{ query: 'INSERT b' }], bad(options) as BatchOptions)],
      ['prepare', () => c.prepare('SELECT 3', bad(options))],
      ['stream', async () => { for await (const _ of c.stream('SELECT 4', [], bad(options) as StreamOptions)) break; }],
    ];
    for (const [call, run] of calls) {
      if (call === 'prepared execute' && (typeof options !== 'object' || options === null || 'prepare' in options)) continue;
      const e = await rejectionOf(run());
      expect(e, call).toBeInstanceOf(InvalidArgumentError);
      expect(e.code, call).toBe('ERR_INVALID_ARGUMENT');
      expect(e.message, call).toContain(name);
    }
    expect(server.requests.slice(before).filter((r) => r.opcode !== Opcode.OPTIONS)).toEqual([]);
    expect((await c.execute('SELECT ok')).info.coordinator).toBe(server.contactPoint);
  });

  it('params given as a number, and a query that is not text, are typed errors', async () => {
    const server = await startServer();
    const c = await client(server);
    const e1 = await rejectionOf(c.execute('SELECT 1', 7 as unknown as []));
    expect(e1).toBeInstanceOf(InvalidArgumentError);
    expect(e1.message).toContain('params');
    const e2 = await rejectionOf(c.execute(42 as unknown as string));
    expect(e2.message).toContain('query');
    const e3 = await rejectionOf(c.batch([]));
    expect(e3.message).toContain('statements');
    const e4 = await rejectionOf(c.batch([{ query: 'INSERT a' }], { type: 'fast' as 'logged' }));
    expect(e4.message).toContain('options.type');
    const e5 = await rejectionOf((async () => { for await (const _ of c.stream('SELECT 1', [], { maxPages: 0 })) break; })());
    expect(e5.message).toContain('options.maxPages');
    expect(server.requests.filter((r) => (r.opcode === Opcode.QUERY || r.opcode === Opcode.BATCH || r.opcode === Opcode.PREPARE) && !isSystemQuery(r.query))).toEqual([]);
  });

  it('null params mean no values, as in other drivers', async () => {
    const server = await startServer();
    const c = await client(server);
    await c.execute('SELECT 1', null);
    expect(server.requestsOf(Opcode.QUERY).filter((r) => r.query === 'SELECT 1')).toHaveLength(1);
  });
});

/** [what, options laid over valid ones, the option the error must name] */
const BAD_CLIENT_OPTIONS: readonly [string, Record<string, unknown>, string][] = [
  ['contactPoints: []', { contactPoints: [] }, 'contactPoints'],
  ["contactPoints: 'a,b'", { contactPoints: 'a,b' }, 'contactPoints'],
  ['contactPoints: [1]', { contactPoints: [1] }, 'contactPoints[0]'],
  ['port: 70000', { port: 70000 }, 'port'],
  ["timeoutMs: 'soon'", { timeoutMs: 'soon' }, 'timeoutMs'],
  ['fetchSize: 0', { fetchSize: 0 }, 'fetchSize'],
  ["consistency: 'FOUR'", { consistency: 'FOUR' }, 'consistency'],
  ["compression: 'snappy'", { compression: 'snappy' }, 'compression'],
  ['protocolVersion: 3', { protocolVersion: 3 }, 'protocolVersion'],
  ['connectionsPerHost: 0', { connectionsPerHost: 0 }, 'connectionsPerHost'],
  ['maxRequestsPerConnection: 40000', { maxRequestsPerConnection: 40000 }, 'maxRequestsPerConnection'],
  ['maxQueuedPerConnection: -1', { maxQueuedPerConnection: -1 }, 'maxQueuedPerConnection'],
  ["connectTimeoutMs: '5s'", { connectTimeoutMs: '5s' }, 'connectTimeoutMs'],
  ['heartbeatIntervalMs: -5', { heartbeatIntervalMs: -5 }, 'heartbeatIntervalMs'],
  ["credentials: 'u:p'", { credentials: 'u:p' }, 'credentials'],
  ['authProvider: {}', { authProvider: {} }, 'authProvider'],
  ["tls: 'yes'", { tls: 'yes' }, 'tls'],
  ['retryPolicy: {}', { retryPolicy: {} }, 'retryPolicy'],
  ['loadBalancingPolicy: {}', { loadBalancingPolicy: {} }, 'loadBalancingPolicy'],
  ['reconnectionPolicy: 5', { reconnectionPolicy: 5 }, 'reconnectionPolicy'],
  ['speculativeExecutionPolicy: {}', { speculativeExecutionPolicy: {} }, 'speculativeExecutionPolicy'],
  ['profiles: { fast: { timeoutMs: "1" } }', { profiles: { fast: { timeoutMs: '1' } } }, 'profiles.fast.timeoutMs'],
  ['preparedCacheSize: 0', { preparedCacheSize: 0 }, 'preparedCacheSize'],
  ["socketFactory: 'net'", { socketFactory: 'net' }, 'socketFactory'],
  ["int64: 'number'", { int64: 'number' }, 'int64'],
  ["offload: { workers: 'two' }", { offload: { workers: 'two' } }, 'offload.workers'],
  ['offload: { workers: 1, minBytes: -1 }', { offload: { workers: 1, minBytes: -1 } }, 'offload.minBytes'],
  ['localDataCenter: 5', { localDataCenter: 5 }, 'localDataCenter'],
  ['addressTranslator: {}', { addressTranslator: {} }, 'addressTranslator'],
  ["controlConnection: 'off'", { controlConnection: 'off' }, 'controlConnection'],
  ['maxSchemaAgreementWaitMs: Infinity', { maxSchemaAgreementWaitMs: Number.POSITIVE_INFINITY }, 'maxSchemaAgreementWaitMs'],
];

describe('client options', () => {
  it.each(BAD_CLIENT_OPTIONS)('%s: connect rejects typed before opening any connection', async (_what, over, name) => {
    const server = await startServer();
    const e = await rejectionOf(Client.connect({ contactPoints: [server.contactPoint], ...over } as unknown as ClientOptions));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e.message).toContain(name);
    expect(server.connections).toHaveLength(0);
  });

  it('options that are not an object are a typed error', async () => {
    for (const options of [undefined, null, 'localhost']) {
      const e = await rejectionOf(Client.connect(options as unknown as ClientOptions));
      expect(e).toBeInstanceOf(InvalidArgumentError);
    }
  });
});
