import { Opcode, type Consistency, type DecodeOptions, type Request, type SchemaChange } from '../../protocol/index.js';
import type { HostPool } from '../cluster/host-pool.js';
import type { HostRegistry } from '../cluster/registry.js';
import type { Connection, ConnectionResponse, ResponseListener, SendOptions } from '../connection/connection.js';
import type { FrameSizes } from '../connection/pending.js';
import { AbortedError, CqlwireError, NoHostAvailableError, QueueFullError } from '../errors/driver-errors.js';
import { UnpreparedError } from '../errors/server-errors.js';
import { channels, consistencyName, traceOperation, tracing, type AttemptContext, type AttemptDecision, type OperationContext } from '../observability/diagnostics.js';
import type { RequestMetrics } from '../observability/metrics.js';
import type { Host, RequestThrottle, RoutingInfo } from '../policies/index.js';
import type { AnsweredRequest } from '../results/page-builder.js';
import type { ExecutionInfo } from '../results/page.js';
import { ANSWER, finish, type AnswerSink } from './answer-sink.js';
import { withExecuteAs } from './binding.js';
import type { ExecuteOptions, ResolvedOptions } from './options.js';
import type { PreparedStatement } from './prepared.js';

/** What a request is, for metrics and diagnostics. */
export type RequestKind = 'query' | 'execute' | 'batch' | 'prepare';

/** One request, as every request kind hands it to the execution core. */
export interface ExecutionRequest {
  /** What it is. */
  readonly kind: RequestKind;
  /** CQL text (or a batch's summary) for diagnostics. */
  readonly text: string;
  /**
   * The message, for the protocol version of the connection that sends it, at `consistency`:
   * the resolved one, or the one a retry decision asked for.
   */
  readonly build: (version: 4 | 5, consistency: Consistency) => Request;
  /** Settings: client defaults, profile and request options, resolved. */
  readonly settings: ResolvedOptions;
  /** The caller's options (idempotence, target host, signal, tracing, payload). */
  readonly options: ExecuteOptions;
  /** Keyspace and routing key, for token-aware plans. */
  readonly routing: RoutingInfo | undefined;
  /** Prepared statements the request runs, re-prepared on a node that answers UNPREPARED. */
  readonly prepared: readonly PreparedStatement[];
  /** 1-based number of the page within a `stream()`, for diagnostics; undefined otherwise. */
  readonly page?: number;
}

/** What the execution core needs of the session: narrow, so it never sees the client. */
export interface ExecutionContext {
  /** The hosts and their pools. */
  readonly hosts: HostRegistry;
  /** The session's counters. */
  readonly metrics: RequestMetrics;
  /** Default keyspace of plans without routing. */
  keyspace(): string | undefined;
  /**
   * DDL answered: wait until the cluster agrees on the new schema and the metadata shows it;
   * resolves whether the nodes agreed before the wait ran out.
   */
  afterSchemaChange?(change: SchemaChange): Promise<boolean>;
  /** The client-wide throttle every request takes a permit of, if any. */
  readonly throttle?: RequestThrottle;
}

/** A response with the attempts that led to it: one fixed shape on the hot path. */
class AttemptedResponse implements AnsweredRequest {
  constructor(
    readonly response: ConnectionResponse,
    readonly attempts: ExecutionInfo['attempts'],
    readonly version: 4 | 5,
    readonly schemaInAgreement: boolean,
    readonly decode: DecodeOptions | undefined,
  ) {}
}

/** The empty result of a request whose error the retry policy ignored. */
class IgnoredResponse implements ConnectionResponse {
  readonly message = VOID_RESULT;
  readonly tracingId = undefined;
  readonly warnings = undefined;
  readonly customPayload = undefined;
  constructor(readonly host: string) {}
}

const VOID_RESULT: ConnectionResponse['message'] = Object.freeze({ opcode: Opcode.RESULT, result: Object.freeze({ kind: 'void' as const }) });

