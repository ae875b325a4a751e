// Client-side write timestamps: strictly increasing whatever the clock does, one per request
// (its retries carry the same one), the caller's own timestamp first, and switchable off.
import { describe, expect, it } from 'vitest';
import { Consistency, ErrorCode, Opcode, type BatchRequest, type QueryRequest, type ServerErrorInfo } from '../../protocol/index.js';
import { Client, MonotonicTimestampGenerator, type ClientOptions, type TimestampGenerator } from '../../src/index.js';
import { errorReply, type FakeServer } from '../../src/testing/index.js';
import { defer, startServer } from '../connection/helpers.js';

describe('MonotonicTimestampGenerator', () => {
  it('follows the clock in microseconds while it moves forward', () => {
    let now = 1_700_000_000_000;
    const g = new MonotonicTimestampGenerator({ clock: () => now });
    expect(g.next()).toBe(1_700_000_000_000_000n);
    now += 5;
    expect(g.next()).toBe(1_700_000_000_005_000n);
  });

  it('is strictly increasing when the clock stalls or steps back, and reports a drift past the threshold once per interval', () => {
    let now = 1_700_000_000_000;
    const drifts: number[] = [];
    const g = new MonotonicTimestampGenerator({ clock: () => now, driftWarningThresholdMs: 1000, driftWarningIntervalMs: 5000, onDrift: (ms) => drifts.push(ms) });
    const first = g.next();
    const stalled = [g.next(), g.next(), g.next()];
    expect(stalled).toEqual([first + 1n, first + 2n, first + 3n]);
    now -= 2000; // the clock steps back two seconds
    const back = g.next();
    expect(back).toBe(first + 4n);
    expect(drifts).toHaveLength(1);
    expect(drifts[0]).toBeCloseTo(2000, 0);
    now += 1000;
    g.next();
    expect(drifts).toHaveLength(1); // within the interval: not again
    now += 4000; // the clock is ahead of the timestamps again: they follow it
    expect(g.next()).toBe(BigInt(now) * 1000n);
    expect(drifts).toHaveLength(1);
  });

  it('a small drift (under the threshold) is not reported', () => {
    let now = 1_700_000_000_000;
    const drifts: number[] = [];
    const g = new MonotonicTimestampGenerator({ clock: () => now, onDrift: (ms) => drifts.push(ms) });
    for (let i = 0; i < 5000; i++) g.next(); // 5000 µs ahead of a stalled clock
    now -= 100;
    g.next();
    expect(drifts).toEqual([]);
  });
});

const writeTimeout: ServerErrorInfo = { kind: 'writeTimeout', code: ErrorCode.WRITE_TIMEOUT, message: 'Operation timed out', consistency: Consistency.QUORUM, received: 1, blockFor: 2, writeType: 'SIMPLE' };

async function client(server: FakeServer, options: Partial<ClientOptions> = {}): Promise<Client> {
  const c = await Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0, ...options });
  defer(() => c.close());
  return c;
}

const stampsOf = (server: FakeServer, text: string): (bigint | undefined)[] =>
  server.requests.filter((r) => r.query === text && r.opcode === Opcode.QUERY).map((r) => (r.message as QueryRequest).params.defaultTimestamp as bigint | undefined); // decoded: always a bigint

describe('client timestamps on requests', () => {
  it('every request carries one by default, increasing from request to request', async () => {
    const server = await startServer();
    const c = await client(server);
    const before = BigInt(Date.now()) * 1000n;
    await c.execute('INSERT a');
    await c.execute('INSERT a');
    const [t1, t2] = stampsOf(server, 'INSERT a');
    expect(t1).toBeGreaterThanOrEqual(before);
    expect(t2).toBeGreaterThan(t1!);
  });

  it('a retried write carries the same timestamp on both attempts', async () => {
    const server = await startServer();
    const c = await client(server);
    let failed = false;
    server.handler = (r) => (r.query === 'INSERT r' && !failed ? ((failed = true), errorReply(writeTimeout)) : undefined);
    await c.execute('INSERT r', undefined, { idempotent: true });
    const stamps = stampsOf(server, 'INSERT r');
    expect(stamps).toHaveLength(2);
    expect(stamps[0]).toBeDefined();
    expect(stamps[1]).toBe(stamps[0]);
  });

  it("the caller's timestamp wins; a batch is stamped too; a custom generator is used; null turns stamping off", async () => {
    const server = await startServer();
    const fixed: TimestampGenerator = { next: () => 42n };
    const c = await client(server, { timestampGenerator: fixed });
    await c.execute('INSERT own', undefined, { timestamp: 7n });
    await c.execute('INSERT gen');
    await c.batch([{ query: 'INSERT b' }]);
    expect(stampsOf(server, 'INSERT own')).toEqual([7n]);
    expect(stampsOf(server, 'INSERT gen')).toEqual([42n]);
    expect((server.requestsOf(Opcode.BATCH)[0]!.message as BatchRequest).timestamp).toBe(42n);

    const off = await client(server, { timestampGenerator: null });
    await off.execute('INSERT none');
    expect(stampsOf(server, 'INSERT none')).toEqual([undefined]);
  });
});
