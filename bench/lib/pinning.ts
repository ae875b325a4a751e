// CPU pinning with taskset: the load process and the responder each get a CPU of their own when
// the machine has two, so neither steals the other's time and the scheduler cannot move them
// mid-run. Every helper reads the affinity back from /proc rather than trusting that it was set.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** A process's `Cpus_allowed_list` (e.g. `0-1` or `0,2-3`), undefined when unreadable. */
export function cpuList(pid: number | 'self'): string | undefined {
  try {
    return /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** Expand a CPU list such as `0,2-3` into `[0, 2, 3]`. */
export function parseCpuList(list: string): number[] {
  return list.split(',').flatMap((r) => {
    const [lo, hi] = r.split('-').map(Number);
    return Array.from({ length: (hi ?? lo!) - lo! + 1 }, (_, i) => lo! + i);
  });
}

/** CPUs this process may run on (all CPUs when /proc cannot tell). */
export function allowedCpus(): number[] {
  const list = cpuList('self');
  return list === undefined ? os.cpus().map((_, i) => i) : parseCpuList(list);
}

/** Whether `taskset` (util-linux) can be run. */
export function hasTaskset(): boolean {
  return spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
}

/** Where the processes of a suite run, or why they are not pinned. */
export interface PinPlan {
  /** One CPU per role in the order asked for, or null when not pinned. */
  readonly cpus: readonly number[] | null;
  /** Human-readable: what was pinned where, or why nothing was. */
  readonly description: string;
}

/**
 * A CPU for each of `roles` (e.g. `['load process', 'responder']`), distinct, from the CPUs this
 * process may use. Not pinned when there are fewer CPUs than roles or no taskset: sharing one
 * CPU by pinning would only serialise the two processes, which is worse than letting them float.
 */
export function planPinning(roles: readonly string[]): PinPlan {
  const allowed = allowedCpus();
  if (allowed.length < roles.length) return { cpus: null, description: `not pinned: ${allowed.length} CPU(s) available for ${roles.length} processes` };
  if (!hasTaskset()) return { cpus: null, description: 'not pinned: taskset not found (util-linux)' };
  // The highest CPUs: interrupts and the harness itself tend to land on CPU 0.
  const cpus = allowed.slice(allowed.length - roles.length);
  return { cpus, description: roles.map((r, i) => `${r} on CPU ${cpus[i]}`).join(', ') + ' (taskset)' };
}

/** `cmd argv` wrapped so that it starts on `cpu` (taskset execs it: same pid, same stdio). */
export function pinnedCommand(cpu: number | undefined, cmd: string, argv: readonly string[]): [string, string[]] {
  return cpu === undefined ? [cmd, [...argv]] : ['taskset', ['-c', String(cpu), cmd, ...argv]];
}

/** Pin every thread of this process to `cpus` (e.g. `3` or `0-1`); returns the list read back. */
export function pinSelf(cpus: string): string | undefined {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' });
  return cpuList('self');
}