/** Where `runOnPlan` picks up a request `firstAttempt` began: its first host, and the connection being borrowed there or the attempt sent there that failed. */
interface Resume {
  readonly host: HostPool;
  readonly borrowed?: Promise<Connection>;
  readonly failed?: { readonly conn: Connection; readonly error: unknown; readonly requestId: number; readonly started: number };
}

/** Whether a speculative race has a winner (or a final loser). */
interface Race {
  settled: boolean;
}

let nextRequestId = 1;
let nextOperationId = 1;

/**
 * The one path every request takes: query plan, speculative executions, attempts on each
 * host's pool, retry decisions, re-prepare on UNPREPARED, the error when no host could answer,
 * metrics and diagnostics per attempt.
 */
export class RequestExecutor {
  constructor(private readonly context: ExecutionContext) {}

  /** Run `request` until a host answers it or the plan and retries run out. */
  execute(request: ExecutionRequest): Promise<AnsweredRequest> {
    return this.executeTo(request, ANSWER);
  }

  /** {@link execute}, settling the caller's promise with what `sink` makes of the answer. */
  executeTo<T>(request: ExecutionRequest, sink: AnswerSink<T>): Promise<T> {
    const traced = tracing.operation.hasSubscribers || tracing.attempt.hasSubscribers;
    if (!traced && this.context.throttle === undefined) return this.run(request, undefined, sink);
    // Tracing: one context per operation, made only when someone listens (no cost otherwise);
    // the operation covers the throttle's wait too.
    if (!traced) return finish(this.throttled(request, undefined), sink);
    const op = this.operationOf(request);
    return finish(tracing.operation.hasSubscribers ? traceOperation(op, () => this.throttled(request, op)) : this.throttled(request, op), sink);
  }

  private throttled(request: ExecutionRequest, op: OperationContext | undefined): Promise<AnsweredRequest> {
    const throttle = this.context.throttle;
    if (throttle === undefined) return this.run(request, op, ANSWER);
    // The permit covers the whole request (retries and speculative executions included).
    const permit = throttle.acquire(request.options.signal);
    const run = (): Promise<AnsweredRequest> =>
      this.run(request, op, ANSWER).then(
        (answer) => {
          throttle.release(true);
          return answer;
        },
        (err: unknown) => {
          throttle.release(false);
          throw err;
        },
      );
    return permit === undefined ? run() : permit.then(run);
  }

  private operationOf(request: ExecutionRequest): OperationContext {
    const { kind, settings, options } = request;
    return {
      operationId: nextOperationId++,
      kind,
      query: request.text,
      keyspace: request.routing?.keyspace ?? options.keyspace ?? this.context.keyspace(),
      consistency: consistencyName(settings.consistency),
      pageSize: (kind === 'query' || kind === 'execute') && settings.fetchSize > 0 ? settings.fetchSize : undefined,
      idempotent: options.idempotent === true || kind === 'prepare',
      profile: typeof options.profile === 'string' ? options.profile : undefined,
      page: request.page,
      attempts: 0,
      speculativeExecutions: 0,
      bytesOut: 0,
      bytesIn: 0,
    };
  }

  private run<T>(request: ExecutionRequest, op: OperationContext | undefined, sink: AnswerSink<T>): Promise<T> {
    const plan = this.queryPlan(request);
    const spec = request.settings.speculativeExecutionPolicy;
    const options = request.options;
    if (options.idempotent !== true || options.host !== undefined || spec.nextDelayMs(1) < 0) {
      return op === undefined ? this.firstAttempt(plan, request, sink) : finish(this.runOnPlan(plan[Symbol.iterator](), undefined, request, op, 0), sink);
    }
    return finish(this.race(plan, request, op, spec), sink);
  }

