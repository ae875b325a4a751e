// The fuzzing engine shared by the CLI (fuzz/run.ts) and the CI smoke test: a seeded PRNG, byte
// mutators, the crash oracle and a time-boxed loop. No coverage guidance (see fuzz/README.md):
// inputs whose outcome (error code + message shape) is new are kept and mutated further.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProtocolError } from '../protocol/index.js';

/** One fuzz target: valid seed inputs and the function that feeds an input to decoders. */
export interface FuzzTarget {
  /** Name used by `--target` and for `fuzz/corpus/<name>/`. */
  readonly name: string;
  /** What the target exercises and how its input bytes are laid out. */
  readonly description: string;
  /** Valid inputs built with the codec's own encoders (written to the corpus by `--update-corpus`). */
  seeds(): Buffer[];
  /**
   * Feed `input` to the decoders. Returns a short outcome label for successful decodes (used
   * to keep inputs that reach new behaviour). Throws what the decoders throw.
   */
  exec(input: Buffer): string;
}

/** Why an input is a crash. */
export type CrashKind = 'exception' | 'masked-exception' | 'slow' | 'memory' | 'hang';

/** A crashing input and what went wrong. */
export interface Crash {
  /** Name of the target that crashed. */
  readonly target: string;
  /** What went wrong. */
  readonly kind: CrashKind;
  /** The input that did it (for `hang`: the one running when progress stopped). */
  readonly input: Buffer;
  /** Error name + message (+ stack), or a description of the slow/memory/hang case. */
  readonly detail: string;
}

/** Limits that turn a slow or greedy case into a crash. */
export interface CaseLimits {
  /** A single case taking longer than this (ms) is a crash. */
  readonly maxCaseMs: number;
  /** Growth of RSS + array buffers over the run's baseline (MiB) that is a crash. */
  readonly maxMemoryGrowthMb: number;
}

/** Default limits: decoders see inputs of at most a few hundred KiB here. */
export const DEFAULT_LIMITS: CaseLimits = { maxCaseMs: 1000, maxMemoryGrowthMb: 768 };

/** Largest input the mutators produce. */
export const MAX_INPUT = 256 * 1024;

// --------------------------------------------------------------------------------------- PRNG

/** Small fast seeded PRNG (sfc32); reproducible runs from a printed seed. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return n <= 1 ? 0 : this.u32() % n;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  /** `n` random bytes. */
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }

  /** One element of a non-empty list. */
  pick<T>(list: readonly T[]): T {
    return list[this.below(list.length)]!;
  }
}

/**
 * Split `data` into chunks at positions chosen from `seed`: whole, byte by byte, or random cuts
 * (what the incremental decoders must all handle the same way).
 */
export function chunksOf(data: Buffer, seed: number): Buffer[] {
  const rng = new Rng(seed);
  const mode = rng.below(4);
  if (mode === 0 || data.length < 2) return [data];
  if (mode === 1 && data.length <= 4096) {
    const out: Buffer[] = [];
    for (let i = 0; i < data.length; i++) out.push(data.subarray(i, i + 1));
    return out;
  }
  const out: Buffer[] = [];
  let at = 0;
  // Tiny chunks for small inputs; large inputs (multi-segment frames) in KiB-sized ones.
  const maxChunk = mode === 2 ? (data.length <= 16384 ? 16 : 4096) : Math.max(2, data.length >>> 2);
  while (at < data.length) {
    const n = 1 + rng.below(maxChunk);
    out.push(data.subarray(at, at + n));
    at += n;
  }
  return out;
}

// ----------------------------------------------------------------------------------- mutators

const INTERESTING_32 = [0, 1, -1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, -0x80000000, 0x10000, 0x1000000, -2];

function writeInteresting(rng: Rng, b: Buffer): Buffer {
  if (b.length === 0) return b;
  const width = rng.pick([1, 2, 4]);
  if (b.length < width) return b;
  const at = rng.below(b.length - width + 1);
  const v = rng.pick(INTERESTING_32);
  const out = Buffer.from(b);
  if (width === 1) out[at] = v & 0xff;
  else if (width === 2) out.writeUInt16BE(v & 0xffff, at);
  else out.writeInt32BE(v | 0, at);
  return out;
}

