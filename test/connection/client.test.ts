import { describe, expect, it, vi } from 'vitest';
import { DataTypes, ErrorCode, Opcode, type ServerErrorInfo } from '../../protocol/index.js';
import { Client, type ClientOptions } from '../../src/index.js';
import { AbortedError, ConnectionClosedError, NoHostAvailableError, RequestTimeoutError } from '../../src/errors/driver-errors.js';
import { ConstantReconnectionPolicy, type HostRegistry, type LoadBalancingPolicy } from '../../src/policies/index.js';
import { ReadTimeoutError, ServerError, UnavailableError, WriteTimeoutError } from '../../src/errors/server-errors.js';
import { errorInfo, errorReply, payloadText, rowsReply, type FakeServer, type ReceivedRequest } from '../../src/testing/index.js';
import { defer, expectHandlesBackTo, handleCounts, rejectionOf, sleep, startServer, trackTimers } from './helpers.js';

async function client(servers: readonly FakeServer[], options: Partial<ClientOptions> = {}): Promise<Client> {
  const c = await Client.connect({
    contactPoints: servers.map((s) => s.contactPoint),
    heartbeatIntervalMs: 0,
    reconnectionPolicy: new ConstantReconnectionPolicy(20),
    ...options,
  });
  defer(() => c.close());
  return c;
}

/** Answers the first `n` requests for `text` over all `servers` with `info`, then normally. */
function failFirst(servers: readonly FakeServer[], text: string, info: ServerErrorInfo, n = 1): void {
  let left = n;
  for (const s of servers) {
    s.handler = (r: ReceivedRequest) => {
      if (r.query === text && r.opcode !== Opcode.PREPARE && left > 0) {
        left--;
        return errorReply(info);
      }
      return undefined;
    };
  }
}

const queriesOf = (servers: readonly FakeServer[], text: string): ReceivedRequest[] =>
  servers.flatMap((s) => s.requests.filter((r) => r.query === text && r.opcode !== Opcode.PREPARE));

const readTimeout = (dataPresent: boolean): ServerErrorInfo => ({ kind: 'readTimeout', code: ErrorCode.READ_TIMEOUT, message: 'Operation timed out - received only 1 responses.', consistency: 4, received: 2, blockFor: 2, dataPresent });
const writeTimeout: ServerErrorInfo = { kind: 'writeTimeout', code: ErrorCode.WRITE_TIMEOUT, message: 'Operation timed out', consistency: 4, received: 1, blockFor: 2, writeType: 'SIMPLE' };
const unavailable: ServerErrorInfo = { kind: 'unavailable', code: ErrorCode.UNAVAILABLE, message: 'Cannot achieve consistency level QUORUM', consistency: 4, required: 2, alive: 1 };

