// A server that stops answering while 100,000 requests are issued: the queue stays bounded,
// requests past the bound fail at once with QueueFullError, memory does not grow with the
// number of requests, and destroying the connection fails every request typed.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ConnectionClosedError, QueueFullError } from '../../src/errors/driver-errors.js';
import { connect, query, startServer } from './helpers.js';

// A full GC before each heap reading, so garbage (the refused requests) does not count.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('a stalled server', () => {
  it('100,000 requests: bounded queue, the rest rejected at once, memory bounded, all typed', async () => {
    const server = await startServer();
    const conn = await connect(server, { maxRequestsPerConnection: 1024, maxQueuedPerConnection: 10_000, timeoutMs: 0 });
    server.addRule({ action: { kind: 'noReply' } }); // after the handshake: the server stalls
    gc();
    const heapBefore = process.memoryUsage().heapUsed;

    const outcomes = { queueFull: 0, closed: 0, other: 0 };
    let done = 0;
    let allDone: () => void = () => undefined;
    const finished = new Promise<void>((r) => (allDone = r));
    const count = (): void => {
      if (++done === 100_000) allDone();
    };
    // Nothing but the driver keeps the requests: the test holds no promise or error.
    for (let i = 0; i < 100_000; i++) {
      conn.send(query(`stalled ${i & 1023}`)).then(
        () => {
          outcomes.other++;
          count();
        },
        (err: unknown) => {
          if (err instanceof QueueFullError) outcomes.queueFull++;
          else if (err instanceof ConnectionClosedError) outcomes.closed++;
          else outcomes.other++;
          count();
        },
      );
    }
    // Past 1024 in flight + 10,000 queued, every request was refused at once.
    await new Promise((r) => setTimeout(r, 50));
    expect(conn.inFlight).toBe(1024);
    expect(conn.queued).toBe(10_000);
    expect(outcomes.queueFull).toBe(100_000 - 1024 - 10_000);
    gc();
    const grownMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    // ~11k live requests (promise, pending entry, request): a few MB, not proportional to 100k.
    if (process.env.CQLWIRE_TEST_VERBOSE) console.log(`heap growth with the server stalled: ${grownMb.toFixed(1)} MB`);
    expect(grownMb).toBeLessThan(32); // measured ~8 MB; 100k live requests would be ~70 MB

    conn.destroy(new Error('test over'));
    await finished;
    expect(outcomes).toEqual({ queueFull: 100_000 - 1024 - 10_000, closed: 1024 + 10_000, other: 0 });
    expect(conn.inFlight).toBe(0);
    expect(conn.queued).toBe(0);
  }, 60_000);
});
