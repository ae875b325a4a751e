// Options that existed before any test used them, each checked for what it does on the wire:
// every field of an execution profile, the address translator, the socket factory, fallthrough
// and custom retry policies, client-level serial consistency, now-in-seconds and `closed`.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { Consistency, ErrorCode, Opcode, type QueryRequest, type ServerErrorInfo } from '../../protocol/index.js';
import {
  Client,
  ClientClosedError,
  ConstantSpeculativeExecutionPolicy,
  DefaultLoadBalancingPolicy,
  FallthroughRetryPolicy,
  type AddressTranslator,
  type ClientOptions,
  type RetryContext,
  type RetryDecision,
  type RetryPolicy,
} from '../../src/index.js';
import { FakeServer, errorReply, type ReceivedRequest } from '../../src/testing/index.js';
import { defer, rejectionOf, startServer } from '../connection/helpers.js';

async function connect(servers: readonly FakeServer[], options: Partial<ClientOptions> = {}): Promise<Client> {
  const c = await Client.connect({ contactPoints: [servers[0]!.contactPoint], heartbeatIntervalMs: 0, ...options });
  defer(() => c.close());
  return c;
}

const queryOf = (s: FakeServer, text: string): QueryRequest => s.requests.find((r) => r.query === text && r.opcode === Opcode.QUERY)!.message as QueryRequest;
const unavailable: ServerErrorInfo = { kind: 'unavailable', code: ErrorCode.UNAVAILABLE, message: 'Cannot achieve consistency level QUORUM', consistency: Consistency.QUORUM, required: 2, alive: 1 };

describe('execution profiles', () => {
  it('every field of a named profile reaches the request; request options override it', async () => {
    const servers = await FakeServer.startCluster(2);
    for (const s of servers) defer(() => s.close());
    const seen: RetryContext[] = [];
    const retryPolicy: RetryPolicy = { onError: (ctx) => (seen.push(ctx), { action: 'rethrow' }) };
    const onlySecond = new DefaultLoadBalancingPolicy({ allowList: [servers[1]!.contactPoint] });
    const c = await connect(servers, {
      profiles: {
        slow: {
          consistency: 'THREE',
          serialConsistency: 'LOCAL_SERIAL',
          timeoutMs: 150,
          fetchSize: 7,
          retryPolicy,
          loadBalancingPolicy: onlySecond,
        },
      },
    });
    await c.execute('SELECT p', undefined, { profile: 'slow' });
    const q = queryOf(servers[1]!, 'SELECT p');
    expect(q.params).toMatchObject({ consistency: Consistency.THREE, serialConsistency: Consistency.LOCAL_SERIAL, pageSize: 7 });
    expect(servers[0]!.requests.some((r) => r.query === 'SELECT p')).toBe(false); // the profile's load balancing

    servers[1]!.handler = (r: ReceivedRequest) => (r.query === 'SELECT fail' ? errorReply(unavailable) : undefined);
    servers[1]!.addRule({ query: 'SELECT hang', action: { kind: 'noReply' } });
    await rejectionOf(c.execute('SELECT fail', undefined, { profile: 'slow' }));
    expect(seen).toHaveLength(1); // the profile's retry policy decided
    const started = performance.now();
    const e = await rejectionOf(c.execute('SELECT hang', undefined, { profile: 'slow' }));
    expect(e.code).toBe('ERR_REQUEST_TIMEOUT'); // the profile's timeout
    expect(performance.now() - started).toBeLessThan(2000);

    await c.execute('SELECT o', undefined, { profile: 'slow', consistency: 'ONE', fetchSize: 3 });
    expect(queryOf(servers[1]!, 'SELECT o').params).toMatchObject({ consistency: Consistency.ONE, pageSize: 3 });
  });

  it("a profile's speculative execution policy races a hung node", async () => {
    const servers = await FakeServer.startCluster(2);
    for (const s of servers) defer(() => s.close());
    servers[0]!.addRule({ query: 'SELECT spec', action: { kind: 'noReply' } });
    const c = await connect(servers, { profiles: { racing: { timeoutMs: 5000, speculativeExecutionPolicy: new ConstantSpeculativeExecutionPolicy(30, 1) } } });
    await expect.poll(() => c.hosts.filter((h) => h.isUp).length).toBe(2);
    // Round robin: one of the two requests goes to the hung node first and is answered by the other.
    for (let i = 0; i < 2; i++) {
      const started = performance.now();
      const page = await c.execute('SELECT spec', undefined, { profile: 'racing', idempotent: true });
      expect(page.info.coordinator).toBe(servers[1]!.contactPoint);
      expect(performance.now() - started).toBeLessThan(2000);
    }
    expect(c.metrics().session.speculativeExecutions).toBeGreaterThanOrEqual(1);
  });

  it("the 'default' profile sets client-level serial consistency; an inline profile works as a named one", async () => {
    const server = await startServer();
    const c = await connect([server], { profiles: { default: { serialConsistency: 'LOCAL_SERIAL', consistency: 'TWO' } } });
    await c.execute('UPDATE t SET v = 1 WHERE k = 1 IF v = 0');
    expect(queryOf(server, 'UPDATE t SET v = 1 WHERE k = 1 IF v = 0').params).toMatchObject({ consistency: Consistency.TWO, serialConsistency: Consistency.LOCAL_SERIAL });
    await c.execute('SELECT inline', undefined, { profile: { consistency: 'ALL', fetchSize: 11 } });
    expect(queryOf(server, 'SELECT inline').params).toMatchObject({ consistency: Consistency.ALL, serialConsistency: Consistency.LOCAL_SERIAL, pageSize: 11 });
  });
});

