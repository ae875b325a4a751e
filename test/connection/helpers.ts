// Shared helpers of the connection-level tests against the fake server.
import { createHook } from 'node:async_hooks';
import { afterEach } from 'vitest';
import { Connection, type ConnectionOptions } from '../../src/connection/connection.js';
import { FakeServer, type FakeServerOptions } from '../../src/testing/index.js';
import { Opcode, type QueryRequest } from '../../protocol/index.js';

const cleanups: (() => unknown)[] = [];

/** Run `fn` after the current test, even when it fails (LIFO). */
export function defer(fn: () => unknown): void {
  cleanups.push(fn);
}

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A fake server closed after the test. */
export async function startServer(options: FakeServerOptions = {}): Promise<FakeServer> {
  const server = await FakeServer.start(options);
  defer(() => server.close());
  return server;
}

/** A connection to `server`, destroyed after the test. Heartbeats off unless asked for. */
export async function connect(server: FakeServer, options: Partial<ConnectionOptions> = {}): Promise<Connection> {
  const conn = await Connection.open({ host: server.address, port: server.port, heartbeatIntervalMs: 0, ...options });
  defer(() => conn.destroy());
  return conn;
}

/** A QUERY request for `text`. */
export function query(text: string): QueryRequest {
  return { opcode: Opcode.QUERY, query: text, params: { consistency: 1 } };
}

/** The rejection of `p` (fails the test if `p` resolves). */
export async function rejectionOf(p: Promise<unknown>): Promise<Error & { code?: string; cause?: unknown }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection, got a value');
}

/** Wait `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Counts of the handle kinds a leak would show (sockets, servers, timers). */
export function handleCounts(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) {
    if (r === 'TCPSocketWrap' || r === 'TCPServerWrap' || r === 'Timeout') out[r] = (out[r] ?? 0) + 1;
  }
  return out;
}

/** Resolve once no handle kind counts more than in `baseline` (handles close asynchronously); reject after `ms`. */
export async function expectHandlesBackTo(baseline: Record<string, number>, ms = 1000): Promise<void> {
  const deadline = performance.now() + ms;
  const same = (a: Record<string, number>): boolean => ['TCPSocketWrap', 'TCPServerWrap', 'Timeout'].every((k) => (a[k] ?? 0) <= (baseline[k] ?? 0));
  let now = handleCounts();
  while (!same(now)) {
    if (performance.now() > deadline) throw new Error(`leaked handles: ${JSON.stringify(now)} vs baseline ${JSON.stringify(baseline)}`);
    await sleep(10);
    now = handleCounts();
  }
}

/**
 * Track the timers (ref'd or not) created from now on until `freeze()`; `live()` counts those
 * not yet fired or cleared. `process.getActiveResourcesInfo()` misses unref'd timers, which
 * can still leak.
 */
export function trackTimers(): { live(): number; freeze(): void; stop(): void } {
  const live = new Set<number>();
  let frozen = false;
  const hook = createHook({
    init(id, type) {
      if (type === 'Timeout' && !frozen) live.add(id);
    },
    destroy(id) {
      live.delete(id);
    },
  });
  hook.enable();
  return {
    live: () => live.size,
    freeze: () => {
      frozen = true;
    },
    stop: () => hook.disable(),
  };
}
