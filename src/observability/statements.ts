import diagnosticsChannel from 'node:diagnostics_channel';
import { tracingChannelNames, type AttemptContext, type OperationContext, type OperationKind } from './diagnostics.js';

/**
 * CQL text with its literals replaced by `?` (strings, numbers, UUIDs, blobs, booleans), `IN`
 * lists collapsed to `IN (?)` and whitespace folded, so that statements differing only in
 * inlined values group together. Quoted identifiers stay.
 */
export function normalizeCql(cql: string): string {
  return cql
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/\$\$[\s\S]*?\$\$/g, '?')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '?')
    .replace(/\b0x[0-9a-f]*\b/gi, '?')
    .replace(/(?<![\w."])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, '?')
    .replace(/\b(?:true|false)\b/gi, '?')
    .replace(/\bIN\s*\(\s*\?(?:\s*,\s*\?)*\s*\)/gi, 'IN (?)')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Statistics of one normalised statement. */
export interface StatementStats {
  /** Normalised CQL text ({@link normalizeCql}); `BATCH(n)` for batches. */
  readonly query: string;
  /** Request kind. */
  readonly kind: OperationKind;
  /** Operations completed or failed. */
  readonly count: number;
  /** Operations that failed. */
  readonly errors: number;
  /** Sum of durations, milliseconds. */
  readonly totalMs: number;
  /** Mean duration, milliseconds. */
  readonly meanMs: number;
  /** Longest duration, milliseconds. */
  readonly maxMs: number;
}

/** Options of {@link StatementStatistics}. */
export interface StatementStatisticsOptions {
  /** Distinct statements kept; past it, new statements are counted under `(other)`. Default 1000. */
  readonly maxStatements?: number;
}

interface Entry {
  kind: OperationKind;
  count: number;
  errors: number;
  totalMs: number;
  maxMs: number;
}

/**
 * Per-statement statistics (count, errors, latency) of every operation in the process, from
 * the `cqlwire:operation` tracing channel: nothing is measured until `start()`.
 */
export class StatementStatistics {
  private readonly entries = new Map<string, Entry>();
  private readonly started = new WeakMap<OperationContext, number>();
  private readonly normalized = new Map<string, string>();
  private readonly max: number;
  private readonly handlers = {
    start: (ctx: OperationContext): void => void this.started.set(ctx, performance.now()),
    end: (): void => {},
    asyncStart: (): void => {},
    asyncEnd: (ctx: OperationContext): void => this.record(ctx),
    error: (): void => {},
  };
  private running = false;

  /** @param options limits. */
  constructor(options: StatementStatisticsOptions = {}) {
    this.max = options.maxStatements ?? 1000;
  }

  /** Start counting. */
  start(): this {
    if (!this.running) diagnosticsChannel.tracingChannel<unknown, OperationContext>(tracingChannelNames.operation).subscribe(this.handlers);
    this.running = true;
    return this;
  }

  /** Stop counting (what was counted stays). */
  stop(): void {
    if (this.running) diagnosticsChannel.tracingChannel<unknown, OperationContext>(tracingChannelNames.operation).unsubscribe(this.handlers);
    this.running = false;
  }

  /** The `n` statements with the most total time (or the most `count`, `errors`, `maxMs`). */
  top(n = 10, by: 'totalMs' | 'count' | 'errors' | 'maxMs' = 'totalMs'): StatementStats[] {
    const all: StatementStats[] = [];
    for (const [query, e] of this.entries) all.push({ query, kind: e.kind, count: e.count, errors: e.errors, totalMs: e.totalMs, meanMs: e.count === 0 ? 0 : e.totalMs / e.count, maxMs: e.maxMs });
    return all.sort((a, b) => b[by] - a[by]).slice(0, n);
  }

  /** Forget everything counted. */
  reset(): void {
    this.entries.clear();
  }

  private record(ctx: OperationContext): void {
    const t0 = this.started.get(ctx);
    if (t0 === undefined) return;
    const ms = performance.now() - t0;
    let key = this.normalized.get(ctx.query);
    if (key === undefined) {
      key = normalizeCql(ctx.query);
      // The cache of raw texts is bounded too: texts with inlined values are all different.
      if (this.normalized.size >= this.max * 4) this.normalized.clear();
      this.normalized.set(ctx.query, key);
    }
    let e = this.entries.get(key);
    if (e === undefined) {
      if (this.entries.size >= this.max) key = '(other)';
      e = this.entries.get(key);
      if (e === undefined) this.entries.set(key, (e = { kind: ctx.kind, count: 0, errors: 0, totalMs: 0, maxMs: 0 }));
    }
    e.count++;
    if (ctx.error !== undefined) e.errors++;
    e.totalMs += ms;
    if (ms > e.maxMs) e.maxMs = ms;
  }
}

/** A slow operation, as {@link SlowQueryReporter} reports it (no bound values). */
export interface SlowQueryReport {
  /** CQL text as sent (not normalised; values are bound, not in it). */
  readonly query: string;
  /** Request kind. */
  readonly kind: OperationKind;
  /** Keyspace, when known. */
  readonly keyspace: string | undefined;
  /** Execution profile named by the request, if any. */
  readonly profile: string | undefined;
  /** Coordinator that answered, if one did. */
  readonly host: string | undefined;
  /** Whole operation, milliseconds. */
  readonly durationMs: number;
  /** The threshold it crossed, milliseconds. */
  readonly thresholdMs: number;
  /** Each attempt: host, start offset and duration (ms), and its error code if it failed. */
  readonly attempts: readonly { readonly host: string; readonly startMs: number; readonly durationMs: number; readonly speculative: boolean; readonly error?: string }[];
  /** The error code of a failed operation. */
  readonly error?: string;
}

/** Options of {@link SlowQueryReporter}. */
export interface SlowQueryOptions {
  /** Report operations slower than this, milliseconds. */
  readonly thresholdMs: number;
  /** Thresholds of requests naming these execution profiles, milliseconds. */
  readonly profiles?: Readonly<Record<string, number>>;
  /** Called with each report (they are also published on `cqlwire:slow-query`). */
  readonly onSlowQuery?: (report: SlowQueryReport) => void;
}

/** Name of the channel {@link SlowQueryReport}s are published on. */
export const slowQueryChannelName = 'cqlwire:slow-query';

const slowQueryChannel = diagnosticsChannel.channel(slowQueryChannelName);

interface Timing {
  readonly t0: number;
  readonly attempts: { host: string; startMs: number; durationMs: number; speculative: boolean; error?: string }[];
}

/**
 * Reports operations over a threshold (per profile if set) with their CQL, host, attempts and
 * timings, from the tracing channels: nothing is measured until `start()`.
 */
export class SlowQueryReporter {
  private readonly timings = new WeakMap<OperationContext, Timing>();
  private readonly attemptStarts = new WeakMap<AttemptContext, number>();
  private readonly opHandlers = {
    start: (ctx: OperationContext): void => void this.timings.set(ctx, { t0: performance.now(), attempts: [] }),
    end: (): void => {},
    asyncStart: (): void => {},
    asyncEnd: (ctx: OperationContext): void => this.finish(ctx),
    error: (): void => {},
  };
  private readonly attemptHandlers = {
    start: (ctx: AttemptContext): void => void this.attemptStarts.set(ctx, performance.now()),
    end: (): void => {},
    asyncStart: (): void => {},
    asyncEnd: (ctx: AttemptContext): void => this.attempted(ctx),
    error: (): void => {},
  };
  private running = false;

  /** @param options thresholds and where reports go. */
  constructor(private readonly options: SlowQueryOptions) {}

  /** Start watching. */
  start(): this {
    if (this.running) return this;
    this.running = true;
    diagnosticsChannel.tracingChannel<unknown, OperationContext>(tracingChannelNames.operation).subscribe(this.opHandlers);
    diagnosticsChannel.tracingChannel<unknown, AttemptContext>(tracingChannelNames.attempt).subscribe(this.attemptHandlers);
    return this;
  }

  /** Stop watching. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    diagnosticsChannel.tracingChannel<unknown, OperationContext>(tracingChannelNames.operation).unsubscribe(this.opHandlers);
    diagnosticsChannel.tracingChannel<unknown, AttemptContext>(tracingChannelNames.attempt).unsubscribe(this.attemptHandlers);
  }

  private attempted(ctx: AttemptContext): void {
    const t = this.timings.get(ctx.operation);
    const start = this.attemptStarts.get(ctx);
    if (t === undefined || start === undefined) return;
    const now = performance.now();
    t.attempts.push({ host: ctx.host, startMs: start - t.t0, durationMs: now - start, speculative: ctx.speculative, ...(ctx.error === undefined ? {} : { error: codeOf(ctx.error) }) });
  }

  private finish(ctx: OperationContext): void {
    const t = this.timings.get(ctx);
    if (t === undefined) return;
    const durationMs = performance.now() - t.t0;
    const thresholdMs = (ctx.profile !== undefined ? this.options.profiles?.[ctx.profile] : undefined) ?? this.options.thresholdMs;
    if (durationMs < thresholdMs) return;
    const report: SlowQueryReport = {
      query: ctx.query,
      kind: ctx.kind,
      keyspace: ctx.keyspace,
      profile: ctx.profile,
      host: ctx.coordinator,
      durationMs,
      thresholdMs,
      attempts: t.attempts,
      ...(ctx.error === undefined ? {} : { error: codeOf(ctx.error) }),
    };
    if (slowQueryChannel.hasSubscribers) slowQueryChannel.publish(report);
    this.options.onSlowQuery?.(report);
  }
}

function codeOf(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name;
}