  private race(plan: Iterable<HostPool | Host>, request: ExecutionRequest, op: OperationContext | undefined, spec: ResolvedOptions['speculativeExecutionPolicy']): Promise<AnsweredRequest> {
    // Speculative executions (idempotent requests only): after each delay of the policy another
    // execution starts on the next host of the same plan; the first success wins, and the request
    // fails only when every execution failed (with the last one's error).
    const race: Race = { settled: false };
    const shared = plan[Symbol.iterator]();
    return new Promise<AnsweredRequest>((resolve, reject) => {
      let running = 0;
      let started = 0;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (): void => {
        race.settled = true;
        if (timer !== undefined) clearTimeout(timer);
      };
      const start = (): void => {
        running++;
        this.runOnPlan(shared, race, request, op, started).then(
          (response) => {
            running--;
            if (race.settled) return;
            settle();
            resolve(response);
          },
          (err: unknown) => {
            running--;
            if (race.settled || running > 0) return;
            settle();
            reject(err);
          },
        );
      };
      const schedule = (): void => {
        const delay = spec.nextDelayMs(++started);
        timer = undefined;
        if (delay < 0) return;
        timer = setTimeout(() => {
          timer = undefined;
          if (race.settled) return;
          this.context.metrics.speculativeExecutions++;
          if (op !== undefined) op.speculativeExecutions++;
          start();
          schedule();
        }, delay);
      };
      start();
      schedule();
    });
  }

  private queryPlan(request: ExecutionRequest): Iterable<HostPool | Host> {
    const options = request.options;
    if (options.host !== undefined) return [this.context.hosts.target(options.host)];
    return request.settings.loadBalancingPolicy.newQueryPlan(request.routing ?? { keyspace: options.keyspace ?? this.context.keyspace() });
  }

  /** The pool of the plan's next host that this client holds. */
  private nextHost(plan: Iterator<HostPool | Host>): HostPool | undefined {
    for (;;) {
      const r = plan.next();
      if (r.done === true) return undefined;
      const pool = this.context.hosts.pool(r.value);
      if (pool !== undefined) return pool;
    }
  }

  /**
   * The usual request: one execution, untraced, whose first host has a connection at hand. It
   * is sent from here, with no async frame (an async function's frame holds every register of
   * `runOnPlan`, a few hundred bytes per request); a failure, or anything less usual, continues
   * in `runOnPlan` with the same decisions.
   */
  private firstAttempt<T>(plan: Iterable<HostPool | Host>, request: ExecutionRequest, sink: AnswerSink<T>): Promise<T> {
    // A plan that is an array (one host, the policy's own list): its first host without an
    // iterator, made only if the request goes on to the next host.
    let iterator: Iterator<HostPool | Host> | undefined;
    let host: HostPool | undefined;
    if (Array.isArray(plan)) {
      const first = (plan as readonly (HostPool | Host)[])[0];
      host = first === undefined ? undefined : this.context.hosts.pool(first);
      if (host === undefined) return finish(this.runOnPlan(plan[Symbol.iterator](), undefined, request, undefined, 0), sink);
    } else {
      iterator = plan[Symbol.iterator]();
      host = this.nextHost(iterator);
      if (host === undefined) return finish(this.runOnPlan(iterator, undefined, request, undefined, 0), sink);
    }
    const borrowed = host.borrow();
    if (borrowed instanceof Promise) return finish(this.runOnPlan(afterFirst(plan, iterator), undefined, request, undefined, 0, { host, borrowed }), sink);
    const conn = borrowed;
    const requestId = nextRequestId++;
    if (channels.requestStart.hasSubscribers) channels.requestStart.publish({ requestId, kind: request.kind, query: request.text, host: host.id });
    const attempt = new FirstAttempt<T>(this, plan, iterator, request, sink, host, conn, requestId, performance.now());
    settling = attempt as FirstAttempt<unknown>;
    const answered = new Promise<T>(settleFirstAttempt as (resolve: (value: T | PromiseLike<T>) => void) => void);
    try {
      conn.submit(request.build(conn.version, request.settings.consistency), sendOptionsOf(request), attempt, attempt.started);
    } catch (error) {
      attempt.onError(asError(error));
    }
    return answered;
  }

