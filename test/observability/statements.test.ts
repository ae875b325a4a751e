// Per-statement statistics and the slow-query report, from the tracing channels, against the
// fake server: literals normalised, top N by time, errors counted; slow operations reported
// with CQL (no values), host, attempts and timings, with a per-profile threshold.
import diagnosticsChannel from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/index.js';
import { Client, normalizeCql, slowQueryChannelName, SlowQueryReporter, StatementStatistics, type SlowQueryReport } from '../../src/index.js';
import { errorInfo, errorReply } from '../../src/testing/index.js';
import { defer, rejectionOf, startServer } from '../connection/helpers.js';

describe('normalizeCql', () => {
  it('replaces literals, collapses IN lists, keeps identifiers', () => {
    expect(normalizeCql("SELECT  a FROM ks.t1 WHERE k = 'it''s' AND n = -12.5e3 AND u = 123e4567-e89b-12d3-a456-426614174000 AND b = 0xCAFE AND f = true")).toBe(
      'SELECT a FROM ks.t1 WHERE k = ? AND n = ? AND u = ? AND b = ? AND f = ?',
    );
    expect(normalizeCql('SELECT * FROM t WHERE k IN (1, 2, 3)')).toBe('SELECT * FROM t WHERE k IN (?)');
    expect(normalizeCql('SELECT "Col2" FROM t2 WHERE k = ?')).toBe('SELECT "Col2" FROM t2 WHERE k = ?');
  });
});

describe('StatementStatistics', () => {
  it('groups by normalised text, counts errors, sorts by total time; nothing before start()', async () => {
    const server = await startServer();
    const c = await Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0 });
    defer(() => c.close());
    server.addRule({ query: /^SELECT slow/, action: { kind: 'delay', ms: 30 } });
    server.when('SELECT bad', errorReply(errorInfo(ErrorCode.INVALID, 'no')));
    const stats = new StatementStatistics();
    await c.execute('SELECT a FROM t WHERE k = 1'); // before start: not counted
    stats.start();
    defer(() => stats.stop());
    for (let k = 0; k < 3; k++) await c.execute(`SELECT a FROM t WHERE k = ${k}`);
    await c.execute('SELECT slow FROM t');
    await rejectionOf(c.execute('SELECT bad'));
    stats.stop();
    await c.execute('SELECT a FROM t WHERE k = 9'); // after stop: not counted
    const top = stats.top(10);
    expect(top[0]).toMatchObject({ query: 'SELECT slow FROM t', kind: 'query', count: 1, errors: 0 });
    expect(top[0]!.totalMs).toBeGreaterThanOrEqual(25);
    expect(top.find((s) => s.query === 'SELECT a FROM t WHERE k = ?')).toMatchObject({ count: 3, errors: 0 });
    expect(top.find((s) => s.query === 'SELECT bad')).toMatchObject({ count: 1, errors: 1 });
    expect(stats.top(1, 'count')[0]!.query).toBe('SELECT a FROM t WHERE k = ?');
  });
});

describe('SlowQueryReporter', () => {
  it('reports operations over the threshold (per profile) with host, attempts and timings, no values', async () => {
    const server = await startServer();
    const c = await Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0, profiles: { batchy: { timeoutMs: 5000 } } });
    defer(() => c.close());
    server.addRule({ query: /^SELECT slow/, action: { kind: 'delay', ms: 60 } });
    const reports: SlowQueryReport[] = [];
    const published: unknown[] = [];
    const sub = (m: unknown): void => void published.push(m);
    diagnosticsChannel.subscribe(slowQueryChannelName, sub);
    defer(() => diagnosticsChannel.unsubscribe(slowQueryChannelName, sub));
    const reporter = new SlowQueryReporter({ thresholdMs: 40, profiles: { batchy: 1000 }, onSlowQuery: (r) => reports.push(r) }).start();
    defer(() => reporter.stop());
    await c.execute('SELECT fast FROM t');
    await c.execute('SELECT slow FROM t WHERE k = ?', ['secret-value']);
    await c.execute('SELECT slow FROM t WHERE k = 2', undefined, { profile: 'batchy' }); // under its profile's threshold
    expect(reports).toHaveLength(1);
    const r = reports[0]!;
    expect(r).toMatchObject({ query: 'SELECT slow FROM t WHERE k = ?', kind: 'query', host: server.contactPoint, thresholdMs: 40, profile: undefined });
    expect(r.durationMs).toBeGreaterThanOrEqual(50);
    expect(r.attempts).toEqual([{ host: server.contactPoint, startMs: expect.any(Number), durationMs: expect.any(Number), speculative: false }]);
    expect(r.attempts[0]!.durationMs).toBeGreaterThanOrEqual(50);
    expect(published).toEqual(reports);
    expect(JSON.stringify(reports)).not.toContain('secret-value');
  });
});
