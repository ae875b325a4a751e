// executeConcurrent: one statement per input (or a list of statements) with a bound on requests
// and bytes in flight. Inputs are pulled from the iterable only when a slot frees, so an input
// of a million rows (a file read line by line) never sits in memory.
import { InvalidArgumentError } from '../errors/driver-errors.js';
import type { ResultPage, Row } from '../results/page.js';
import type { BulkSession } from './session.js';
import type { BatchStatement, ConcurrentOptions, ConcurrentProgress, ExecuteOptions, Params } from '../session/options.js';
import { PreparedStatement } from '../session/prepared.js';
import { validateConcurrentOptions, validateParams, validateQuery } from '../session/validation.js';

/** One failed input of a run. */
export interface ConcurrentFailure {
  /** Position of the input (0-based) in the values or statements. */
  readonly index: number;
  /** Its bound values. */
  readonly params: Params | undefined;
  /** Why it failed. */
  readonly error: Error;
}

/** What an `executeConcurrent` run did. */
export interface ConcurrentResult {
  /** Inputs run. */
  readonly total: number;
  /** Requests that succeeded. */
  readonly succeeded: number;
  /** Requests that failed (all of them, even past `maxErrors`). */
  readonly failed: number;
  /** The first `maxErrors` failures, in the order they happened. */
  readonly errors: readonly ConcurrentFailure[];
  /** With `collectResults`: each input's page by position (undefined where it failed). */
  readonly results: readonly (ResultPage<Row> | undefined)[] | undefined;
  /** Milliseconds the run took. */
  readonly elapsedMs: number;
}

/** The rejection of a run with `raiseOnFirstError`: the first failure and its input. */
export class ConcurrentExecutionError extends Error {
  /** Position of the failed input. */
  readonly index: number;
  /** Its bound values. */
  readonly params: Params | undefined;
  /** What the run had done when it stopped. */
  readonly result: ConcurrentResult;
  constructor(failure: ConcurrentFailure, result: ConcurrentResult) {
    super(`input ${failure.index} failed: ${failure.error.message}`, { cause: failure.error });
    this.name = 'ConcurrentExecutionError';
    this.index = failure.index;
    this.params = failure.params;
    this.result = result;
  }
}

/** A running `executeConcurrent`: a promise of its result with a live progress counter. */
export class ConcurrentRun implements PromiseLike<ConcurrentResult> {
  /** @internal */
  constructor(
    private readonly done: Promise<ConcurrentResult>,
    private readonly state: () => ConcurrentProgress,
  ) {}

  /** How far the run is now. */
  get progress(): ConcurrentProgress {
    return this.state();
  }

  /** As Promise.then: the run's result, or its rejection. */
  then<T1 = ConcurrentResult, T2 = never>(
    onFulfilled?: ((value: ConcurrentResult) => T1 | PromiseLike<T1>) | null,
    onRejected?: ((reason: unknown) => T2 | PromiseLike<T2>) | null,
  ): Promise<T1 | T2> {
    return this.done.then(onFulfilled, onRejected);
  }

  /** As Promise.catch. */
  catch<T = never>(onRejected?: ((reason: unknown) => T | PromiseLike<T>) | null): Promise<ConcurrentResult | T> {
    return this.done.catch(onRejected);
  }
}

type Input = Iterable<unknown> | AsyncIterable<unknown>;

/**
 * `client.executeConcurrent`: the client is a parameter so that the session never imports
 * this layer beyond its facade's one-line methods.
 */
export function executeConcurrent(
  client: BulkSession,
  a: string | PreparedStatement | Iterable<BatchStatement> | AsyncIterable<BatchStatement>,
  b?: Iterable<Params> | AsyncIterable<Params> | ConcurrentOptions,
  c?: ConcurrentOptions,
): ConcurrentRun {
  const single = typeof a === 'string' || a instanceof PreparedStatement;
  const options: ConcurrentOptions = (single ? c : (b as ConcurrentOptions | undefined)) ?? {};
  const values = single ? (b as Input | undefined) : (a as Input);
  const counters = { started: 0, succeeded: 0, failed: 0, inFlight: 0, t0: performance.now() };
  const progress = (): ConcurrentProgress => ({ started: counters.started, succeeded: counters.succeeded, failed: counters.failed, inFlight: counters.inFlight, elapsedMs: performance.now() - counters.t0 });
  const done = (async (): Promise<ConcurrentResult> => {
    validateConcurrentOptions(options);
    if (single) validateQuery(a);
    if (values === null || typeof values !== 'object' || !(Symbol.iterator in values || Symbol.asyncIterator in values)) {
      throw new InvalidArgumentError(`${single ? 'values' : 'statements'} must be an array, an iterable or an async iterable`);
    }
    // Prepare once up front (by default, as cassandra-driver does): each input then binds only.
    const prepare = options.prepare !== false;
    const ps = single ? (typeof a === 'string' && prepare ? await client.prepare(a, options) : (a as string | PreparedStatement)) : undefined;
    return run(client, ps, values, options, counters, progress);
  })();
  done.catch(() => undefined); // a caller that only reads progress must not see an unhandled rejection
  return new ConcurrentRun(done, progress);
}

interface Counters {
  started: number;
  succeeded: number;
  failed: number;
  inFlight: number;
  t0: number;
}

