// The cost of a request shed under overload: 200,000 `execute` calls on a saturated connection
// (one stream id, held by a slow request; no queue), each rejected with ERR_QUEUE_FULL, the
// caller's handler included; beside it, the floor of the language on the same machine: a
// stackless Error, Promise.reject and a handler. Fake server in process (it does nothing here).
// Run: node --import tsx bench/burst/shed.ts [--dist] [--rounds 5]
import { parseArgs } from 'node:util';
import type { Client as ClientClass } from '../../src/index.js';
import { FakeServer } from '../../src/testing/index.js';

const { values: o } = parseArgs({ options: { dist: { type: 'boolean', default: false }, rounds: { type: 'string', default: '5' } } });
// --dist: the built package (npm run build), as an application runs it (no tsx transform).
const { Client } = (await import(o.dist ? '../../dist/src/index.js' : '../../src/index.js')) as { Client: typeof ClientClass };
const n = 200_000;
const server = await FakeServer.start();
server.addRule({ query: 'slow', action: { kind: 'delay', ms: 60_000 } });
const client = await Client.connect({ contactPoints: [server.address], port: server.port, localDataCenter: 'datacenter1', connectionsPerHost: 1, maxRequestsPerConnection: 1, maxQueuedPerConnection: 0, controlConnection: false });
void client.execute('slow', [], { timeoutMs: 0 }).catch(() => undefined);
await new Promise((r) => setTimeout(r, 50));
await client.execute('slow').catch(() => undefined); // refused by the connection: shedding starts
const perRequest = (t0: number): string => (((performance.now() - t0) * 1000) / n).toFixed(2);
for (let round = 0; round < Number(o.rounds); round++) {
  let rejected = 0;
  const t0 = performance.now();
  const all = new Array<Promise<void>>(n);
  for (let i = 0; i < n; i++) all[i] = client.execute('slow').then(() => undefined, () => void rejected++);
  const shedSync = perRequest(t0);
  await Promise.all(all);
  const shed = perRequest(t0);
  const t1 = performance.now();
  const floor = new Array<Promise<void>>(n);
  const limit = Error.stackTraceLimit;
  for (let i = 0; i < n; i++) {
    Error.stackTraceLimit = 0;
    const e = new Error('x');
    Error.stackTraceLimit = limit;
    floor[i] = Promise.reject(e).then(() => undefined, () => undefined);
  }
  const floorSync = perRequest(t1);
  await Promise.all(floor);
  console.log(`round ${round + 1}: shed ${shed} µs/request, ${shedSync} of it in the call (${rejected} rejected); floor (stackless Error + Promise.reject + handler) ${perRequest(t1)} µs, ${floorSync} in the call`);
}
client.destroy();
await server.close();