  /** The bookkeeping of an attempt that got an answer, and the answer (after schema agreement, for DDL). */
  /** @internal */
  succeeded(
    host: HostPool,
    conn: Connection,
    request: ExecutionRequest,
    response: ConnectionResponse,
    ended: number,
    attemptStarted: number,
    started: number,
    requestId: number,
    tried: readonly { readonly host: string; readonly error?: Error }[],
    race: Race | undefined,
  ): AnsweredRequest | Promise<AnsweredRequest> {
    host.metrics.recordSuccess((ended - attemptStarted) * 1000, ended);
    // A speculative execution that lost the race is not counted a second time.
    if (race === undefined || !race.settled) this.context.metrics.recordSuccess((ended - started) * 1000, ended);
    if (response.warnings && response.warnings.length > 0 && channels.warning.hasSubscribers) {
      channels.warning.publish({ query: request.text, host: host.id, warnings: response.warnings });
    }
    if (channels.requestEnd.hasSubscribers) channels.requestEnd.publish({ requestId, host: host.id, durationMs: ended - started });
    const m = response.message;
    const decode = request.settings.decode;
    // DDL: resolve once every node has the new schema and the metadata shows it.
    if (m.opcode === Opcode.RESULT && m.result.kind === 'schemaChange' && this.context.afterSchemaChange) {
      return this.context.afterSchemaChange(m.result).then((agreed) => new AttemptedResponse(response, tried, conn.version, agreed, decode));
    }
    return new AttemptedResponse(response, tried, conn.version, true, decode);
  }

