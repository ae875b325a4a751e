// `client` suite: prepared single-row SELECT by key against the instant responder
// (bench/client/responder.ts: canned reply bytes, only the stream id patched), so the figures are
// each client's own cost: ops/s, CPU µs per request (process.cpuUsage of the load process) and
// p99 latency, at 1, 64, 256, 1024 and 4096 requests in flight.
//
// Fair by construction: the load process and the responder run on CPUs of their own (taskset,
// when there are two; the affinity each process had is read back from /proc and stored); the
// drivers' runs are interleaved (A1 B1 A2 B2 ...); the CPU time other processes took during each
// run is measured and a disturbed run repeated; medians and ranges are reported, and the ratios
// of cqlwire to each other driver are taken run by run (run i against run i, seconds apart).
// Every driver negotiates its own default protocol version (named in each row).
import { LOAD_DRIVERS, buildCqlwire, describeBuild, ensurePython, loadDriverVersions, loadOnce, pythonMissingNote, startResponder, type LoadDriver, type LoadLine } from '../lib/load-runner.js';
import { runLoad, sampleFromJson } from '../lib/machine-load.js';
import { allowedCpus, planPinning } from '../lib/pinning.js';
import { resultRow, type RatioRow, type ResultRow, type RunRow } from '../lib/result.js';
import { loadSummary, pairRatios, runInterleaved, spread, type RunRecord } from '../lib/runs.js';
import type { Suite, SuiteContext, SuiteOutput } from '../lib/suite.js';

const DEFAULT_CONCURRENCY = [1, 64, 256, 1024, 4096];
/** The Python drivers are opt-in here (`--drivers`): at 1–4 k ops/s they add minutes and say little about client cost. */
const DEFAULT_DRIVERS: readonly LoadDriver[] = ['cqlwire', 'cassandra-driver'];
const isPython = (d: string): boolean => d === 'async-cassandra' || d === 'python-driver';

interface Plan {
  drivers: LoadDriver[];
  concurrency: number[];
  runs: number;
  seconds: number;
  warmupSeconds: number;
}

function plan(ctx: SuiteContext): Plan {
  const drivers = (ctx.drivers ?? DEFAULT_DRIVERS).map((d) => {
    if (!(LOAD_DRIVERS as readonly string[]).includes(d)) throw new Error(`client suite: unknown driver '${d}' (known: ${LOAD_DRIVERS.join(', ')})`);
    return d as LoadDriver;
  });
  return {
    drivers,
    concurrency: [...(ctx.concurrency ?? (ctx.quick ? [256] : DEFAULT_CONCURRENCY))],
    runs: ctx.runs ?? (ctx.quick ? 2 : 5),
    seconds: ctx.seconds ?? (ctx.quick ? 2 : 5),
    warmupSeconds: ctx.quick ? 1 : 2,
  };
}

