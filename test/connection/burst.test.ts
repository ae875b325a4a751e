// Loads that must not turn into failures (issue 14): answers that arrived while the event loop
// was busy are read before any timeout expires; a burst of 50,000 on one connection completes
// with the default queue bound; past the bound a rejection is cheap (no stack captured).
import { describe, expect, it } from 'vitest';
import { DataTypes, Opcode } from '../../protocol/index.js';
import diagnostics_channel from 'node:diagnostics_channel';
import { Client, QueueFullError, channelNames } from '../../src/index.js';
import { defaultMaxQueued, QUEUED_REQUEST_BYTES } from '../../src/connection/pending.js';
import { getHeapStatistics } from 'node:v8';
import { connect, defer, query, rejectionOf, startServer } from './helpers.js';

/** Keep the event loop busy for `ms` (a long synchronous callback, a burst being issued...). */
function blockLoop(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

const INSERT = 'INSERT INTO ks.t (k, v) VALUES (?, ?)';

describe('bursts and a busy event loop', () => {
  it('an answer that arrived while the loop was blocked past the deadline resolves the request (not a timeout)', async () => {
    const server = await startServer();
    server.addRule({ query: 'answered late-ish', action: { kind: 'delay', ms: 30 } });
    const conn = await connect(server);
    const pending = conn.send(query('answered late-ish'), { timeoutMs: 60 });
    // From 15 ms to 215 ms the loop is blocked: the server's answer (due at 30 ms) is written to
    // the socket and the request's deadline (60 ms) passes before the socket can be read.
    setTimeout(() => blockLoop(200), 15);
    const reply = await pending;
    expect(reply.message.opcode).toBe(Opcode.RESULT);
    expect(conn.orphaned).toBe(0);
    expect(conn.isOpen).toBe(true);
  });

  it('an answer read past its deadline while the loop kept up is a timeout, though the 20 ms check has not run yet', async () => {
    const server = await startServer();
    server.addRule({ query: 'just late', action: { kind: 'delay', ms: 8 } });
    const conn = await connect(server);
    // Deadline at 2 ms, answer at ~8 ms, first deadline check at 20 ms.
    const err = await rejectionOf(conn.send(query('just late'), { timeoutMs: 2 }));
    expect(err.code).toBe('ERR_REQUEST_TIMEOUT');
    // The answer was read: its stream id is free, nothing is owed.
    expect(conn.orphaned).toBe(0);
    expect(conn.inFlight).toBe(0);
    expect((await conn.send(query('after'))).message.opcode).toBe(Opcode.RESULT);
  });

  it('a request with no answer still times out while the loop is busy with other reads', async () => {
    const server = await startServer();
    server.addRule({ query: 'never', action: { kind: 'noReply' } });
    const conn = await connect(server);
    const lost = rejectionOf(conn.send(query('never'), { timeoutMs: 50 }));
    // Other answers keep arriving: expiry is deferred only a bounded number of poll phases.
    let stop = false;
    const chatter = (async () => {
      while (!stop) await conn.send(query('chatter'));
    })();
    const err = await lost;
    stop = true;
    await chatter;
    expect(err.code).toBe('ERR_REQUEST_TIMEOUT');
  });

  it('50,000 requests issued at once on one connection all complete with the default options', async () => {
    const server = await startServer({ versions: [5] });
    server.statement(INSERT, { variables: [{ name: 'k', type: DataTypes.int }, { name: 'v', type: DataTypes.text }] });
    const client = await Client.connect({ contactPoints: [server.address], port: server.port, localDataCenter: 'datacenter1', connectionsPerHost: 1 });
    defer(() => client.close());
    const ps = await client.prepare(INSERT);
    const outcomes = new Map<string, number>();
    await Promise.all(
      Array.from({ length: 50_000 }, (_, i) =>
        client.execute(ps, [i, 'v']).then(
          () => outcomes.set('ok', (outcomes.get('ok') ?? 0) + 1),
          (e: { code?: string }) => outcomes.set(e.code ?? 'untyped', (outcomes.get(e.code ?? 'untyped') ?? 0) + 1),
        ),
      ),
    );
    expect(Object.fromEntries(outcomes)).toEqual({ ok: 50_000 });
    expect(server.requests.filter((r) => r.opcode === Opcode.EXECUTE)).toHaveLength(50_000);
  }, 120_000);

  it('the default queue bound is sized by the heap: a sixteenth of its limit at QUEUED_REQUEST_BYTES each', () => {
    expect(defaultMaxQueued()).toBe(Math.max(1024, Math.floor(getHeapStatistics().heap_size_limit / 16 / QUEUED_REQUEST_BYTES)));
    // With the smallest heap Node runs with by default on a server (~2 GiB), 50,000 still fit
    // beside the 32,768 stream ids.
    expect(Math.floor(2 ** 31 / 16 / QUEUED_REQUEST_BYTES) + 32_768).toBeGreaterThanOrEqual(50_000);
  });

  it('past the bound a request fails at once with a stackless QueueFullError, and the client stays usable', async () => {
    const server = await startServer();
    server.addRule({ query: 'slow', action: { kind: 'delay', ms: 100 } });
    const client = await Client.connect({ contactPoints: [server.address], port: server.port, localDataCenter: 'datacenter1', connectionsPerHost: 1, maxRequestsPerConnection: 2, maxQueuedPerConnection: 3, controlConnection: false });
    defer(() => client.close());
    const settled = await Promise.allSettled(Array.from({ length: 20 }, () => client.execute('slow')));
    const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as QueueFullError);
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(5);
    expect(rejected).toHaveLength(15);
    for (const e of rejected) {
      expect(e).toBeInstanceOf(QueueFullError);
      expect(e.code).toBe('ERR_QUEUE_FULL');
      // No frames were captured (that is what made 150,000 rejections block the loop for seconds).
      expect(e.stack?.split('\n')).toHaveLength(1);
    }
    // Shed or refused by the connection, each counts once as a queue-full failure.
    expect(client.metrics().session.errors).toEqual({ ERR_QUEUE_FULL: 15 });
    expect((await client.execute('SELECT 1 FROM t')).rows).toEqual([]);
  });

  it('once the queues are full, the rest of a burst is shed before it reaches a connection; shedding stops when they drain', async () => {
    const server = await startServer();
    server.addRule({ query: 'slow', action: { kind: 'delay', ms: 50 } });
    const client = await Client.connect({ contactPoints: [server.address], port: server.port, localDataCenter: 'datacenter1', connectionsPerHost: 1, maxRequestsPerConnection: 2, maxQueuedPerConnection: 3, controlConnection: false });
    defer(() => client.close());
    const started = { n: 0 };
    const onStart = (): void => void started.n++;
    diagnostics_channel.subscribe(channelNames.requestStart, onStart);
    defer(() => diagnostics_channel.unsubscribe(channelNames.requestStart, onStart));
    const burst = Array.from({ length: 1000 }, () => client.execute('slow'));
    const settled = await Promise.allSettled(burst);
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(5);
    // The request refused by the full queue told the session; the 994 after it never started.
    expect(started.n).toBe(6);
    // A shed request's error: its own QueueFullError object (code and limit its own properties),
    // the host and the bound in the message, no stack beyond the message.
    const shed = settled.slice(-2).map((s) => (s as PromiseRejectedResult).reason as QueueFullError);
    expect(shed[0]).not.toBe(shed[1]);
    for (const e of shed) {
      expect(e).toBeInstanceOf(QueueFullError);
      expect(e).toBeInstanceOf(Error);
      expect(Object.keys(e).sort()).toEqual(['code', 'limit']);
      expect(e).toMatchObject({ code: 'ERR_QUEUE_FULL', limit: 3, message: `request queue for ${server.address}:${server.port} is full (3 waiting); the server is not keeping up` });
      expect(e.stack).toBe(`QueueFullError: ${e.message}`);
    }
    // Drained: requests go through again (no stale shedding).
    await expect(Promise.all([client.execute('slow'), client.execute('slow')])).resolves.toHaveLength(2);
    expect(client.metrics().session.errors).toEqual({ ERR_QUEUE_FULL: 995 });
  });
});