  /** One execution of a request along `plan` (shared with its speculative executions, if any). */
  /** @internal */
  async runOnPlan(plan: Iterator<HostPool | Host>, race: Race | undefined, request: ExecutionRequest, op: OperationContext | undefined, execution: number, resume?: Resume): Promise<AnsweredRequest> {
    const { options, settings, kind, text } = request;
    const metrics = this.context.metrics;
    // Resumed after `firstAttempt`: the request started there.
    const requestId = resume?.failed !== undefined ? resume.failed.requestId : nextRequestId++;
    const started = resume?.failed !== undefined ? resume.failed.started : performance.now();
    // Made on the first failure; a first-attempt success shares its host's frozen one-entry list.
    let attempts: { host: string; error?: Error }[] | undefined;
    // Made on the first failure: the common path allocates no map.
    let errors: Map<string, Error> | undefined;
    const sendOptions = sendOptionsOf(request);
    let retryCount = 0;
    let consistency = settings.consistency;
    let lastHost = '';
    let host = resume === undefined ? this.nextHost(plan) : resume.host;
    let repreparedOn: HostPool | undefined;
    // Hosts that could not take the request (no connection, queue full) vs the last error of a
    // request a host did run: when the plan runs out after retries on hosts that all answered,
    // the caller gets that server/timeout error itself, not a NoHostAvailableError around it.
    // Every queue full: the QueueFullError itself (back-pressure the caller can act on).
    let unreachable = 0;
    let queueFull = 0;
    let lastAttemptError: Error | undefined;
    // The attempt's tracing context, when the attempt channel has subscribers; `retried`: a
    // retry decision or a re-prepare led to the next attempt.
    let ac: AttemptContext | undefined;
    let retried = false;
    // The first attempt, on a connection at hand, starts when the request does: one clock read
    // fewer on the hot path.
    let attemptFromStart = true;
    while (host !== undefined) {
      lastHost = host.id;
      // The first pass of a resumed request: the connection being borrowed, or the attempt that failed.
      const resumed = resume;
      resume = undefined;
      const failed = resumed?.failed;
      let conn: Connection;
      if (failed !== undefined) conn = failed.conn;
      else try {
        const b = resumed?.borrowed ?? host.borrow();
        if (b instanceof Promise) {
          attemptFromStart = false;
          conn = await b;
        } else conn = b;
      } catch (err) {
        const e = asError(err);
        (errors ??= new Map()).set(host.id, e);
        (attempts ??= []).push({ host: host.id, error: e });
        unreachable++;
        host = this.nextHost(plan);
        continue;
      }
      if (failed === undefined && channels.requestStart.hasSubscribers) channels.requestStart.publish({ requestId, kind, query: text, host: host.id });
      const t0 = attemptFromStart ? started : performance.now();
      attemptFromStart = false;
      ac = undefined;
      if (op !== undefined) {
        op.attempts++;
        if (tracing.attempt.hasSubscribers) ac = attemptOf(op, host, execution, retried, consistency);
      }
      try {
        // Its error takes the same way as any attempt's.
        if (failed !== undefined) throw failed.error;
        let sent: Promise<ConnectionResponse>;
        if (op === undefined) sent = conn.send(request.build(conn.version, consistency), sendOptions);
        else if (ac === undefined) sent = conn.send(request.build(conn.version, consistency), tracedSendOptions(sendOptions, op, op.customPayload, undefined));
        else {
          const message = request.build(conn.version, consistency);
          const attempt = ac;
          // Options read after `start`, where a subscriber may have added payload entries.
          sent = tracing.attempt.start.runStores(attempt, () => conn.send(message, tracedSendOptions(sendOptions, attempt, op.customPayload, attempt.customPayload)));
          tracing.attempt.end.publish(ac);
        }
        const response = await sent;
        const tried = attempts === undefined ? host.firstAttemptOk : (attempts.push({ host: host.id }), attempts);
        if (ac !== undefined) {
          if (response.warnings !== undefined && response.warnings.length > 0) ac.warnings = response.warnings;
          endAttempt(ac, undefined);
        }
        if (op !== undefined && (race === undefined || !race.settled)) {
          op.coordinator = host.id;
          if (response.warnings !== undefined && response.warnings.length > 0) op.warnings = response.warnings;
        }
        return await this.succeeded(host, conn, request, response, performance.now(), t0, started, requestId, tried, race);
      } catch (err) {
        const e = asError(err);
        (attempts ??= []).push({ host: host.id, error: e });
        this.context.throttle?.onAttemptError(e);
        host.metrics.recordError(CqlwireError.is(e) ? e.code : 'ERR_UNKNOWN');
        if (ac !== undefined) {
          ac.error = e;
          tracing.attempt.error.publish(ac);
        }
        retried = true;
        if (e instanceof AbortedError || (CqlwireError.is(e) && e.code.startsWith('ERR_PROTOCOL'))) {
          endAttempt(ac, 'rethrow');
          this.failUnlessSettled(race, requestId, host.id, e, started);
          throw e;
        }
        if (e instanceof UnpreparedError && request.prepared.length > 0 && repreparedOn !== host) {
          repreparedOn = host;
          endAttempt(ac, 'reprepare');
          try {
            await reprepare(conn, request.prepared, settings.timeoutMs);
            continue; // same host, not counted as a retry
          } catch (prepErr) {
            (errors ??= new Map()).set(host.id, asError(prepErr));
            unreachable++;
            host = this.nextHost(plan);
            continue;
          }
        }
        if (e instanceof QueueFullError) {
          endAttempt(ac, 'next-host');
          queueFull++;
          (errors ??= new Map()).set(host.id, e);
          host = this.nextHost(plan);
          continue;
        }
        const decision = settings.retryPolicy.onError({ error: e, idempotent: options.idempotent === true || kind === 'prepare', retryCount, consistency });
        if (decision.action === 'ignore') {
          // As in the reference drivers: the request resolves with an empty result; the error
          // stays visible in `info.attempts` and the `ignored` counters.
          metrics.ignored++;
          host.metrics.ignored++;
          endAttempt(ac, 'ignore');
          if (channels.requestEnd.hasSubscribers) channels.requestEnd.publish({ requestId, host: host.id, durationMs: performance.now() - started });
          return new AttemptedResponse(new IgnoredResponse(host.id), attempts, conn.version, true, settings.decode);
        }
        if (decision.action !== 'retry' || (options.host !== undefined && !decision.sameHost)) {
          endAttempt(ac, 'rethrow');
          this.failUnlessSettled(race, requestId, host.id, e, started);
          throw e;
        }
        endAttempt(ac, decision.sameHost ? 'retry-same-host' : 'retry');
        if (decision.consistency !== undefined) consistency = decision.consistency;
        retryCount++;
        metrics.retries++;
        host.metrics.retries++;
        (errors ??= new Map()).set(host.id, e);
        lastAttemptError = e;
        if (!decision.sameHost) host = this.nextHost(plan);
      }
    }
    errors ??= new Map();
    let error: Error;
    if (queueFull > 0 && queueFull === errors.size) error = [...errors.values()].pop()!;
    else if (unreachable === 0 && queueFull === 0 && lastAttemptError !== undefined) error = lastAttemptError;
    else {
      // The plan was empty (every host down): say why each one is down rather than "none to try".
      if (errors.size === 0 && options.host === undefined) errors = this.context.hosts.downReasons();
      error = new NoHostAvailableError(errors);
    }
    this.failUnlessSettled(race, requestId, lastHost, error, started);
    throw error;
  }

