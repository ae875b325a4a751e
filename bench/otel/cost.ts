// What cqlwire/otel costs: throughput of prepared SELECTs (concurrency 256, one client, the
// `client` suite's responder in a child process) with the instrumentation off and on, in
// alternating phases of one process so that both see the same machine, and the ratio of the
// medians. "On" is what an app with the OpenTelemetry SDK runs: an AsyncLocalStorage context
// manager, a BatchSpanProcessor to an exporter that drops the spans, a meter provider with a
// reader (the duration histogram), the instrumentation's defaults. Load averages are printed before and after.
//
//   node --import tsx bench/otel/cost.ts [--seconds 3] [--rounds 3] [--concurrency 256] [--only off|on]
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/otel/cost.ts --only on   (profile one mode)
//   node --import tsx bench/otel/top.ts /tmp/prof/<file>.cpuprofile                      (self time by function)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { Client } from '../../src/index.js';
import { CqlwireInstrumentation } from '../../src/otel/index.js';

const { values: o } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '256' },
    only: { type: 'string' },
    /** The instrumentation's `attemptSpans`: `true`, `false` or `retries`; unset: its default. */
    'attempt-spans': { type: 'string' },
  },
});
const seconds = Number(o.seconds);
const concurrency = Number(o.concurrency);

/** Counts the spans and drops them: the export cost is the SDK's, not a network's. */
class DroppingExporter implements SpanExporter {
  spans = 0;
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.spans += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

class Reader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`load average before: ${load()} (${os.cpus().length} CPUs)`);

const child = spawn(process.execPath, ['--import', 'tsx', new URL('../client/responder.ts', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
const [line] = (await once(child.stdout, 'data')) as [Buffer];
const port = Number(/listening (\d+)/.exec(line.toString())![1]);

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const exporter = new DroppingExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 65_536, maxExportBatchSize: 2048, scheduledDelayMillis: 200 })] });
const meterProvider = new MeterProvider({ readers: [new Reader()] });
const instrumentation = new CqlwireInstrumentation({
  tracerProvider,
  meterProvider,
  ...(o['attempt-spans'] === undefined ? {} : { attemptSpans: o['attempt-spans'] === 'retries' ? ('retries' as const) : o['attempt-spans'] === 'true' }),
});

const client = await Client.connect({ contactPoints: [`127.0.0.1:${port}`], heartbeatIntervalMs: 0, timeoutMs: 30_000 });
const ps = await client.prepare('SELECT key, value FROM bench.kv WHERE key = ?');

interface Phase {
  /** Requests completed per second (wall clock: depends on what else the machine runs). */
  readonly rps: number;
  /** This process's CPU time (user + system) per request, in µs: steadier under outside load. */
  readonly cpuUs: number;
}

/** Requests completed per second over `seconds`, `concurrency` kept in flight, and CPU per request. */
async function phase(): Promise<Phase> {
  let done = 0;
  let stop = false;
  const end = performance.now() + seconds * 1000;
  const worker = async (k: number): Promise<void> => {
    while (!stop) {
      await client.execute(ps, [k]);
      done++;
      if ((done & 1023) === 0 && performance.now() >= end) stop = true;
    }
  };
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
  const cpu = process.cpuUsage(cpu0);
  return { rps: done / ((performance.now() - t0) / 1000), cpuUs: (cpu.user + cpu.system) / done };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const modes = o.only === 'on' ? ['on'] : o.only === 'off' ? ['off'] : ['off', 'on'];
const results: Record<string, Phase[]> = { off: [], on: [] };
// Warm-up in each mode (JIT, pools), not measured.
for (const mode of modes) {
  if (mode === 'on') instrumentation.enable();
  await phase();
  instrumentation.disable();
}
for (let r = 0; r < Number(o.rounds); r++) {
  for (const mode of r % 2 === 0 ? modes : [...modes].reverse()) {
    if (mode === 'on') instrumentation.enable();
    const p = await phase();
    instrumentation.disable();
    results[mode]!.push(p);
    console.log(`round ${r + 1} ${mode.padEnd(3)} ${Math.round(p.rps).toLocaleString('en-US')} req/s  ${p.cpuUs.toFixed(1)} µs CPU/request`);
  }
}
await tracerProvider.forceFlush();
const rps = (mode: string): number => median(results[mode]!.map((p) => p.rps));
const cpu = (mode: string): number => median(results[mode]!.map((p) => p.cpuUs));
for (const mode of modes) console.log(`${mode.padEnd(3)} median ${Math.round(rps(mode)).toLocaleString('en-US')} req/s, ${cpu(mode).toFixed(1)} µs CPU/request`);
if (modes.length === 2) {
  console.log(`on / off throughput = ${(rps('on') / rps('off')).toFixed(3)}; CPU per request on / off = ${(cpu('on') / cpu('off')).toFixed(2)} (${(1 / (cpu('on') / cpu('off'))).toFixed(3)} of the throughput a CPU-bound client keeps); spans exported: ${exporter.spans.toLocaleString('en-US')}`);
}
console.log(`load average after: ${load()}`);
await client.close();
child.kill();
