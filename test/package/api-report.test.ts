// The published API changes only on purpose: the report of today's entries must equal the
// committed test/package/api-report.txt (rewrite it with `npm run api:report`).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { API_REPORT_PATH, apiReport } from './api-report.js';

describe('API report', () => {
  test('the public surface of cqlwire, cqlwire/protocol and cqlwire/testing is the committed one', () => {
    const report = apiReport();
    expect(report, 'the API surface changed: if that is deliberate, run `npm run api:report` and commit the report').toBe(readFileSync(API_REPORT_PATH, 'utf8'));
  }, 60_000);

  test('no internal of the driver is public', () => {
    const publicNames = new Set(
      apiReport()
        .split('\n')
        .map((l) => /^(?:class|interface|type|function|const|enum) (\w+)/.exec(l)?.[1])
        .filter((n): n is string => n !== undefined),
    );
    for (const internal of ['Connection', 'HostPool', 'HostRegistryImpl', 'OffloadPool', 'RequestExecutor', 'RequestMetrics', 'LatencyHistogram', 'channels', 'Profiles']) {
      expect(publicNames.has(internal), internal).toBe(false);
    }
  }, 60_000);
});