describe('Client against fake servers', () => {
  it('sends execute-as as the ProxyExecute custom payload entry, next to the caller\'s payload', async () => {
    const server = await startServer();
    const c = await client([server]);
    await c.execute('INSERT INTO t (a) VALUES (1)', undefined, { executeAs: 'alice', customPayload: { tag: Buffer.from('x1') } });
    const q = queriesOf([server], 'INSERT INTO t (a) VALUES (1)')[0]!;
    expect(payloadText(q.customPayload, 'ProxyExecute')).toBe('alice');
    expect(payloadText(q.customPayload, 'tag')).toBe('x1');

    server.statement('SELECT a FROM t WHERE k = ?', { variables: [{ name: 'k', type: DataTypes.int }] });
    await c.execute('SELECT a FROM t WHERE k = ?', [1], { prepare: true, executeAs: 'bob' });
    const ex = server.requestsOf(Opcode.EXECUTE)[0]!;
    expect(ex.query).toBe('SELECT a FROM t WHERE k = ?');
    expect(payloadText(ex.customPayload, 'ProxyExecute')).toBe('bob');
    await c.execute('SELECT 1');
    expect(server.requests.at(-1)!.customPayload).toBeUndefined();
  });

  it('returns canned rows and reports the coordinator', async () => {
    const server = await startServer();
    server.when(/FROM users/, rowsReply([{ name: 'id', type: DataTypes.int }, { name: 'name', type: DataTypes.text }], [[1, 'ann'], [2, null]]));
    const c = await client([server]);
    const page = await c.execute('SELECT id, name FROM users');
    expect(page.rows).toEqual([{ id: 1, name: 'ann' }, { id: 2, name: null }]);
    expect(page.info.coordinator).toBe(server.contactPoint);
  });

  it.each([4, 5] as const)('v%i: a malformed row fails execute() typed; a stream hands out the rows before it, then fails typed at it', async (version) => {
    const server = await startServer();
    // RESULT Rows: global table spec k.t, one int column `a`, 3 rows announced: 7, 8, then a
    // cell length past the end of the body.
    const str = (t: string): Buffer => Buffer.concat([Buffer.from([0, t.length]), Buffer.from(t)]);
    const int = (n: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeInt32BE(n);
      return b;
    };
    const body = Buffer.concat([int(2), int(1), int(1), str('k'), str('t'), str('a'), Buffer.from([0, 9]), int(3), int(4), int(7), int(4), int(8), int(100), Buffer.from([0, 0])]);
    server.addRule({ query: 'SELECT a FROM t', action: { kind: 'rawBody', body } });
    const c = await client([server], { protocolVersion: version });
    const e = await rejectionOf(c.execute('SELECT a FROM t'));
    expect(e.code).toBe('ERR_PROTOCOL_TRUNCATED');
    const seen: unknown[] = [];
    const streamed = await (async () => {
      for await (const row of c.stream('SELECT a FROM t')) seen.push(row);
    })().catch((err: unknown) => err as Error & { code: string });
    expect(seen).toEqual([{ a: 7 }, { a: 8 }]);
    expect(streamed?.code).toBe('ERR_PROTOCOL_TRUNCATED');
    // The connection is fine: the next request succeeds.
    expect((await c.execute('SELECT 1')).info.coordinator).toBe(server.contactPoint);
  });

  it('retries a read timeout once on the same host when enough replicas answered without data', async () => {
    const server = await startServer();
    failFirst([server], 'SELECT r', readTimeout(false));
    const c = await client([server]);
    const page = await c.execute('SELECT r');
    expect(queriesOf([server], 'SELECT r')).toHaveLength(2);
    expect(page.info.attempts.map((a) => a.error?.constructor.name)).toEqual(['ReadTimeoutError', undefined]);

    failFirst([server], 'SELECT r2', readTimeout(false), 2);
    const twice = await rejectionOf(c.execute('SELECT r2'));
    expect(twice).toBeInstanceOf(ReadTimeoutError);
    expect(queriesOf([server], 'SELECT r2')).toHaveLength(2);

    failFirst([server], 'SELECT r3', readTimeout(true));
    const withData = await rejectionOf(c.execute('SELECT r3'));
    expect(withData).toBeInstanceOf(ReadTimeoutError);
    expect(queriesOf([server], 'SELECT r3')).toHaveLength(1);
  });

  it('sends an idempotent request to the next host on Overloaded; rethrows it for a non-idempotent one', async () => {
    const servers = [await startServer(), await startServer()];
    const c = await client(servers);
    failFirst(servers, 'UPDATE o', errorInfo(ErrorCode.OVERLOADED, 'Too many in flight'));
    const page = await c.execute('UPDATE o', undefined, { idempotent: true });
    const sent = queriesOf(servers, 'UPDATE o');
    expect(sent).toHaveLength(2);
    expect(servers.map((s) => s.requests.filter((r) => r.query === 'UPDATE o').length)).toEqual([1, 1]);
    expect(page.info.attempts).toHaveLength(2);
    expect(page.info.attempts[0]!.host).not.toBe(page.info.attempts[1]!.host);

    failFirst(servers, 'UPDATE p', errorInfo(ErrorCode.OVERLOADED, 'Too many in flight'));
    const e = await rejectionOf(c.execute('UPDATE p'));
    expect(e).toBeInstanceOf(ServerError);
    expect(e.code).toBe('ERR_SERVER_OVERLOADED');
    expect(queriesOf(servers, 'UPDATE p')).toHaveLength(1);
  });

  it('a policy whose plan is an array: the request goes on to its second host after the first fails', async () => {
    const servers = [await startServer(), await startServer()];
    let registry: HostRegistry | undefined;
    // Always the same order, as an array (the executor reads an array plan without an iterator).
    const policy: LoadBalancingPolicy = {
      init: (hosts) => void (registry = hosts),
      newQueryPlan: () => [...registry!.all()].sort((a, b) => a.id.localeCompare(b.id)),
    };
    const c = await client(servers, { loadBalancingPolicy: policy });
    const [first, second] = [...servers].sort((a, b) => a.contactPoint.localeCompare(b.contactPoint));
    first!.when('UPDATE arr', errorReply(errorInfo(ErrorCode.OVERLOADED, 'Too many in flight')));
    const page = await c.execute('UPDATE arr', undefined, { idempotent: true });
    expect(page.info.coordinator).toBe(second!.contactPoint);
    expect(page.info.attempts.map((a) => [a.host, a.error?.constructor.name])).toEqual([
      [first!.contactPoint, 'OverloadedError'],
      [second!.contactPoint, undefined],
    ]);
  });

  it('sends Unavailable to the next host once, idempotent or not', async () => {
    const servers = [await startServer(), await startServer()];
    const c = await client(servers);
    failFirst(servers, 'INSERT u', unavailable);
    const page = await c.execute('INSERT u');
    expect(page.info.attempts).toHaveLength(2);
    expect(new Set(page.info.attempts.map((a) => a.host)).size).toBe(2);

    failFirst(servers, 'INSERT v', unavailable, 2);
    const e = await rejectionOf(c.execute('INSERT v'));
    expect(e).toBeInstanceOf(UnavailableError);
    expect(e).toMatchObject({ required: 2, alive: 1 });
    expect(queriesOf(servers, 'INSERT v')).toHaveLength(2);
  });

  it('does not retry a non-idempotent write on WriteTimeout; retries an idempotent one', async () => {
    const server = await startServer();
    const c = await client([server]);
    failFirst([server], 'INSERT w', writeTimeout);
    const e = await rejectionOf(c.execute('INSERT w'));
    expect(e).toBeInstanceOf(WriteTimeoutError);
    expect(e).toMatchObject({ writeType: 'SIMPLE', received: 1, blockFor: 2 });
    expect(queriesOf([server], 'INSERT w')).toHaveLength(1);

    failFirst([server], 'INSERT x', writeTimeout);
    await c.execute('INSERT x', undefined, { idempotent: true });
    expect(queriesOf([server], 'INSERT x')).toHaveLength(2);
  });

  it('re-prepares on UNPREPARED and runs the statement again', async () => {
    const server = await startServer();
    server.statement(/^SELECT p FROM t/, { variables: [{ name: 'k', type: DataTypes.int }] });
    const c = await client([server]);
    await c.execute('SELECT p FROM t WHERE k = ?', [1], { prepare: true });
    server.forgetPrepared(); // as after a node restart
    await c.execute('SELECT p FROM t WHERE k = ?', [2], { prepare: true });
    expect(server.requests.filter((r) => r.opcode === Opcode.PREPARE || r.opcode === Opcode.EXECUTE).map((r) => r.opcode)).toEqual([
      Opcode.PREPARE,
      Opcode.EXECUTE,
      Opcode.EXECUTE, // answered UNPREPARED
      Opcode.PREPARE,
      Opcode.EXECUTE,
    ]);
  });

  it('a reset mid-request fails exactly the in-flight requests; later requests succeed after reconnecting', async () => {
    const server = await startServer();
    server.addRule({ query: /^slow/, action: { kind: 'delay', ms: 200 } });
    const reset = server.addRule({ query: 'boom', action: { kind: 'reset' }, times: 1 });
    const c = await client([server]);
    await c.execute('before');
    const inFlight = [c.execute('slow a'), c.execute('slow b'), c.execute('boom')];
    for (const p of inFlight) expect(await rejectionOf(p)).toBeInstanceOf(ConnectionClosedError);
    expect(reset.applied).toBe(1);
    const page = await vi.waitFor(() => c.execute('after'), { timeout: 2000, interval: 20 });
    expect(page.info.coordinator).toBe(server.contactPoint);
    expect(server.connections.length).toBeGreaterThanOrEqual(2);
    expect(server.openConnections).toHaveLength(1);
  });

  it('an idempotent request in flight on a reset connection goes to the next host', async () => {
    const servers = [await startServer(), await startServer()];
    let fired = false;
    const once = (): boolean => !fired && (fired = true);
    for (const s of servers) s.addRule({ query: 'boom', predicate: once, action: { kind: 'reset' } });
    const c = await client(servers);
    const page = await c.execute('boom', undefined, { idempotent: true });
    expect(page.info.attempts).toHaveLength(2);
    expect(page.info.attempts[0]!.error).toBeInstanceOf(ConnectionClosedError);
  });

  it('a corrupt v5 CRC replaces the connection: the request fails typed, the next one runs on a new connection', async () => {
    const server = await startServer();
    server.addRule({ query: 'bad', action: { kind: 'corruptCrc' }, times: 1 });
    const c = await client([server]);
    expect(c.protocolVersion).toBe(5);
    const e = await rejectionOf(c.execute('bad'));
    expect(e).toBeInstanceOf(ConnectionClosedError);
    expect((e.cause as { code?: string }).code).toBe('ERR_PROTOCOL_CHECKSUM');
    await vi.waitFor(() => c.execute('good'), { timeout: 2000, interval: 20 });
    expect(server.connections).toHaveLength(2);
    expect(server.connections[0]!.closed).toBe(true);
  });

  it('a request timeout moves an idempotent request to the next host; a non-idempotent one fails with RequestTimeoutError', async () => {
    const servers = [await startServer(), await startServer()];
    let slowOnce = false;
    // Margins wide enough for a busy machine: the fast node answers well within 250 ms.
    for (const s of servers) s.addRule({ query: /^SELECT t/, predicate: () => !slowOnce && (slowOnce = true), action: { kind: 'delay', ms: 1500 } });
    const c = await client(servers, { timeoutMs: 250 });
    const page = await c.execute('SELECT t1', undefined, { idempotent: true });
    expect(page.info.attempts).toHaveLength(2);
    expect(page.info.attempts[0]!.error).toBeInstanceOf(RequestTimeoutError);

    slowOnce = false;
    const e = await rejectionOf(c.execute('SELECT t2'));
    expect(e).toBeInstanceOf(RequestTimeoutError);
    expect(queriesOf(servers, 'SELECT t2')).toHaveLength(1);
  });

  it('an aborted request is not retried and rejects with AbortedError', async () => {
    const servers = [await startServer(), await startServer()];
    for (const s of servers) s.addRule({ query: 'SELECT slow', action: { kind: 'delay', ms: 200 } });
    const c = await client(servers);
    const ac = new AbortController();
    const p = c.execute('SELECT slow', undefined, { idempotent: true, signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    expect(await rejectionOf(p)).toBeInstanceOf(AbortedError);
    expect(queriesOf(servers, 'SELECT slow')).toHaveLength(1);
  });

  it('close() lets in-flight requests finish; destroy() rejects them with ConnectionClosedError', async () => {
    const server = await startServer();
    server.addRule({ query: 'slow', action: { kind: 'delay', ms: 60 } });
    const c = await client([server]);
    const running = c.execute('slow');
    await sleep(5);
    await c.close();
    expect((await running).info.coordinator).toBe(server.contactPoint);
    expect(await rejectionOf(c.execute('after'))).toMatchObject({ code: 'ERR_CLIENT_CLOSED' });

    const d = await client([server]);
    const a = d.execute('slow');
    const b = d.execute('slow', undefined, { idempotent: true });
    await sleep(5);
    const reason = new Error('going away');
    d.destroy(reason);
    for (const p of [a, b]) {
      const e = await rejectionOf(p);
      // The idempotent one may be retried, but no host is left: either way a typed error.
      const closed = e instanceof ConnectionClosedError ? e : ((e as NoHostAvailableError).errors?.values().next().value as Error);
      expect(closed).toBeInstanceOf(ConnectionClosedError);
      expect(closed.cause).toBe(reason);
    }
  });

  it.each([
    [5, 'none'],
    [5, 'lz4'],
    [4, 'lz4'],
  ] as const)('sends a 600 KiB request intact on v%i with compression %s', async (version, compression) => {
    const server = await startServer();
    server.statement('INSERT INTO b (k, v) VALUES (?, ?)', { variables: [{ name: 'k', type: DataTypes.int }, { name: 'v', type: DataTypes.blob }] });
    const c = await client([server], { protocolVersion: version, compression });
    const blob = Buffer.alloc(600 * 1024);
    for (let i = 0; i < blob.length; i++) blob[i] = (i * 7 + (i >> 9)) & 0xff;
    await c.execute('INSERT INTO b (k, v) VALUES (?, ?)', [7, blob], { prepare: true });
    const ex = server.requestsOf(Opcode.EXECUTE)[0]!;
    const m = ex.message;
    if (m.opcode !== Opcode.EXECUTE || !Array.isArray(m.params.values)) throw new Error('expected positional EXECUTE values');
    const values = m.params.values as readonly (Buffer | null)[];
    expect(values[0]).toEqual(Buffer.from([0, 0, 0, 7]));
    expect(Buffer.compare(values[1] as Buffer, blob)).toBe(0);
  });

  it('a hung node is detected by the heartbeat; requests fail typed, then succeed once it answers again', async () => {
    const server = await startServer();
    const c = await client([server], { heartbeatIntervalMs: 100, timeoutMs: 0 });
    await c.execute('warm');
    const hang = server.addRule({ action: { kind: 'noReply' } });
    const stuck = c.execute('stuck');
    const e = await rejectionOf(stuck);
    expect(e).toBeInstanceOf(ConnectionClosedError);
    expect(e.message).toMatch(/heartbeat/);
    hang.remove();
    const page = await vi.waitFor(() => c.execute('recovered'), { timeout: 3000, interval: 25 });
    expect(page.info.coordinator).toBe(server.contactPoint);
  });

  it('a connection whose requests keep being dropped is replaced by the pool', async () => {
    const server = await startServer();
    server.addRule({ query: 'dropped', action: { kind: 'noReply' } });
    const c = await client([server], { timeoutMs: 20 });
    const pool = (): number => c.metrics().hosts[server.contactPoint]!.connections;
    expect(pool()).toBe(1);
    // The default bound is 256 orphaned stream ids.
    const results = await Promise.allSettled(Array.from({ length: 256 }, () => c.execute('dropped')));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof RequestTimeoutError)).toBe(true);
    await vi.waitFor(() => expect(server.connections[0]!.closed).toBe(true), { timeout: 1000, interval: 10 });
    const page = await vi.waitFor(() => c.execute('fine'), { timeout: 2000, interval: 20 });
    expect(page.info.coordinator).toBe(server.contactPoint);
    expect(server.openConnections).toHaveLength(1);
    expect(server.openConnections[0]!.index).toBeGreaterThan(0);
  });

  it('probes v5 once per host: the pool\'s other connections reuse the negotiated v4', async () => {
    const server = await startServer({ versions: [4] });
    const c = await client([server], { connectionsPerHost: 3 });
    expect(c.protocolVersion).toBe(4);
    expect(c.metrics().hosts[server.contactPoint]!.connections).toBe(3);
    // One refused v5 probe, then three v4 connections.
    expect(server.connections.filter((x) => x.version === undefined)).toHaveLength(1);
    expect(server.connections.filter((x) => x.version === 4)).toHaveLength(3);
  });

  it('leaves no sockets or timers behind after close()', async () => {
    await expectHandlesBackTo({ ...handleCounts(), TCPServerWrap: 0, TCPSocketWrap: 0 }); // earlier tests' sockets are gone
    const servers = [await startServer(), await startServer({ versions: [4] })];
    servers[0]!.addRule({ query: 'slow', action: { kind: 'delay', ms: 30 } });
    const baseline = handleCounts(); // the two listening servers
    const timers = trackTimers();
    defer(() => timers.stop());
    const c = await Client.connect({ contactPoints: servers.map((s) => s.contactPoint), heartbeatIntervalMs: 50, timeoutMs: 1000, connectionsPerHost: 2 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => c.execute(i % 2 ? 'slow' : 'fast', undefined, { idempotent: true })));
    await sleep(120); // let heartbeats run
    expect(servers[0]!.requestsOf(Opcode.OPTIONS).length).toBeGreaterThan(servers[0]!.connections.length);
    await c.close();
    timers.freeze(); // the waits below make timers of their own
    // Every socket closed by the client, not by the servers going away.
    for (const s of servers) await vi.waitFor(() => expect(s.openConnections).toHaveLength(0), { timeout: 1000, interval: 5 });
    await expectHandlesBackTo(baseline);
    await vi.waitFor(() => expect(timers.live()).toBe(0), { timeout: 1000, interval: 10 });
  });
});
