// The client-wide throttle against the fake server: OVERLOADED answers lower the limit and
// successes bring it back; callers past the limit wait in a bounded queue (QueueFullError past
// it); the rate limit; aborts while queued; 200,000 requests through it with a bounded queue.
import { describe, expect, it } from 'vitest';
import { ErrorCode, Opcode } from '../../protocol/index.js';
import { AdaptiveThrottle, Client, InvalidArgumentError, type ClientOptions } from '../../src/index.js';
import { errorInfo, errorReply, type FakeServer } from '../../src/testing/index.js';
import { defer, rejectionOf, sleep, startServer } from '../connection/helpers.js';

async function client(server: FakeServer, throttle: ClientOptions['throttle']): Promise<Client> {
  const c = await Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0, throttle, maxRequestsPerConnection: 2048 });
  defer(() => c.close());
  return c;
}

describe('throttle', () => {
  it('OVERLOADED answers make the limit drop (multiplicatively) and successes make it recover (additively)', async () => {
    const server = await startServer();
    let overloaded = true;
    let now = 0;
    let peak = 0;
    server.handler = async (r) => {
      if (r.opcode !== Opcode.QUERY || r.query !== 'INSERT x') return undefined;
      peak = Math.max(peak, ++now);
      await sleep(1);
      now--;
      return overloaded ? errorReply(errorInfo(ErrorCode.OVERLOADED, 'too busy')) : undefined;
    };
    const c = await client(server, { maxConcurrent: 64, minConcurrent: 2, backoffIntervalMs: 5 });
    expect(c.metrics().throttle).toMatchObject({ limit: 64, inFlight: 0, queued: 0, backoffs: 0 });
    // Overloaded bursts, a few ms apart: each lowers the limit by half, down to the minimum.
    for (let i = 0; i < 8; i++) {
      const r = await Promise.allSettled(Array.from({ length: 64 }, () => c.execute('INSERT x')));
      expect(r.every((x) => x.status === 'rejected')).toBe(true);
      await sleep(6);
    }
    const low = c.metrics().throttle!;
    expect(low.backoffs).toBeGreaterThanOrEqual(5);
    expect(low.limit).toBe(2);
    // While low, the server sees at most the limit at once.
    overloaded = false;
    peak = 0;
    await Promise.all(Array.from({ length: 20 }, () => c.execute('INSERT x')));
    // The limit grows by about one per `limit` successes meanwhile: 2 → about 7 after 20.
    expect(peak).toBeLessThanOrEqual(c.metrics().throttle!.limit);
    expect(peak).toBeLessThan(10);
    // Recovery: +1 per `limit` successes, back to the maximum.
    for (let i = 0; i < 80 && c.metrics().throttle!.limit < 64; i++) await Promise.all(Array.from({ length: 64 }, () => c.execute('INSERT x')));
    expect(c.metrics().throttle!.limit).toBe(64);
    expect(c.metrics().throttle!.queued).toBe(0);
  });

  it('client-side timeouts back off too; other errors do not', () => {
    const t = new AdaptiveThrottle({ maxConcurrent: 100, backoffIntervalMs: 0 });
    t.onAttemptError(new InvalidArgumentError('x'));
    expect(t.snapshot().limit).toBe(100);
    t.onAttemptError(Object.assign(Object.create(Error.prototype) as Error, { message: 'plain' }));
    expect(t.snapshot().backoffs).toBe(0);
  });

  it('callers past the limit wait; past maxQueued they get QueueFullError; an abort leaves the queue', async () => {
    const t = new AdaptiveThrottle({ maxConcurrent: 2, minConcurrent: 1, maxQueued: 2 });
    expect(t.acquire()).toBeUndefined();
    expect(t.acquire()).toBeUndefined();
    const order: string[] = [];
    const a = t.acquire()!.then(() => order.push('a'));
    const ac = new AbortController();
    const b = t.acquire(ac.signal)!;
    const full = await rejectionOf(t.acquire()!);
    expect(full).toMatchObject({ code: 'ERR_QUEUE_FULL' });
    expect(t.snapshot()).toMatchObject({ inFlight: 2, queued: 2, rejected: 1 });
    ac.abort();
    expect(await rejectionOf(b)).toMatchObject({ code: 'ERR_ABORTED' });
    expect(t.snapshot().queued).toBe(1);
    t.release(true);
    await a;
    expect(order).toEqual(['a']);
    expect(t.snapshot()).toMatchObject({ inFlight: 2, queued: 0 });
  });

  it('maxPerSecond spaces the requests out', async () => {
    const t = new AdaptiveThrottle({ maxConcurrent: 1000, maxPerSecond: 200 });
    const t0 = performance.now();
    // 200 at once (the one-second burst), then 40 more at 200/s: about 200 ms.
    await Promise.all(
      Array.from({ length: 240 }, async () => {
        await t.acquire();
        t.release(true);
      }),
    );
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThan(150);
    expect(ms).toBeLessThan(2000);
  });

  it('200,000 requests through the throttle all complete, with the queue bounded by the callers', async () => {
    const server = await startServer();
    const c = await client(server, { maxConcurrent: 256, maxQueued: 4096 });
    const result = await c.executeConcurrent('INSERT y', (function* () {
      for (let i = 0; i < 200_000; i++) yield [];
    })(), { concurrency: 2048, prepare: false });
    expect(result).toMatchObject({ total: 200_000, succeeded: 200_000, failed: 0 });
    const t = c.metrics().throttle!;
    expect(t).toMatchObject({ inFlight: 0, queued: 0, rejected: 0, limit: 256 });
    expect(t.maxQueuedSeen).toBeGreaterThan(0);
    expect(t.maxQueuedSeen).toBeLessThanOrEqual(2048 - 256 + 1);
  }, 300_000); // the fake server, in this process, is the bound: ~70 s at a load average of 26 on 2 cores

  it('bad throttle options are InvalidArgumentErrors naming the option', async () => {
    const bad: [unknown, string][] = [
      [5, 'throttle'],
      [{ maxConcurrent: 0 }, 'throttle.maxConcurrent'],
      [{ minConcurrent: -1 }, 'throttle.minConcurrent'],
      [{ maxQueued: 1.5 }, 'throttle.maxQueued'],
      [{ maxPerSecond: 0 }, 'throttle.maxPerSecond'],
      [{ backoffFactor: 1 }, 'throttle.backoffFactor'],
      [{ backoffIntervalMs: -5 }, 'throttle.backoffIntervalMs'],
      [{ adaptive: 'no' }, 'throttle.adaptive'],
      [{ acquire: () => undefined }, 'throttle'],
    ];
    for (const [throttle, name] of bad) {
      const err = await rejectionOf(Client.connect({ contactPoints: ['127.0.0.1:1'], throttle: throttle as ClientOptions['throttle'] }));
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err.message).toContain(`${name} must be`);
    }
  });
});
