// prometheusText over client.metrics(), parsed back by a small parser of the text format:
// families declared once with HELP and TYPE, histogram buckets cumulative and ending in +Inf
// = count, values equal to the snapshot; and the last-minute window forgetting old values.
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/index.js';
import { Client, LATENCY_BUCKETS_MS, prometheusText } from '../../src/index.js';
import { WindowedHistogram } from '../../src/observability/metrics.js';
import { errorInfo, errorReply } from '../../src/testing/index.js';
import { defer, rejectionOf, startServer } from '../connection/helpers.js';

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** The text exposition format, strictly: every sample of a family declared before it. */
function parse(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Sample[] = [];
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) {
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line);
    if (m) {
      expect(helps.has(m[1]!)).toBe(false);
      helps.add(m[1]!);
      continue;
    }
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary)$/.exec(line);
    if (m) {
      expect(types.has(m[1]!)).toBe(false);
      types.set(m[1]!, m[2]!);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    expect(m, line).not.toBeNull();
    const labels: Record<string, string> = {};
    for (const l of (m![2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    const name = m![1]!;
    const family = [...types.keys()].find((f) => name === f || ((types.get(f) === 'histogram' || types.get(f) === 'summary') && /^_(bucket|sum|count)$/.test(name.slice(f.length)) && name.startsWith(f)));
    expect(family, `family of ${name}`).toBeDefined();
    samples.push({ name, labels, value: m![3] === '+Inf' ? Infinity : Number(m![3]) });
  }
  return { types, samples };
}

describe('prometheusText', () => {
  it('parses back to the snapshot: counters, errors, per-host gauges, histograms, last minute', async () => {
    const server = await startServer();
    const c = await Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0 });
    defer(() => c.close());
    server.when('SELECT bad', errorReply(errorInfo(ErrorCode.INVALID, 'no "such" table')));
    for (let i = 0; i < 5; i++) await c.execute('SELECT 1');
    await rejectionOf(c.execute('SELECT bad'));
    const snapshot = c.metrics();
    const { types, samples } = parse(prometheusText(snapshot, { labels: { app: 'orders "eu"' } }));
    const one = (name: string, labels: Record<string, string>): number => {
      const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
      expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
      return found[0]!.value;
    };
    const host = server.contactPoint;
    expect(types.get('cqlwire_requests_completed_total')).toBe('counter');
    expect(types.get('cqlwire_request_duration_seconds')).toBe('histogram');
    expect(one('cqlwire_requests_completed_total', { scope: 'client', app: 'orders "eu"' })).toBe(snapshot.session.completed);
    expect(snapshot.session.completed).toBeGreaterThanOrEqual(5);
    expect(one('cqlwire_requests_failed_total', { scope: 'client' })).toBe(1);
    expect(one('cqlwire_errors_total', { scope: 'client', code: 'ERR_SERVER_INVALID' })).toBe(1);
    expect(one('cqlwire_in_flight_requests', { host })).toBe(0);
    expect(one('cqlwire_connections', { host })).toBe(snapshot.hosts[host]!.connections);
    for (const scope of [{ scope: 'client' }, { scope: 'host', host }] as Record<string, string>[]) {
      const buckets = samples.filter((s) => s.name === 'cqlwire_request_duration_seconds_bucket' && s.labels['scope'] === scope.scope);
      expect(buckets.map((b) => b.labels['le'])).toEqual([...LATENCY_BUCKETS_MS.map((ms) => String(ms / 1000)), '+Inf']);
      for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
      expect(buckets.at(-1)!.value).toBe(one('cqlwire_request_duration_seconds_count', scope));
      expect(one('cqlwire_request_duration_seconds_sum', scope)).toBeGreaterThan(0);
    }
    expect(one('cqlwire_request_duration_last_minute_seconds_count', {})).toBe(snapshot.session.completed);
    expect(one('cqlwire_request_duration_last_minute_seconds', { quantile: '0.99' })).toBeCloseTo(snapshot.session.recentLatency!.p99Ms / 1000, 9);
  });

  it('per-host queue depth: requests waiting for a stream id and those in flight, in metrics() and as gauges', async () => {
    const server = await startServer();
    const c = await Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0, controlConnection: false, connectionsPerHost: 1, maxRequestsPerConnection: 2 });
    defer(() => c.close());
    server.addRule({ query: 'SELECT held', action: { kind: 'delay', ms: 300 } });
    const held = Array.from({ length: 5 }, () => c.execute('SELECT held'));
    await expect.poll(() => server.requests.filter((r) => r.query === 'SELECT held').length).toBe(2);
    const host = server.contactPoint;
    const snapshot = c.metrics();
    expect(snapshot.hosts[host]).toMatchObject({ inFlight: 2, queued: 3, connections: 1 });
    const { types, samples } = parse(prometheusText(snapshot));
    expect(types.get('cqlwire_queued_requests')).toBe('gauge');
    const value = (name: string): number | undefined => samples.find((s) => s.name === name && s.labels['host'] === host)?.value;
    expect([value('cqlwire_in_flight_requests'), value('cqlwire_queued_requests')]).toEqual([2, 3]);
    await Promise.all(held);
    expect(c.metrics().hosts[host]).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('the throttle state becomes gauges', () => {
    const session = { completed: 0, failed: 0, errors: {}, retries: 0, ignored: 0, speculativeExecutions: 0, timeouts: 0, connectionsOpened: 0, connectionsClosed: 0, latency: new WindowedHistogram().snapshot(0) };
    const { samples } = parse(prometheusText({ session, hosts: {}, throttle: { limit: 64, inFlight: 3, queued: 2 } }));
    expect(samples.filter((s) => s.name.startsWith('cqlwire_throttle_')).map((s) => [s.name, s.value])).toEqual([
      ['cqlwire_throttle_limit', 64],
      ['cqlwire_throttle_in_flight', 3],
      ['cqlwire_throttle_queued', 2],
    ]);
  });
});

describe('last-minute latency window', () => {
  it('covers the last minute only', () => {
    const w = new WindowedHistogram();
    w.record(1000, 0);
    w.record(3000, 30_000);
    expect(w.snapshot(30_000)).toMatchObject({ count: 2, maxMs: 3 });
    expect(w.snapshot(65_000)).toMatchObject({ count: 1, maxMs: 3 });
    w.record(2000, 95_000); // reuses the slot of t=30 s: its old value goes
    expect(w.snapshot(95_000)).toMatchObject({ count: 1, maxMs: 2 });
    expect(w.snapshot(200_000).count).toBe(0);
  });
});