  private failUnlessSettled(race: Race | undefined, requestId: number, host: string, error: Error, started: number): void {
    if (race !== undefined && race.settled) return;
    this.context.metrics.recordError(CqlwireError.is(error) ? error.code : 'ERR_UNKNOWN');
    if (channels.requestError.hasSubscribers) channels.requestError.publish({ requestId, host, error, durationMs: performance.now() - started });
  }
}

/** The tracing context of one attempt (made only when the attempt channel has subscribers). */
function attemptOf(op: OperationContext, host: HostPool, execution: number, retry: boolean, consistency: Consistency): AttemptContext {
  return {
    operation: op,
    attempt: op.attempts,
    execution,
    speculative: execution > 0,
    retry,
    host: host.id,
    datacenter: host.datacenter,
    consistency: consistencyName(consistency),
    pageSize: op.pageSize,
    bytesOut: 0,
    bytesIn: 0,
  };
}

/**
 * A traced attempt's connection options: frame sizes added to `sizes`, and the payload entries
 * subscribers asked for (W3C trace context) under the caller's own, which win on a shared key.
 */
function tracedSendOptions(base: SendOptions, sizes: FrameSizes, opPayload: Record<string, Uint8Array> | undefined, attemptPayload: Record<string, Uint8Array> | undefined): SendOptions {
  let customPayload = base.customPayload;
  if (opPayload !== undefined || attemptPayload !== undefined) customPayload = { ...opPayload, ...attemptPayload, ...customPayload };
  return { timeoutMs: base.timeoutMs, signal: base.signal, tracing: base.tracing, customPayload, sizes };
}

/** Close an attempt's tracing span: `decision` says what follows a failed one. */
function endAttempt(ac: AttemptContext | undefined, decision: AttemptDecision | undefined): void {
  if (ac === undefined) return;
  if (decision !== undefined) ac.decision = decision;
  ac.operation.bytesOut += ac.bytesOut;
  ac.operation.bytesIn += ac.bytesIn;
  tracing.attempt.asyncStart.publish(ac);
  tracing.attempt.asyncEnd.publish(ac);
}

