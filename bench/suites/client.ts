// `client` suite: prepared single-row SELECT by key against a minimal CQL responder that answers
// at once (bench/client/responder.ts, its own process), so the figures show each client's own
// cost: ops/s and client CPU µs per request, at concurrency 1, 64, 256, 1024 and a 4096 burst.
// Every driver negotiates its own default protocol version (named in each row).
import { LOAD_DRIVERS, buildCqlwire, ensurePython, loadDriverVersions, measureLoad, startResponder } from '../lib/load-runner.js';
import type { ResultRow } from '../lib/result.js';
import type { Suite, SuiteContext } from '../lib/suite.js';

const suite: Suite = {
  name: 'client',
  description: 'prepared single-row SELECT against an instant responder: each client’s own cost',
  driverVersions: loadDriverVersions,
  async run(ctx: SuiteContext): Promise<ResultRow[]> {
    const dist = await buildCqlwire(ctx.log);
    const python = await ensurePython(ctx.log);
    const responder = await startResponder();
    const rows: ResultRow[] = [];
    const concurrencies = ctx.quick ? [256] : [1, 64, 256, 1024, 4096];
    try {
      for (const concurrency of concurrencies) {
        for (const driver of LOAD_DRIVERS) {
          if (!python && (driver === 'async-cassandra' || driver === 'python-driver')) continue;
          rows.push(
            await measureLoad(
              'client',
              `select c${concurrency}`,
              { driver, host: '127.0.0.1', port: responder.port, op: 'select', concurrency, seconds: ctx.quick ? 2 : 5, warmupSeconds: ctx.quick ? 1 : 2, cqlwireDist: dist },
              ctx.quick ? 1 : 3,
              ctx.log,
            ),
          );
        }
      }
    } finally {
      responder.stop();
    }
    return rows;
  },
};
export default suite;