const suite: Suite = {
  name: 'client',
  description: 'prepared single-row SELECT against an instant responder (pre-built replies): each client’s own cost, pinned and interleaved',
  estimate(ctx) {
    const p = plan(ctx);
    // Per run: warm-up + measured time + ~1.5 s to start a process and connect.
    const seconds = p.concurrency.length * p.drivers.length * p.runs * (p.seconds + p.warmupSeconds + 1.5) + 20;
    return { seconds, note: `${p.concurrency.length} concurrencies × ${p.drivers.length} drivers × ${p.runs} runs of ${p.warmupSeconds}+${p.seconds} s; more when runs are repeated because of other load` };
  },
  async prepare(ctx) {
    if (plan(ctx).drivers.some(isPython)) await ensurePython(ctx.log);
  },
  driverVersions: loadDriverVersions,
  async run(ctx: SuiteContext): Promise<SuiteOutput> {
    const p = plan(ctx);
    const built = await describeBuild(ctx.rev);
    const dist = await buildCqlwire(ctx.log, ctx.rev);
    const python = p.drivers.some(isPython) ? await ensurePython(ctx.log) : false;
    const drivers = p.drivers.filter((d) => python || !isPython(d));
    const skipped = p.drivers.filter((d) => !drivers.includes(d));

    const pin = planPinning(['load process', 'responder']);
    const responder = await startResponder(pin.cpus?.[1]);
    const clientCpu = pin.cpus?.[0];
    const ourCpus = pin.cpus ?? allowedCpus();
    ctx.log(`pinning: ${pin.description}; responder pid ${responder.pid} allowed on CPUs ${responder.cpus ?? '?'} (read back)`);

    const records: RunRecord<LoadLine>[] = [];
    const results: ResultRow[] = [];
    const ratios: RatioRow[] = [];
    const tuned = new Set<string>();
    const loadCpus = new Map<string, Set<string>>();
    try {
      for (const concurrency of p.concurrency) {
        const scenario = `select c${concurrency}`;
        const recs = await runInterleaved<LoadLine>({
          scenario,
          contestants: drivers,
          runs: p.runs,
          once: async (who) => {
            const line = await loadOnce({ driver: who as LoadDriver, host: '127.0.0.1', port: responder.port, op: 'select', concurrency, seconds: p.seconds, warmupSeconds: p.warmupSeconds, cqlwireDist: dist, cpu: clientCpu, ownPids: [responder.pid] });
            if (line.tuned) tuned.add(`${who} at ${concurrency} in flight: ${line.tuned}`);
            if (line.cpusAllowed) {
              const set = loadCpus.get(who) ?? new Set<string>();
              set.add(line.cpusAllowed);
              loadCpus.set(who, set);
            }
            return line;
          },
          pids: [responder.pid],
          cpus: ourCpus,
          measuredLoad: (l) => (l.loadSamples ? runLoad(sampleFromJson(l.loadSamples[0]), sampleFromJson(l.loadSamples[1]), ourCpus) : undefined),
          maxOtherCores: ctx.maxOtherCores,
          maxAttempts: ctx.maxAttempts,
          describe: (_who, l) =>
            `v${l.protocolVersion} ${Math.round(l.opsPerSec).toString().padStart(7)} ops/s  cpu ${l.cpuUsPerOp.toFixed(2).padStart(6)} µs/op${l.systemUsPerOp === undefined ? '' : ` (kernel ${l.systemUsPerOp.toFixed(2)})`}  p99 ${l.p99Ms.toFixed(2).padStart(7)} ms${l.errors ? `  errors ${l.errors}` : ''}`,
          log: ctx.log,
        });
        records.push(...recs);
        for (const who of drivers) results.push(rowOf(scenario, concurrency, who, recs.filter((r) => r.who === who)));
        for (const d of skipped) results.push(resultRow({ suite: 'client', scenario, driver: d, concurrency, compression: 'none', note: pythonMissingNote() }));
        for (const other of drivers.slice(1)) {
          ratios.push({
            scenario,
            a: drivers[0]!,
            b: other,
            opsPerSec: pairRatios(recs, drivers[0]!, other, (l) => l.opsPerSec),
            cpuUsPerOp: pairRatios(recs, drivers[0]!, other, (l) => l.cpuUsPerOp),
            p99Ms: pairRatios(recs, drivers[0]!, other, (l) => l.p99Ms),
          });
          const r = ratios[ratios.length - 1]!;
          ctx.log(`  ${scenario}: ${r.a}/${r.b} ops/s ${fmt(r.opsPerSec)}, CPU/op ${fmt(r.cpuUsPerOp)}, p99 ${fmt(r.p99Ms)} (median of run-by-run ratios, range)`);
        }
      }
    } finally {
      responder.stop();
    }
    const readBack = [...loadCpus].map(([who, set]) => `${who} ${[...set].join('|')}`).join(', ');
    return {
      results,
      ratios,
      runs: records.map(toRunRow),
      setup: {
        command: ctx.command,
        pinning: `${pin.description}; read back: responder CPUs ${responder.cpus ?? '?'}, load processes CPUs ${readBack || '?'}`,
        runs: p.runs,
        seconds: p.seconds,
        maxOtherCores: ctx.maxOtherCores,
        maxAttempts: ctx.maxAttempts,
        notes: [
          built,
          `warm-up ${p.warmupSeconds} s per run (in the load process, before its measured ${p.seconds} s); CPU µs/op is process.cpuUsage() of the load process over the measured part`,
          'machine load per run: /proc/stat and /proc/loadavg read by the load process at the start and end of its measured part; "other" = busy time of our CPUs minus the load process and the responder (interrupt time shown apart)',
          'responder: bench/client/responder.ts, canned reply frames with the stream id patched (v5: segments, CRC32 by zlib)',
          ...[...tuned].map((t) => `driver setting changed: ${t}`),
        ],
      },
    };
  },
};

const fmt = (s: { median: number; min: number; max: number } | null): string => (s === null ? '–' : `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`);

/** One result row: the median of each metric over the runs, with its range and the load they saw. */
function rowOf(scenario: string, concurrency: number, driver: string, recs: readonly RunRecord<LoadLine>[]): ResultRow {
  const lines = recs.map((r) => r.value);
  const ops = spread(lines.map((l) => l.opsPerSec));
  const cpu = spread(lines.map((l) => l.cpuUsPerOp));
  const p99 = spread(lines.map((l) => l.p99Ms));
  const mid = [...lines].sort((a, b) => a.opsPerSec - b.opsPerSec)[lines.length >> 1]!;
  const errors = lines.reduce((s, l) => s + l.errors, 0);
  const firstError = lines.find((l) => l.firstError)?.firstError;
  const notes = [...new Set(lines.map((l) => l.tuned).filter((t): t is string => !!t)), ...(firstError ? [`first error: ${firstError.slice(0, 120)}`] : [])];
  return resultRow({
    suite: 'client',
    scenario,
    driver,
    concurrency,
    compression: 'none',
    opsPerSec: ops.median,
    opsPerSecMin: ops.min,
    opsPerSecMax: ops.max,
    p50Ms: spread(lines.map((l) => l.p50Ms)).median,
    p99Ms: p99.median,
    p999Ms: spread(lines.map((l) => l.p999Ms)).median,
    cpuUsPerOp: cpu.median,
    rssMb: Math.max(...lines.map((l) => l.rssMb)),
    eventLoopP99Ms: mid.eventLoopP99Ms,
    repeats: lines.length,
    driverVersion: mid.driverVersion,
    protocolVersion: mid.protocolVersion,
    errors,
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    cpuUsPerOpMin: cpu.min,
    cpuUsPerOpMax: cpu.max,
    p99MsMin: p99.min,
    p99MsMax: p99.max,
    ...loadSummary(recs),
    cpus: [...new Set(lines.map((l) => l.cpusAllowed ?? '?'))].join('|'),
  });
}

function toRunRow(r: RunRecord<LoadLine>): RunRow {
  return {
    scenario: r.scenario,
    driver: r.who,
    run: r.run,
    attempts: r.attempts,
    noisy: r.noisy,
    opsPerSec: Math.round(r.value.opsPerSec),
    cpuUsPerOp: Math.round(r.value.cpuUsPerOp * 100) / 100,
    p99Ms: Math.round(r.value.p99Ms * 1000) / 1000,
    ...r.load,
  };
}

export default suite;
