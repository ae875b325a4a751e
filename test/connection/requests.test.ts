import { describe, expect, it } from 'vitest';
import { Opcode } from '../../protocol/index.js';
import { AbortedError, ConnectionClosedError, QueueFullError, RequestTimeoutError } from '../../src/errors/driver-errors.js';
import { connect, query, rejectionOf, sleep, startServer } from './helpers.js';

describe('requests on one connection', () => {
  it('times out with RequestTimeoutError and keeps the stream id until the late answer', async () => {
    const server = await startServer();
    server.addRule({ query: 'slow', action: { kind: 'delay', ms: 400 } });
    const conn = await connect(server, { maxRequestsPerConnection: 1 });
    const t0 = performance.now();
    const err = await rejectionOf(conn.send(query('slow'), { timeoutMs: 40 }));
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err.code).toBe('ERR_REQUEST_TIMEOUT');
    expect((err as RequestTimeoutError).timeoutMs).toBe(40);
    expect(performance.now() - t0).toBeLessThan(300); // well before the answer
    // The only stream id is still owed an answer: the next request has to wait for it.
    expect(conn.inFlight).toBe(1);
    const next = conn.send(query('fast'));
    await sleep(10);
    expect(conn.queued).toBe(1);
    expect(server.requests.filter((r) => r.query === 'fast')).toHaveLength(0);
    const r = await next;
    expect(r.message.opcode).toBe(Opcode.RESULT);
    const slow = server.requests.find((r) => r.query === 'slow')!;
    const fast = server.requests.find((r) => r.query === 'fast')!;
    expect(fast.stream).toBe(slow.stream);
    expect(fast.receivedAt - slow.receivedAt).toBeGreaterThanOrEqual(390); // sent only once the late answer freed the id
    expect(performance.now() - t0).toBeGreaterThanOrEqual(400);
    expect(conn.inFlight).toBe(0);
  });

  it('never hands a timed-out stream id to another request while its answer is pending', async () => {
    const server = await startServer();
    server.addRule({ query: 'slow', action: { kind: 'delay', ms: 120 } });
    const conn = await connect(server, { maxRequestsPerConnection: 4 });
    const timedOut = await rejectionOf(conn.send(query('slow'), { timeoutMs: 30 }));
    expect(timedOut).toBeInstanceOf(RequestTimeoutError);
    const results = await Promise.all([1, 2, 3].map((i) => conn.send(query(`q${i}`))));
    expect(results.every((r) => r.message.opcode === Opcode.RESULT)).toBe(true);
    const slowStream = server.requests.find((r) => r.query === 'slow')!.stream;
    const others = server.requests.filter((r) => /^q\d$/.test(r.query ?? '')).map((r) => r.stream);
    expect(others).not.toContain(slowStream);
    await sleep(130); // the late answer arrives and frees the id
    expect(conn.inFlight).toBe(0);
  });

  it('rejects with AbortedError on abort, before and after sending', async () => {
    const server = await startServer();
    server.addRule({ query: 'slow', action: { kind: 'delay', ms: 80 } });
    const conn = await connect(server);
    const pre = new AbortController();
    pre.abort(new Error('not wanted'));
    const e1 = await rejectionOf(conn.send(query('never sent'), { signal: pre.signal }));
    expect(e1).toBeInstanceOf(AbortedError);
    expect(e1.code).toBe('ERR_ABORTED');
    expect((e1.cause as Error).message).toBe('not wanted');

    const ac = new AbortController();
    const p = conn.send(query('slow'), { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    const e2 = await rejectionOf(p);
    expect(e2).toBeInstanceOf(AbortedError);
    expect(conn.inFlight).toBe(1); // owed an answer
    await sleep(90);
    expect(conn.inFlight).toBe(0);
    expect(server.requests.some((r) => r.query === 'never sent')).toBe(false);
  });

  it('queues requests past the stream ids and fails past the queue bound with QueueFullError', async () => {
    const server = await startServer();
    server.addRule({ query: /^slow/, action: { kind: 'delay', ms: 60 } });
    const conn = await connect(server, { maxRequestsPerConnection: 2, maxQueuedPerConnection: 2 });
    const ps = [0, 1, 2, 3].map((i) => conn.send(query(`slow${i}`)));
    await sleep(5);
    expect(conn.inFlight).toBe(2);
    expect(conn.queued).toBe(2);
    const full = await rejectionOf(conn.send(query('slow4')));
    expect(full).toBeInstanceOf(QueueFullError);
    expect(full.code).toBe('ERR_QUEUE_FULL');
    expect((full as QueueFullError).limit).toBe(2);
    const rs = await Promise.all(ps);
    expect(rs).toHaveLength(4);
    const streams = new Set(server.requests.filter((r) => r.opcode === Opcode.QUERY).map((r) => r.stream));
    expect(streams.size).toBeLessThanOrEqual(2);
    expect(server.requests.some((r) => r.query === 'slow4')).toBe(false);
  });

  it('coalesces the requests of one tick into one socket write', async () => {
    for (const version of [4, 5] as const) {
      const server = await startServer();
      const conn = await connect(server, { protocolVersion: version });
      const before = server.connections[0]!.chunks.length;
      const rs = await Promise.all(Array.from({ length: 100 }, (_, i) => conn.send(query(`SELECT ${i}`))));
      expect(rs).toHaveLength(100);
      const chunks = server.connections[0]!.chunks.slice(before);
      expect(chunks.reduce((n, c) => n + c.frames, 0)).toBe(100);
      // ~3 KiB written at once arrives in one read on loopback.
      expect(chunks.length).toBe(1);
    }
  });

  it('close() drains in-flight requests; destroy(err) rejects them with ConnectionClosedError', async () => {
    const server = await startServer();
    server.addRule({ query: 'slow', action: { kind: 'delay', ms: 50 } });
    const conn = await connect(server);
    const inFlight = conn.send(query('slow'));
    const closing = conn.close();
    const closingAgain = conn.close(); // does not cut the drain short
    expect(conn.isOpen).toBe(false);
    const late = await rejectionOf(conn.send(query('after close')));
    expect(late).toBeInstanceOf(ConnectionClosedError);
    expect((await inFlight).message.opcode).toBe(Opcode.RESULT);
    await closing;
    await closingAgain;
    expect(server.requests.some((r) => r.query === 'after close')).toBe(false);

    const conn2 = await connect(server);
    const a = conn2.send(query('slow'));
    const b = conn2.send(query('slow'));
    await sleep(5);
    const boom = new Error('shutting down');
    conn2.destroy(boom);
    for (const p of [a, b]) {
      const e = await rejectionOf(p);
      expect(e).toBeInstanceOf(ConnectionClosedError);
      expect(e.cause).toBe(boom);
    }
  });

  it('sends tracing and custom payload in the frame', async () => {
    const server = await startServer();
    const conn = await connect(server);
    await conn.send(query('traced'), { tracing: true, customPayload: { k: Buffer.from('v'), empty: null } });
    const r = server.requests.find((x) => x.query === 'traced')!;
    expect(r.tracing).toBe(true);
    expect(r.customPayload?.['k']?.toString()).toBe('v');
    expect(r.customPayload?.['empty']).toBeNull();
  });
});

describe('timeouts', () => {
  it('mixed per-request timeouts each fire on time; no timeout means none', async () => {
    const server = await startServer();
    server.addRule({ query: /^hang/, action: { kind: 'noReply' } });
    const conn = await connect(server, { timeoutMs: 0 });
    const order: string[] = [];
    const t0 = performance.now();
    const track = (name: string, p: Promise<unknown>): Promise<number> =>
      p.then(
        () => -1,
        (e: unknown) => {
          expect(e).toBeInstanceOf(RequestTimeoutError);
          order.push(name);
          return performance.now() - t0;
        },
      );
    const long = track('long', conn.send(query('hang long'), { timeoutMs: 250 }));
    const short = track('short', conn.send(query('hang short'), { timeoutMs: 40 }));
    const mid = track('mid', conn.send(query('hang mid'), { timeoutMs: 120 }));
    const never = conn.send(query('hang forever'));
    const [tl, ts, tm] = await Promise.all([long, short, mid]);
    expect(order).toEqual(['short', 'mid', 'long']);
    expect(ts).toBeGreaterThanOrEqual(40);
    expect(tm).toBeGreaterThanOrEqual(120);
    expect(tl).toBeGreaterThanOrEqual(250);
    expect(tl).toBeLessThan(1000);
    conn.destroy();
    expect(await rejectionOf(never)).toBeInstanceOf(ConnectionClosedError);
  });
});

describe('orphaned stream ids', () => {
  it('past maxOrphanedRequests the connection drains what is still answerable and closes', async () => {
    const server = await startServer();
    server.addRule({ query: 'dropped', action: { kind: 'noReply' } });
    server.addRule({ query: 'slow', action: { kind: 'delay', ms: 400 } });
    let closed = false;
    const conn = await connect(server, { maxOrphanedRequests: 3, onClose: () => (closed = true) });
    const slow = conn.send(query('slow'));
    for (let i = 0; i < 2; i++) expect(await rejectionOf(conn.send(query('dropped'), { timeoutMs: 20 }))).toBeInstanceOf(RequestTimeoutError);
    expect(conn.isOpen).toBe(true);
    expect(await rejectionOf(conn.send(query('dropped'), { timeoutMs: 20 }))).toBeInstanceOf(RequestTimeoutError);
    expect(conn.isOpen).toBe(false); // closing: no new requests
    expect(await rejectionOf(conn.send(query('late')))).toBeInstanceOf(ConnectionClosedError);
    expect(closed).toBe(false);
    expect((await slow).message.opcode).toBe(Opcode.RESULT); // still answered
    await expect.poll(() => closed).toBe(true);
  });
});

describe('requests waiting for a stream id', () => {
  it('time out and abort while queued without ever being sent', async () => {
    const server = await startServer();
    server.addRule({ query: 'slow', action: { kind: 'delay', ms: 100 } });
    const conn = await connect(server, { maxRequestsPerConnection: 1 });
    const first = conn.send(query('slow'));
    const timedOut = conn.send(query('queued-timeout'), { timeoutMs: 30 });
    const ac = new AbortController();
    const aborted = conn.send(query('queued-abort'), { signal: ac.signal });
    const survivor = conn.send(query('queued-ok'));
    expect(conn.queued).toBe(3);
    ac.abort();
    expect(await rejectionOf(aborted)).toBeInstanceOf(AbortedError);
    expect(await rejectionOf(timedOut)).toBeInstanceOf(RequestTimeoutError);
    expect((await first).message.opcode).toBe(Opcode.RESULT);
    expect((await survivor).message.opcode).toBe(Opcode.RESULT);
    expect(server.requests.filter((r) => r.opcode === Opcode.QUERY).map((r) => r.query)).toEqual(['slow', 'queued-ok']);
    expect(conn.inFlight).toBe(0);
    expect(conn.queued).toBe(0);
  });
});
