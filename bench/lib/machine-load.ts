// What else the machine did during a run, from /proc: the 1-minute load average before and after,
// the busy share of each CPU, and the CPU time of every process that is not ours (busy time of
// the CPUs minus our own processes' time). A run measured while other work took a CPU is not a
// measurement of the client; the harness repeats it (see `isNoisy`) and records the figures.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const CLK_TCK = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Jiffies of one `cpu`/`cpuN` line of /proc/stat. */
interface CpuTicks {
  /** user + nice + system + steal: time a process (ours or not) or another VM held the CPU. */
  readonly busy: number;
  /** irq + softirq: interrupt work, largely our own loopback traffic; reported, not blamed on others. */
  readonly irq: number;
  readonly total: number;
}

/** A point-in-time reading; two of them make a {@link RunLoad}. */
export interface LoadSample {
  readonly at: number;
  readonly loadAvg1: number;
  readonly cpus: ReadonlyMap<string, CpuTicks>;
  /** CPU ticks of our processes: this one with its reaped children, and the live `pids`. */
  readonly ownTicks: number;
}

/** A {@link LoadSample} as JSON (a load process samples its own measured window and prints both). */
export interface LoadSampleJson {
  readonly at: number;
  readonly loadAvg1: number;
  readonly cpus: readonly (readonly [string, CpuTicks])[];
  readonly ownTicks: number;
}

/** To JSON. */
export function sampleToJson(s: LoadSample): LoadSampleJson {
  return { at: s.at, loadAvg1: s.loadAvg1, cpus: [...s.cpus], ownTicks: s.ownTicks };
}

/** From JSON. */
export function sampleFromJson(j: LoadSampleJson): LoadSample {
  return { at: j.at, loadAvg1: j.loadAvg1, cpus: new Map(j.cpus), ownTicks: j.ownTicks };
}

/** Environment variable naming the pids (comma-separated) a load process counts as ours besides itself (the responder). */
export const OWN_PIDS_ENV = 'CQLWIRE_BENCH_OWN_PIDS';

/** The machine during one run. */
export interface RunLoad {
  /** 1-minute load average before and after (our own processes count in it too). */
  readonly loadAvg1Before: number;
  readonly loadAvg1After: number;
  /** Busy share (process + steal + interrupt time) of all CPUs, %. */
  readonly machineBusyPct: number;
  /** Busy share of each CPU our processes ran on, %: shows the pinning at work. */
  readonly cpuBusyPct: Readonly<Record<string, number>>;
  /** CPU our processes used (the harness, the load process, the responder), in cores. */
  readonly ownCores: number;
  /** Interrupt time on the CPUs we ran on, in cores. */
  readonly irqCores: number;
  /** CPU every other process (and steal) took on the CPUs we ran on, in cores: the noise. */
  readonly otherCores: number;
  /** The same over the whole machine, in cores. */
  readonly otherMachineCores: number;
}

/** utime + stime + cutime + cstime of /proc/<pid>/stat, in ticks (0 once the process is gone). */
export function procTicks(pid: number | 'self'): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): state is field 3, utime field 14.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  } catch {
    return 0;
  }
}

/** Read /proc now; `pids` are our live child processes (e.g. the responder). */
export function sampleLoad(pids: readonly number[] = []): LoadSample {
  const cpus = new Map<string, CpuTicks>();
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    if (!line.startsWith('cpu')) continue;
    const [name, ...v] = line.trim().split(/\s+/);
    // user nice system idle iowait irq softirq steal (guest time is already inside user)
    const n = v.slice(0, 8).map(Number);
    const busy = n[0]! + n[1]! + n[2]! + n[7]!;
    const irq = n[5]! + n[6]!;
    cpus.set(name!, { busy, irq, total: busy + irq + n[3]! + n[4]! });
  }
  const loadAvg1 = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  return { at: performance.now(), loadAvg1, cpus, ownTicks: procTicks('self') + pids.reduce((s, p) => s + procTicks(p), 0) };
}

/**
 * The load between two samples. `ourCpus` are the CPUs our processes were confined to (all of
 * them when not pinned): other work counts as noise only where it could take our time.
 */
export function runLoad(a: LoadSample, b: LoadSample, ourCpus: readonly number[]): RunLoad {
  const delta = (name: string): { busy: number; irq: number; total: number } => {
    const x = a.cpus.get(name);
    const y = b.cpus.get(name);
    if (x === undefined || y === undefined) return { busy: 0, irq: 0, total: 0 };
    return { busy: y.busy - x.busy, irq: y.irq - x.irq, total: y.total - x.total };
  };
  const pct = (d: { busy: number; irq: number; total: number }): number => (d.total > 0 ? Math.round((1000 * (d.busy + d.irq)) / d.total) / 10 : 0);
  const seconds = (b.at - a.at) / 1000;
  const cores = (ticks: number): number => (seconds > 0 ? Math.round((100 * Math.max(0, ticks)) / CLK_TCK / seconds) / 100 : 0);
  const own = b.ownTicks - a.ownTicks;
  const ours = ourCpus.map((c) => delta(`cpu${c}`));
  const all = delta('cpu');
  return {
    loadAvg1Before: a.loadAvg1,
    loadAvg1After: b.loadAvg1,
    machineBusyPct: pct(all),
    cpuBusyPct: Object.fromEntries(ourCpus.map((c, i) => [`cpu${c}`, pct(ours[i]!)])),
    ownCores: cores(own),
    irqCores: cores(ours.reduce((s, d) => s + d.irq, 0)),
    otherCores: cores(ours.reduce((s, d) => s + d.busy, 0) - own),
    otherMachineCores: cores(all.busy - own),
  };
}

/** One line for the console: `load 1.20→1.35, cpu0 98% cpu1 41%, other 0.03 cores`. */
export function formatRunLoad(l: RunLoad): string {
  const busy = Object.entries(l.cpuBusyPct).map(([c, v]) => `${c} ${v.toFixed(0)}%`).join(' ');
  return `load avg ${l.loadAvg1Before.toFixed(2)}→${l.loadAvg1After.toFixed(2)}, busy ${busy}, ours ${l.ownCores.toFixed(2)} irq ${l.irqCores.toFixed(2)} other ${l.otherCores.toFixed(2)} cores`;
}

/** Default noise limit: other processes took more than a fifth of a CPU on average. */
export const DEFAULT_MAX_OTHER_CORES = 0.2;

/** Whether a run was disturbed enough to be repeated. */
export function isNoisy(l: RunLoad, maxOtherCores = DEFAULT_MAX_OTHER_CORES): boolean {
  return l.otherCores > maxOtherCores;
}
