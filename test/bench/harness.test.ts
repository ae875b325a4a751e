// The bench harness's own arithmetic and output format (the suites themselves are run by hand).
import { describe, expect, test } from 'vitest';
import { machineInfo } from '../../bench/lib/machine.js';
import { measure, median, quantile } from '../../bench/lib/measure.js';
import { resultRow, toMarkdown } from '../../bench/lib/result.js';

describe('bench harness', () => {
  test('median and nearest-rank quantiles', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    const sorted = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(quantile(sorted, 0.5)).toBe(500);
    expect(quantile(sorted, 0.99)).toBe(990);
    expect(quantile(sorted, 0.999)).toBe(999);
  });

  test('a result row carries every issue-7 field, null unless given', () => {
    const r = resultRow({ suite: 's', scenario: 'x', driver: 'd', opsPerSec: 10 });
    expect(Object.keys(r)).toEqual(
      ['suite', 'scenario', 'driver', 'concurrency', 'compression', 'workers', 'opsPerSec', 'rowsPerSec', 'p50Ms', 'p99Ms', 'p999Ms', 'cpuUsPerOp', 'rssMb', 'eventLoopP99Ms'],
    );
    expect(r.rowsPerSec).toBeNull();
    expect(r.opsPerSec).toBe(10);
  });

  test('measure runs warm-up and at least 3 repeats and reports a spread around the median', () => {
    let calls = 0;
    const m = measure(() => calls++, { warmupMs: 5, repeatMs: 10, repeats: 3 });
    expect(m.repeats).toBe(3);
    expect(m.opsPerSecMin).toBeLessThanOrEqual(m.opsPerSec);
    expect(m.opsPerSecMax).toBeGreaterThanOrEqual(m.opsPerSec);
    expect(m.p50Ms).toBeNull();
    expect(calls).toBeGreaterThan(0);
    expect(() => measure(() => 0, { warmupMs: 0, repeatMs: 1, repeats: 2 })).toThrow(RangeError);
  });

  test('markdown starts with the machine and has one row per result, without empty columns', () => {
    const machine = machineInfo({ other: null });
    const md = toMarkdown('t', {
      machine,
      results: [resultRow({ suite: 's', scenario: 'decode', driver: 'cqlwire', opsPerSec: 1234.5, opsPerSecMin: 1200, opsPerSecMax: 1300 })],
    });
    expect(md).toContain(`Node ${process.version}`);
    expect(md).toContain('other (not installed)');
    const table = md.split('\n').filter((l) => l.startsWith('|'));
    expect(table[0]).toBe('| scenario | driver | ops/s | spread (min/max vs median) |');
    expect(table[2]).toBe('| decode | cqlwire | 1,235 | -2.8% / +5.3% |');
  });
});
