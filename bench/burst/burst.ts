// A burst of N requests issued at once on one connection (prepared INSERT, default options),
// as issue 14 describes: how long issuing them blocks the event loop, the loop's delay while
// they complete (p99, max), and how each ended. One connection, the fake server in a child
// process. Run: node --import tsx bench/burst/burst.ts [--requests 200000] [--max-queued N] [--dist]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Client as ClientClass } from '../../src/index.js';

const { values: o } = parseArgs({ options: { requests: { type: 'string', default: '200000' }, 'max-queued': { type: 'string' }, dist: { type: 'boolean', default: false } } });
// --dist: the built package (npm run build), as an application runs it (no tsx transform).
const { Client } = (await import(o.dist ? '../../dist/src/index.js' : '../../src/index.js')) as { Client: typeof ClientClass };
const n = Number(o.requests);
const child = spawn(process.execPath, ['--import', 'tsx', new URL('./server.ts', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
const [line] = (await once(child.stdout, 'data')) as [Buffer];
const port = Number(line.toString().trim());
const client = await Client.connect({
  contactPoints: ['127.0.0.1'],
  port,
  localDataCenter: 'datacenter1',
  connectionsPerHost: 1,
  ...(o['max-queued'] !== undefined ? { maxQueuedPerConnection: Number(o['max-queued']) } : {}),
});
const ps = await client.prepare('INSERT INTO ks.t (k, v) VALUES (?, ?)');
const delay = monitorEventLoopDelay({ resolution: 10 });
const outcomes = new Map<string, number>();
const count = (k: string): void => void outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
// Loop delay sampled by a 1 ms interval (monitorEventLoopDelay misses the synchronous issue loop).
const gaps: number[] = [];
let last = performance.now();
const sampler = setInterval(() => {
  const now = performance.now();
  gaps.push(now - last - 1);
  last = now;
}, 1);
globalThis.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
delay.enable();
const t0 = performance.now();
const all: Promise<void>[] = new Array(n);
for (let i = 0; i < n; i++) {
  all[i] = client.execute(ps, [i, 'value']).then(
    () => count('ok'),
    (e: unknown) => count((e as { code?: string }).code ?? 'untyped'),
  );
}
const issuedMs = performance.now() - t0;
const heapPerRequest = Math.round((process.memoryUsage().heapUsed - heapBefore) / n);
await Promise.all(all);
const totalMs = performance.now() - t0;
delay.disable();
clearInterval(sampler);
gaps.sort((a, b) => a - b);
const gapAt = (q: number): number => +(gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))] ?? 0).toFixed(1);
const ms = (ns: number): string => (ns / 1e6).toFixed(1);
console.log(JSON.stringify({ requests: n, issueMs: Math.round(issuedMs), issueUsPerRequest: +((issuedMs * 1000) / n).toFixed(2), totalMs: Math.round(totalMs), heapBytesPerRequestIssued: heapPerRequest, loopDelayMs: { p50: gapAt(0.5), p99: gapAt(0.99), max: gapAt(1), samples: gaps.length }, histogramP99Ms: ms(delay.percentile(99)), outcomes: Object.fromEntries(outcomes), hostsUp: client.hosts.filter((h) => h.isUp).length }));
await client.close();
child.kill('SIGTERM');