/** Apply 1–4 random mutations (bit flip, byte set, interesting int, insert, delete, duplicate, truncate, splice). */
export function mutate(rng: Rng, input: Buffer, pool: readonly Buffer[]): Buffer {
  let b = input;
  const rounds = 1 + rng.below(4);
  for (let r = 0; r < rounds; r++) {
    switch (rng.below(9)) {
      case 0: {
        if (b.length === 0) break;
        b = Buffer.from(b);
        const at = rng.below(b.length);
        b[at] = b[at]! ^ (1 << rng.below(8));
        break;
      }
      case 1: {
        if (b.length === 0) break;
        b = Buffer.from(b);
        b[rng.below(b.length)] = rng.u32() & 0xff;
        break;
      }
      case 2:
        b = writeInteresting(rng, b);
        break;
      case 3: {
        const at = rng.below(b.length + 1);
        b = Buffer.concat([b.subarray(0, at), rng.bytes(1 + rng.below(8)), b.subarray(at)]);
        break;
      }
      case 4: {
        if (b.length === 0) break;
        const at = rng.below(b.length);
        const n = 1 + rng.below(Math.min(16, b.length - at));
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + n)]);
        break;
      }
      case 5: {
        if (b.length === 0) break;
        const at = rng.below(b.length);
        const n = 1 + rng.below(Math.min(64, b.length - at));
        const to = rng.below(b.length + 1);
        b = Buffer.concat([b.subarray(0, to), b.subarray(at, at + n), b.subarray(to)]);
        break;
      }
      case 6:
        b = b.subarray(0, rng.below(b.length + 1));
        break;
      case 7: {
        if (pool.length === 0) break;
        const other = rng.pick(pool);
        const cut = rng.below(b.length + 1);
        const from = rng.below(other.length + 1);
        b = Buffer.concat([b.subarray(0, cut), other.subarray(from)]);
        break;
      }
      default: {
        // Keep the first byte (targets use it as a mode byte) and randomise a window.
        if (b.length < 2) break;
        b = Buffer.from(b);
        const at = 1 + rng.below(b.length - 1);
        const n = Math.min(b.length - at, 1 + rng.below(8));
        rng.bytes(n).copy(b, at);
        break;
      }
    }
  }
  return b.length > MAX_INPUT ? b.subarray(0, MAX_INPUT) : b;
}

// ------------------------------------------------------------------------------------- oracle

/** The error a case threw, classified: allowed (a typed ProtocolError) or a crash. */
export function classify(err: unknown): { ok: true; label: string } | { ok: false; kind: CrashKind; detail: string } {
  if (err instanceof ProtocolError) {
    // Decoders wrap stray exceptions as MALFORMED with a cause: that is a bug hidden by a safety net.
    const cause: unknown = err.cause;
    if (cause !== undefined && !(cause instanceof ProtocolError)) {
      return { ok: false, kind: 'masked-exception', detail: `${describeError(err)}\ncaused by: ${describeError(cause)}` };
    }
    // Numbers and quoted text vary with the input, not with the code path: leave them out.
    const shape = err.message.replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, 'S').replace(/0x-?[0-9a-f]+|-?\d+/gi, '#');
    return { ok: true, label: `${err.code}:${shape.slice(0, 80)}` };
  }
  return { ok: false, kind: 'exception', detail: describeError(err) };
}

function describeError(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return `non-Error thrown: ${String(err)}`;
}

/** Run one input through a target and judge the outcome (without memory checks). */
export function runOne(target: FuzzTarget, input: Buffer, limits: CaseLimits = DEFAULT_LIMITS): { label: string; crash?: Crash } {
  const t0 = performance.now();
  let label: string;
  try {
    label = `ok:${target.exec(input)}`;
  } catch (err) {
    const c = classify(err);
    if (!c.ok) return { label: 'crash', crash: { target: target.name, kind: c.kind, input, detail: c.detail } };
    label = c.label;
  }
  let ms = performance.now() - t0;
  if (ms > limits.maxCaseMs) {
    // A GC pause or a busy machine can stall any case once: slow only if it is slow again.
    const t1 = performance.now();
    try {
      target.exec(input);
    } catch {
      // outcome already judged above
    }
    ms = Math.min(ms, performance.now() - t1);
  }
  if (ms > limits.maxCaseMs) {
    return {
      label,
      crash: { target: target.name, kind: 'slow', input, detail: `one case took ${ms.toFixed(0)} ms (limit ${limits.maxCaseMs} ms) on ${input.length} input bytes` },
    };
  }
  return { label };
}

// ------------------------------------------------------------------------------------- corpus

/** Directory of the fuzz sources (this file's folder). */
export const FUZZ_DIR = new URL('.', import.meta.url).pathname;

/** The committed seed files of `target` (empty if none). */
export function loadCorpus(target: string, dir = join(FUZZ_DIR, 'corpus')): Buffer[] {
  const d = join(dir, target);
  if (!existsSync(d)) return [];
  return readdirSync(d)
    .filter((f) => !f.startsWith('.'))
    .sort()
    .map((f) => readFileSync(join(d, f)));
}

/**
 * (Re)write `fuzz/corpus/<target>/` from the target's generated seeds, at most `max` of them
 * spread over the list (the fuzzer regenerates all seeds in memory anyway); returns how many.
 */