async function run(
  client: BulkSession,
  statement: string | PreparedStatement | undefined,
  values: Input,
  options: ConcurrentOptions,
  counters: Counters,
  progress: () => ConcurrentProgress,
): Promise<ConcurrentResult> {
  const concurrency = options.concurrency ?? 64;
  const maxBytes = options.maxBytesInFlight ?? Infinity;
  const maxErrors = options.maxErrors ?? 100;
  const raise = options.raiseOnFirstError === true;
  const results: (ResultPage<Row> | undefined)[] | undefined = options.collectResults === true ? [] : undefined;
  const errors: ConcurrentFailure[] = [];
  const execOptions = requestOptions(options);
  let bytes = 0;
  let firstFailure: ConcurrentFailure | undefined;
  // One waiter at most: the pump, parked until a slot frees.
  let wake: (() => void) | undefined;
  const release = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const timer = options.onProgress !== undefined ? setInterval(() => options.onProgress!(progress()), options.progressIntervalMs ?? 1000) : undefined;
  timer?.unref();
  const syncIt = Symbol.iterator in values ? (values as Iterable<unknown>)[Symbol.iterator]() : undefined;
  const asyncIt = syncIt === undefined ? (values as AsyncIterable<unknown>)[Symbol.asyncIterator]() : undefined;
  let exhausted = false;
  try {
    while (firstFailure === undefined || !raise) {
      while (counters.inFlight >= concurrency || (bytes >= maxBytes && counters.inFlight > 0)) await new Promise<void>((r) => (wake = r));
      if (firstFailure !== undefined && raise) break;
      // A sync iterable is read without a microtask per input: the pump stays on the fast path.
      const next = syncIt !== undefined ? syncIt.next() : await asyncIt!.next();
      if (next.done === true) {
        exhausted = true;
        break;
      }
      const index = counters.started++;
      let query: string | PreparedStatement;
      let params: Params | undefined;
      if (statement !== undefined) {
        query = statement;
        params = next.value as Params | undefined;
      } else {
        const s = next.value as BatchStatement;
        if (s === null || typeof s !== 'object' || (typeof s.query !== 'string' && !(s.query instanceof PreparedStatement))) {
          throw new InvalidArgumentError(`statements[${index}] must be an object { query, params? }`);
        }
        query = s.query;
        params = s.params;
      }
      validateParams(params, `values[${index}]`);
      const size = maxBytes === Infinity ? 0 : estimateBytes(params);
      bytes += size;
      counters.inFlight++;
      // Settled in the handlers themselves (no `finally`: it costs two more promises per input).
      client.execute(query, params ?? null, execOptions).then(
        (page) => {
          counters.succeeded++;
          if (results !== undefined) results[index] = page;
          counters.inFlight--;
          bytes -= size;
          release();
        },
        (err: unknown) => {
          counters.failed++;
          const failure: ConcurrentFailure = { index, params, error: err instanceof Error ? err : new Error(String(err)) };
          firstFailure ??= failure;
          if (errors.length < maxErrors) errors.push(failure);
          counters.inFlight--;
          bytes -= size;
          release();
        },
      );
    }
    while (counters.inFlight > 0) await new Promise<void>((r) => (wake = r));
  } finally {
    if (timer !== undefined) clearInterval(timer);
    if (!exhausted) {
      // Stopped early (an error): let the source close its file or cursor.
      if (syncIt !== undefined) syncIt.return?.();
      else await asyncIt!.return?.();
    }
    // Requests still out when the input itself threw: wait so none outlives the promise.
    while (counters.inFlight > 0) await new Promise<void>((r) => (wake = r));
  }
  options.onProgress?.(progress());
  const result: ConcurrentResult = { total: counters.started, succeeded: counters.succeeded, failed: counters.failed, errors, results, elapsedMs: performance.now() - counters.t0 };
  if (raise && firstFailure !== undefined) throw new ConcurrentExecutionError(firstFailure, result);
  return result;
}

/** The execute options of each request: the caller's, without the run's own fields. */
function requestOptions(options: ConcurrentOptions): ExecuteOptions {
  const { concurrency, maxBytesInFlight, raiseOnFirstError, maxErrors, collectResults, onProgress, progressIntervalMs, ...rest } = options;
  void concurrency, maxBytesInFlight, raiseOnFirstError, maxErrors, collectResults, onProgress, progressIntervalMs;
  // Statements of the list form run prepared too, unless the caller said otherwise.
  return { ...rest, prepare: options.prepare !== false };
}

/** A cheap estimate of the encoded size of bound values (the bound on bytes in flight). */
export function estimateBytes(value: unknown, depth = 0): number {
  if (value === null || value === undefined) return 4;
  switch (typeof value) {
    case 'string':
      return 4 + value.length;
    case 'number':
    case 'bigint':
      return 12;
    case 'boolean':
      return 5;
    case 'object': {
      if (value instanceof Uint8Array) return 4 + value.byteLength;
      if (depth > 4) return 16;
      let n = 4;
      if (Array.isArray(value)) for (const v of value) n += estimateBytes(v, depth + 1);
      else if (value instanceof Map) for (const [k, v] of value) n += estimateBytes(k, depth + 1) + estimateBytes(v, depth + 1);
      else if (value instanceof Set) for (const v of value) n += estimateBytes(v, depth + 1);
      else for (const v of Object.values(value)) n += estimateBytes(v, depth + 1);
      return n;
    }
    default:
      return 8;
  }
}