/** The connection's options for a request: shared per profile unless the request sets its own. */
function sendOptionsOf(request: ExecutionRequest): SendOptions {
  const options = request.options;
  if (options.signal === undefined && options.trace === undefined && options.customPayload === undefined && options.executeAs === undefined) {
    return request.settings.sendOptions;
  }
  return {
    timeoutMs: request.settings.timeoutMs,
    signal: options.signal,
    tracing: options.trace,
    customPayload: withExecuteAs(options.customPayload, options.executeAs),
  };
}

/** Prepare `statements` again on the connection that answered UNPREPARED. */
async function reprepare(conn: Connection, statements: readonly PreparedStatement[], timeoutMs: number): Promise<void> {
  // A batch may hold the same statement several times: prepare it once.
  for (const ps of new Set(statements)) {
    const r = await conn.send({ opcode: Opcode.PREPARE, query: ps.query, keyspace: conn.version === 5 ? ps.keyspace : undefined }, { timeoutMs });
    if (r.message.opcode === Opcode.RESULT && r.message.result.kind === 'prepared') {
      // The table may have changed since the first PREPARE: adopt the current result metadata.
      const prepared = r.message.result;
      ps.resultMetadataId = prepared.resultMetadataId ?? ps.resultMetadataId;
      if (prepared.resultMetadata.columns !== undefined) ps.resultColumns = prepared.resultMetadata.columns;
    }
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** The rest of `plan` after the host of the first attempt (`iterator`: where its iteration is, if it was iterated). */
function afterFirst(plan: Iterable<HostPool | Host>, iterator: Iterator<HostPool | Host> | undefined): Iterator<HostPool | Host> {
  if (iterator !== undefined) return iterator;
  const rest = plan[Symbol.iterator]();
  rest.next();
  return rest;
}

/** The attempt whose promise is being made: one shared executor, no closure per request. */
let settling: FirstAttempt<unknown> | undefined;
function settleFirstAttempt(resolve: (result: unknown) => void): void {
  settling!.resolve = resolve;
  settling = undefined;
}

/**
 * The first attempt of a request sent by `firstAttempt`: the connection's listener and the
 * settler of the request's one promise, in one object (no promise of the connection's own, no
 * closures beyond the promise's). Its callbacks run inside the connection's read path, so work
 * that may reach a connection again (a retry on another host, schema agreement) is left to a
 * microtask.
 */
class FirstAttempt<T> implements ResponseListener {
  /** Settles the request's promise: with a result, or with a promise of one that may reject. */
  resolve!: (result: T | PromiseLike<T>) => void;

  constructor(
    private readonly executor: RequestExecutor,
    private readonly plan: Iterable<HostPool | Host>,
    private readonly iterator: Iterator<HostPool | Host> | undefined,
    private readonly request: ExecutionRequest,
    private readonly sink: AnswerSink<T>,
    private readonly host: HostPool,
    private readonly conn: Connection,
    private readonly requestId: number,
    readonly started: number,
  ) {}

  onResponse(response: ConnectionResponse, receivedAt: number): void {
    const m = response.message;
    if (m.opcode === Opcode.RESULT && m.result.kind === 'schemaChange') {
      queueMicrotask(() => this.answer(response, performance.now()));
      return;
    }
    this.answer(response, receivedAt);
  }

  onError(error: Error): void {
    queueMicrotask(() => {
      const failed = { conn: this.conn, error, requestId: this.requestId, started: this.started };
      this.resolve(finish(this.executor.runOnPlan(afterFirst(this.plan, this.iterator), undefined, this.request, undefined, 0, { host: this.host, failed }), this.sink));
    });
  }

  private answer(response: ConnectionResponse, receivedAt: number): void {
    let result: T | Promise<T>;
    try {
      const answered = this.executor.succeeded(this.host, this.conn, this.request, response, receivedAt, this.started, this.started, this.requestId, this.host.firstAttemptOk, undefined);
      result = answered instanceof Promise ? finish(answered, this.sink) : this.sink.complete(answered);
    } catch (err) {
      result = Promise.reject(err);
    }
    this.resolve(result);
  }
}