describe('addresses and sockets', () => {
  it('the address translator maps the peers the cluster advertises', async () => {
    // The peer is advertised at a port nothing listens on; the translator maps it to the real one.
    const real = await startServer({ local: { tokens: ['100'] } });
    const seed = await startServer({ local: { tokens: ['0'] }, peers: [{ address: real.address, port: 1, tokens: ['100'] }] });
    const servers = [seed, real];
    const translated: string[] = [];
    const translator: AddressTranslator = {
      translate: (address, port) => (translated.push(`${address}:${port}`), port === 1 ? { address: real.address, port: real.port } : { address, port }),
    };
    const c = await connect(servers, { addressTranslator: translator });
    expect(translated).toContain(`${real.address}:1`);
    await expect.poll(() => c.hosts.map((h) => h.id).sort()).toEqual(servers.map((s) => s.contactPoint).sort());
    await c.execute('SELECT t', undefined, { host: real.contactPoint });
    expect(real.requests.some((r) => r.query === 'SELECT t')).toBe(true);
  });

  it('socketFactory opens every connection', async () => {
    const server = await startServer();
    const opened: string[] = [];
    const c = await connect([server], {
      connectionsPerHost: 2,
      socketFactory: (host, port) => {
        opened.push(`${host}:${port}`);
        return net.connect({ host, port });
      },
    });
    await c.execute('SELECT s');
    await expect.poll(() => opened.length).toBeGreaterThanOrEqual(2);
    expect(new Set(opened)).toEqual(new Set([server.contactPoint]));
  });
});

describe('retry policies and the rest', () => {
  it('FallthroughRetryPolicy never retries; a custom policy decides per error', async () => {
    const server = await startServer();
    server.handler = (r) => (r.query === 'SELECT u' ? errorReply(unavailable) : undefined);
    const fall = await connect([server], { retryPolicy: new FallthroughRetryPolicy() });
    await rejectionOf(fall.execute('SELECT u', undefined, { idempotent: true }));
    expect(server.requests.filter((r) => r.query === 'SELECT u')).toHaveLength(1);

    const decisions: RetryDecision[] = [{ action: 'retry', sameHost: true }, { action: 'retry', sameHost: true }, { action: 'rethrow' }];
    const custom = await connect([server], { retryPolicy: { onError: (ctx) => decisions[ctx.retryCount]! } });
    const e = await rejectionOf(custom.execute('SELECT u'));
    expect(e.code).toBe('ERR_SERVER_UNAVAILABLE');
    expect(server.requests.filter((r) => r.query === 'SELECT u')).toHaveLength(1 + 3);
    expect(custom.metrics().session.retries).toBe(2);
  });

  it('nowInSeconds reaches a v5 request', async () => {
    const server = await startServer();
    const c = await connect([server], { protocolVersion: 5 });
    await c.execute('SELECT n', undefined, { nowInSeconds: 1_700_000_000 });
    expect(queryOf(server, 'SELECT n').params.nowInSeconds).toBe(1_700_000_000);
  });

  it('closed is false while open, true after close() or destroy(); a closed client rejects requests typed', async () => {
    const server = await startServer();
    const a = await connect([server]);
    expect(a.closed).toBe(false);
    await a.close();
    expect(a.closed).toBe(true);
    expect(await rejectionOf(a.execute('SELECT 1'))).toBeInstanceOf(ClientClosedError);
    const b = await connect([server]);
    b.destroy();
    expect(b.closed).toBe(true);
  });
});
