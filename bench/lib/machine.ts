// What the numbers were measured on: printed before any result and stored with every JSON file.
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** The machine and software a benchmark ran on. */
export interface MachineInfo {
  /** CPU model as the OS reports it. */
  readonly cpuModel: string;
  /** Logical cores. */
  readonly cores: number;
  /** Total memory, GiB. */
  readonly memoryGb: number;
  /** Node.js version. */
  readonly node: string;
  /** OS type, kernel release and architecture. */
  readonly os: string;
  /** 1/5/15-minute load averages when the run started: other work running shows up here. */
  readonly loadAvg: readonly number[];
  /** cqlwire version (root package.json). */
  readonly cqlwire: string;
  /** Versions of the other drivers the suites compared against (null when not installed). */
  readonly drivers: Readonly<Record<string, string | null>>;
  /** Start of the run, ISO 8601. */
  readonly date: string;
}

/** Describe this machine; `drivers` are the competitor versions the suites found. */
export function machineInfo(drivers: Readonly<Record<string, string | null>> = {}): MachineInfo {
  const cpus = os.cpus();
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAvg: os.loadavg().map((l) => Math.round(l * 100) / 100),
    cqlwire: pkg.version,
    drivers,
    date: new Date().toISOString(),
  };
}

/** One line per field, for the console and the markdown file. */
export function formatMachine(m: MachineInfo): string {
  const drivers = Object.entries(m.drivers)
    .map(([k, v]) => `${k} ${v ?? '(not installed)'}`)
    .join(', ');
  return [
    `machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GiB`,
    `software: Node ${m.node}, ${m.os}, cqlwire ${m.cqlwire}${drivers ? `, ${drivers}` : ''}`,
    `load average at start: ${m.loadAvg.join(' / ')} (1/5/15 min)`,
    `date: ${m.date}`,
  ].join('\n');
}