export function writeCorpus(target: FuzzTarget, max = 16, dir = join(FUZZ_DIR, 'corpus')): number {
  const d = join(dir, target.name);
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  const all = target.seeds();
  const step = Math.max(1, all.length / max);
  const seeds: Buffer[] = [];
  for (let i = 0; i < all.length && seeds.length < max; i += step) seeds.push(all[Math.floor(i)]!);
  for (const s of seeds) writeFileSync(join(d, `${sha1(s).slice(0, 12)}.bin`), s);
  return seeds.length;
}

/** Hex SHA-1 of bytes (crash and corpus file names). */
export function sha1(b: Uint8Array): string {
  return createHash('sha1').update(b).digest('hex');
}

/** Save a crashing input under `fuzz/crashes/`; returns the file path. */
export function writeCrash(crash: Crash, dir = join(FUZZ_DIR, 'crashes')): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${crash.target}-${crash.kind}-${sha1(crash.input).slice(0, 12)}.bin`);
  writeFileSync(file, crash.input);
  writeFileSync(`${file}.txt`, `${crash.detail}\n`);
  return file;
}

// --------------------------------------------------------------------------------------- loop

/** Options of {@link fuzzTarget}. */
export interface FuzzOptions {
  /** Wall-clock budget in milliseconds. */
  readonly ms: number;
  /** PRNG seed. */
  readonly seed: number;
  /** Extra starting inputs (normally the committed corpus). */
  readonly corpus?: readonly Buffer[];
  /** Case limits. */
  readonly limits?: CaseLimits;
  /** Called before each case with the input about to run (the CLI's hang guard records it). */
  readonly beforeCase?: (input: Buffer) => void;
}

/** What one time-boxed run of a target did. */
export interface FuzzReport {
  /** Target name. */
  readonly target: string;
  /** Inputs run. */
  readonly cases: number;
  /** Distinct outcomes seen (error codes/message shapes and success labels). */
  readonly outcomes: number;
  /** Inputs kept in the pool at the end (seeds + inputs with new outcomes). */
  readonly pool: number;
  /** The first crash, which ended the run. */
  readonly crash?: Crash;
}

const MAX_POOL = 4096;
/** Bytes the pool may hold: kept well under the memory limit. */
const MAX_POOL_BYTES = 64 * 1024 * 1024;

/**
 * Fuzz one target until the budget is spent or a crash is found: start from the seeds and
 * corpus, then loop over (mutated pool entry | arbitrary bytes) inputs.
 */
export function fuzzTarget(target: FuzzTarget, opts: FuzzOptions): FuzzReport {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const rng = new Rng(opts.seed);
  const pool: Buffer[] = [];
  const unique = new Set<string>();
  for (const s of [...target.seeds(), ...(opts.corpus ?? [])]) {
    const key = s.toString('latin1');
    if (unique.has(key)) continue;
    unique.add(key);
    pool.push(s);
  }
  const seen = new Set<string>();
  let poolBytes = pool.reduce((n, b) => n + b.length, 0);
  const baseline = memoryMb();
  const deadline = performance.now() + opts.ms;
  let cases = 0;

  const attempt = (input: Buffer): Crash | undefined => {
    opts.beforeCase?.(input);
    const { label, crash } = runOne(target, input, limits);
    cases++;
    if (crash !== undefined) return crash;
    if (!seen.has(label)) {
      seen.add(label);
      if (pool.length < MAX_POOL && poolBytes + input.length <= MAX_POOL_BYTES) {
        pool.push(input);
        poolBytes += input.length;
      }
    }
    if ((cases & 31) === 0) {
      const grown = memoryMb() - baseline;
      if (grown > limits.maxMemoryGrowthMb) {
        return { target: target.name, kind: 'memory', input, detail: `memory grew by ${grown.toFixed(0)} MiB (limit ${limits.maxMemoryGrowthMb} MiB); last input shown` };
      }
    }
    return undefined;
  };

  const report = (crash?: Crash): FuzzReport => ({ target: target.name, cases, outcomes: seen.size, pool: pool.length, crash });

  // Every seed as is first: the corpus itself must decode.
  for (const s of pool.slice()) {
    const crash = attempt(s);
    if (crash !== undefined) return report(crash);
  }
  while (performance.now() < deadline) {
    for (let i = 0; i < 16; i++) {
      const input = pool.length === 0 || rng.chance(0.05) ? rng.bytes(rng.below(rng.chance(0.5) ? 32 : 2048)) : mutate(rng, rng.pick(pool), pool);
      const crash = attempt(input);
      if (crash !== undefined) return report(crash);
    }
  }
  return report();
}

function memoryMb(): number {
  const m = process.memoryUsage();
  return (m.rss + m.arrayBuffers) / (1024 * 1024);
}
