/**
 * `cqlwire/otel`: OpenTelemetry spans and metrics from cqlwire's tracing channels. It only
 * subscribes to `cqlwire:operation` and `cqlwire:attempt`; `@opentelemetry/api` is an optional
 * peer dependency that the main entry never loads.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import {
  context as otelContext,
  metrics as otelMetrics,
  SpanKind,
  SpanStatusCode,
  trace,
  isSpanContextValid,
  type Attributes,
  type BatchObservableResult,
  type Context,
  type Histogram,
  type MeterProvider,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { tracingChannelNames, type AttemptContext, type OperationContext } from '../observability/diagnostics.js';
import type { MetricsSnapshot } from '../observability/metrics.js';

/** Options of {@link CqlwireInstrumentation}. */
export interface CqlwireInstrumentationOptions {
  /** Where spans go. Default the global tracer provider. */
  readonly tracerProvider?: TracerProvider;
  /** Where the duration histogram goes. Default the global meter provider. */
  readonly meterProvider?: MeterProvider;
  /**
   * Child spans per attempt. `'retries'` (default): when an operation makes more than one
   * attempt (a retry, a speculative execution) or its attempt failed, each attempt is a child
   * span; a request answered at the first try is the one operation span, which carries its
   * coordinator and sizes (half the spans, and half the tracing cost, of `true`). `true`: a child
   * span for every attempt. `false`: none.
   */
  readonly attemptSpans?: boolean | 'retries';
  /** Put the CQL text in `db.query.text` (never bound values: they are not in it). Default true. */
  readonly queryText?: boolean;
  /**
   * Send the W3C trace context of each request's span (the attempt's, or the operation's
   * for an attempt without a span of its own) in its custom payload as `traceparent` (and `tracestate` when the
   * span has one), so a server-side plugin or a proxy can join the trace. A key of the
   * caller's own `customPayload` is never overwritten. Default false.
   */
  readonly propagateTraceContext?: boolean;
}

/** What {@link CqlwireInstrumentation.observeMetrics} reads: a `Client` (its `metrics()`). */
export interface MetricsSource {
  /** A snapshot with each host's in-flight and queued requests. */
  metrics(): MetricsSnapshot;
}

const NAME = 'cqlwire';

/** Attribute names of the OpenTelemetry database semantic conventions (and Cassandra's). */
const ATTR = {
  system: 'db.system.name',
  namespace: 'db.namespace',
  operation: 'db.operation.name',
  queryText: 'db.query.text',
  consistency: 'db.cassandra.consistency_level',
  pageSize: 'db.cassandra.page_size',
  idempotence: 'db.cassandra.idempotence',
  speculative: 'db.cassandra.speculative_execution_count',
  coordinatorId: 'db.cassandra.coordinator.id',
  coordinatorDc: 'db.cassandra.coordinator.dc',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  errorType: 'error.type',
  poolName: 'db.client.connection.pool.name',
  page: 'cqlwire.page',
  bytesOut: 'cqlwire.bytes_out',
  bytesIn: 'cqlwire.bytes_in',
} as const;

/**
 * What every operation of one statement shares (its CQL text, kind, keyspace, consistency, page
 * size, idempotence): the span name and the attribute objects, built once instead of per request.
 */
interface StatementShape {
  readonly kind: OperationContext['kind'];
  readonly keyspace: string | undefined;
  readonly consistency: string;
  readonly pageSize: number | undefined;
  readonly idempotent: boolean;
  readonly name: string;
  /** Start attributes of the operation span (the SDK copies them). */
  readonly spanAttributes: Attributes;
  /** Attributes of the duration histogram; by error type for failures. */
  readonly metricAttributes: Attributes;
  errorMetricAttributes: Map<string, Attributes> | undefined;
}

/** A host's `server.*` attributes and its attempt-span start attributes by consistency. */
interface HostShape {
  readonly address: string;
  readonly port: number | undefined;
  readonly attempt: Map<string, Attributes>;
}

/** One operation in flight, kept on its context object under the instrumentation's own symbol. */
interface OperationState {
  readonly span: Span;
  readonly started: number;
  readonly shape: StatementShape;
  /** The caller's context; attempts' parent context (with the span) made at the first attempt. */
  readonly caller: Context;
  parent: Context | undefined;
}

/** Statement shapes kept at most (unprepared statements with literals vary without end). */
const MAX_SHAPES = 2048;

/**
 * Turns cqlwire's tracing channels into OpenTelemetry spans — one CLIENT span per operation
 * (`execute`, `batch`, `prepare`, a page of a stream), a child span per attempt — and the
 * `db.client.operation.duration` histogram. Spans are children of the context active where
 * the operation was called. Call `enable()` once, before or after creating clients.
 */
export class CqlwireInstrumentation {
  private readonly options: CqlwireInstrumentationOptions;
  private readonly propagate: boolean;
  private readonly withAttempts: boolean;
  /** Attempt spans for every attempt, not only when there are several. */
  private readonly everyAttempt: boolean;
  private readonly withQueryText: boolean;
  private tracer: Tracer | undefined;
  private duration: Histogram | undefined;
  // State lives on the context objects (a symbol of this instance): no WeakMap, whose entries
  // cost the garbage collector at every request.
  private readonly opState = Symbol('cqlwire.otel.operation');
  private readonly attemptSpan = Symbol('cqlwire.otel.attempt');
  private readonly attemptStarted = Symbol('cqlwire.otel.attempt-start');
  private readonly shapes = new Map<string, StatementShape>();
  private readonly hostShapes = new Map<string, HostShape>();
  private readonly opHandlers = {
    start: (ctx: OperationContext): void => this.onOperationStart(ctx),
    end: (): void => {},
    asyncStart: (): void => {},
    asyncEnd: (ctx: OperationContext): void => this.onOperationEnd(ctx),
    error: (ctx: OperationContext): void => this.onOperationError(ctx),
  };
  private readonly attemptHandlers = {
    start: (ctx: AttemptContext): void => this.onAttemptStart(ctx),
    end: (): void => {},
    asyncStart: (): void => {},
    asyncEnd: (ctx: AttemptContext): void => this.onAttemptEnd(ctx),
    error: (): void => {},
  };
  private enabled = false;

  /** @param options providers and what to record. */
  constructor(options: CqlwireInstrumentationOptions = {}) {
    this.options = options;
    this.propagate = options.propagateTraceContext === true;
    this.withAttempts = options.attemptSpans !== false;
    this.everyAttempt = options.attemptSpans === true;
    this.withQueryText = options.queryText !== false;
  }

  /** Start making spans and metrics. */
  enable(): void {
    if (this.enabled) return;
    this.enabled = true;
    this.tracer = (this.options.tracerProvider ?? trace.getTracerProvider()).getTracer(NAME);
    const meter = (this.options.meterProvider ?? otelMetrics.getMeterProvider()).getMeter(NAME);
    this.duration = meter.createHistogram('db.client.operation.duration', { unit: 's', description: 'Duration of database client operations.' });
    diagnosticsChannel.tracingChannel<string, OperationContext>(tracingChannelNames.operation).subscribe(this.opHandlers);
    if (this.withAttempts) diagnosticsChannel.tracingChannel<string, AttemptContext>(tracingChannelNames.attempt).subscribe(this.attemptHandlers);
  }

  /**
   * Report `client`'s per-host load as OpenTelemetry metrics, read at each collection:
   * `db.client.connection.pending_requests` (requests waiting for a stream id) and
   * `cqlwire.client.requests.in_flight`, by host (`db.client.connection.pool.name`,
   * `server.address`, `server.port`). Returns a function that stops it (call it before closing the client).
   */
  observeMetrics(client: MetricsSource): () => void {
    const meter = (this.options.meterProvider ?? otelMetrics.getMeterProvider()).getMeter(NAME);
    const pending = meter.createObservableUpDownCounter('db.client.connection.pending_requests', { unit: '{request}', description: 'Requests waiting for a free stream id, per host.' });
    const inFlight = meter.createObservableUpDownCounter('cqlwire.client.requests.in_flight', { unit: '{request}', description: 'Requests sent and not yet answered, per host.' });
    const callback = (result: BatchObservableResult): void => {
      for (const [host, h] of Object.entries(client.metrics().hosts)) {
        const i = host.lastIndexOf(':');
        const attributes: Attributes = { [ATTR.system]: 'cassandra', [ATTR.poolName]: host, [ATTR.serverAddress]: host.slice(0, i), [ATTR.serverPort]: Number(host.slice(i + 1)) };
        result.observe(pending, h.queued, attributes);
        result.observe(inFlight, h.inFlight, attributes);
      }
    };
    meter.addBatchObservableCallback(callback, [pending, inFlight]);
    return () => meter.removeBatchObservableCallback(callback, [pending, inFlight]);
  }

  /** Stop; operations in flight end their spans anyway. */
  disable(): void {
    if (!this.enabled) return;
    this.enabled = false;
    diagnosticsChannel.tracingChannel<string, OperationContext>(tracingChannelNames.operation).unsubscribe(this.opHandlers);
    if (this.withAttempts) diagnosticsChannel.tracingChannel<string, AttemptContext>(tracingChannelNames.attempt).unsubscribe(this.attemptHandlers);
  }

  private onOperationStart(ctx: OperationContext): void {
    const shape = this.shapeOf(ctx);
    let attributes = shape.spanAttributes;
    if (ctx.page !== undefined) attributes = { ...attributes, [ATTR.page]: ctx.page };
    // The caller's context: the start event runs synchronously in the caller's continuation.
    const caller = otelContext.active();
    const span = this.tracer!.startSpan(shape.name, { kind: SpanKind.CLIENT, attributes }, caller);
    const state: OperationState = { span, started: performance.now(), shape, caller, parent: undefined };
    (ctx as unknown as Record<symbol, OperationState>)[this.opState] = state;
    // Unless every attempt has a span made as it starts (or when this span records nothing, so
    // its attempts will not either), the operation's span is what the server sees as the parent.
    if (this.propagate && (!this.everyAttempt || !span.isRecording())) ctx.customPayload = traceContextPayload(span);
  }

  private stateOf(ctx: OperationContext): OperationState | undefined {
    return (ctx as unknown as Record<symbol, OperationState | undefined>)[this.opState];
  }

  /** The statement's shape, from the cache when its options are the same as last time. */
  private shapeOf(ctx: OperationContext): StatementShape {
    const cached = this.shapes.get(ctx.query);
    if (cached !== undefined && cached.kind === ctx.kind && cached.keyspace === ctx.keyspace && cached.consistency === ctx.consistency && cached.pageSize === ctx.pageSize && cached.idempotent === ctx.idempotent) {
      return cached;
    }
    const operation = operationName(ctx);
    const metricAttributes: Attributes = { [ATTR.system]: 'cassandra', [ATTR.operation]: operation };
    if (ctx.keyspace !== undefined) metricAttributes[ATTR.namespace] = ctx.keyspace;
    const spanAttributes: Attributes = { ...metricAttributes, [ATTR.consistency]: ctx.consistency.toLowerCase(), [ATTR.idempotence]: ctx.idempotent };
    if (this.withQueryText) spanAttributes[ATTR.queryText] = ctx.query;
    if (ctx.pageSize !== undefined) spanAttributes[ATTR.pageSize] = ctx.pageSize;
    const shape: StatementShape = {
      kind: ctx.kind,
      keyspace: ctx.keyspace,
      consistency: ctx.consistency,
      pageSize: ctx.pageSize,
      idempotent: ctx.idempotent,
      name: ctx.keyspace === undefined ? operation : `${operation} ${ctx.keyspace}`,
      spanAttributes,
      metricAttributes,
      errorMetricAttributes: undefined,
    };
    if (this.shapes.size >= MAX_SHAPES) this.shapes.clear();
    this.shapes.set(ctx.query, shape);
    return shape;
  }

  private hostShape(host: string): HostShape {
    let shape = this.hostShapes.get(host);
    if (shape === undefined) {
      const i = host.lastIndexOf(':');
      shape = { address: i < 0 ? host : host.slice(0, i), port: i < 0 ? undefined : Number(host.slice(i + 1)), attempt: new Map() };
      if (this.hostShapes.size >= MAX_SHAPES) this.hostShapes.clear();
      this.hostShapes.set(host, shape);
    }
    return shape;
  }

  private setServer(span: Span, host: string): void {
    const shape = this.hostShape(host);
    span.setAttribute(ATTR.serverAddress, shape.address);
    if (shape.port !== undefined) span.setAttribute(ATTR.serverPort, shape.port);
  }

  private onOperationError(ctx: OperationContext): void {
    const state = this.stateOf(ctx);
    if (state === undefined || ctx.error === undefined) return;
    state.span.recordException(ctx.error);
    state.span.setStatus({ code: SpanStatusCode.ERROR, message: ctx.error.message });
    state.span.setAttribute(ATTR.errorType, errorType(ctx.error));
  }

  private onOperationEnd(ctx: OperationContext): void {
    const state = this.stateOf(ctx);
    // The state stays on the context: a first attempt that loses a speculative race may end
    // after its operation and still needs the parent for its span.
    if (state === undefined) return;
    const span = state.span;
    if (span.isRecording()) {
      if (ctx.coordinator !== undefined) {
        span.setAttribute(ATTR.coordinatorId, ctx.coordinator);
        this.setServer(span, ctx.coordinator);
      }
      if (ctx.speculativeExecutions > 0) span.setAttribute(ATTR.speculative, ctx.speculativeExecutions);
      if (ctx.bytesOut > 0) span.setAttribute(ATTR.bytesOut, ctx.bytesOut);
      if (ctx.bytesIn > 0) span.setAttribute(ATTR.bytesIn, ctx.bytesIn);
      if (ctx.warnings !== undefined) span.addEvent('cassandra.warnings', { 'cassandra.warnings': [...ctx.warnings] });
    }
    span.end();
    this.duration!.record((performance.now() - state.started) / 1000, ctx.error === undefined ? state.shape.metricAttributes : this.errorAttributes(state.shape, ctx.error));
  }

  private errorAttributes(shape: StatementShape, error: Error): Attributes {
    const type = errorType(error);
    const byType = (shape.errorMetricAttributes ??= new Map());
    let attributes = byType.get(type);
    if (attributes === undefined) byType.set(type, (attributes = { ...shape.metricAttributes, [ATTR.errorType]: type }));
    return attributes;
  }

  private onAttemptStart(ctx: AttemptContext): void {
    const parent = this.stateOf(ctx.operation);
    // No span to hang it on, or a non-recording one (its children would record nothing either).
    if (parent === undefined || !parent.span.isRecording()) return;
    if (!this.everyAttempt && ctx.attempt === 1) {
      // 'retries': the first attempt gets a span only if it turns out not to be the only one
      // (made at its end, from the time it started).
      (ctx as unknown as Record<symbol, number>)[this.attemptStarted] = performance.now();
      return;
    }
    const span = this.startAttemptSpan(ctx, parent, undefined);
    (ctx as unknown as Record<symbol, Span>)[this.attemptSpan] = span;
    if (this.propagate) ctx.customPayload = traceContextPayload(span);
  }

  private startAttemptSpan(ctx: AttemptContext, parent: OperationState, startTime: number | undefined): Span {
    const host = this.hostShape(ctx.host);
    const key = ctx.datacenter === undefined ? ctx.consistency : `${ctx.consistency}/${ctx.datacenter}`;
    let attributes = host.attempt.get(key);
    if (attributes === undefined) {
      attributes = { [ATTR.system]: 'cassandra', [ATTR.consistency]: ctx.consistency.toLowerCase(), [ATTR.coordinatorId]: ctx.host, [ATTR.serverAddress]: host.address };
      if (host.port !== undefined) attributes[ATTR.serverPort] = host.port;
      if (ctx.datacenter !== undefined) attributes[ATTR.coordinatorDc] = ctx.datacenter;
      host.attempt.set(key, attributes);
    }
    parent.parent ??= trace.setSpan(parent.caller, parent.span);
    const span = this.tracer!.startSpan(ATTEMPT_NAMES[ctx.attempt] ?? `attempt ${ctx.attempt}`, { kind: SpanKind.CLIENT, attributes, startTime }, parent.parent);
    span.setAttribute('cqlwire.attempt', ctx.attempt);
    span.setAttribute('cqlwire.execution', ctx.execution);
    span.setAttribute('cqlwire.speculative', ctx.speculative);
    span.setAttribute('cqlwire.retry', ctx.retry);
    return span;
  }

  private onAttemptEnd(ctx: AttemptContext): void {
    let span = (ctx as unknown as Record<symbol, Span | undefined>)[this.attemptSpan];
    if (span === undefined) {
      const started = (ctx as unknown as Record<symbol, number | undefined>)[this.attemptStarted];
      // A first attempt without a span: it gets one only if it failed or others joined it.
      if (started === undefined || (ctx.error === undefined && ctx.operation.attempts === 1)) return;
      const parent = this.stateOf(ctx.operation);
      if (parent === undefined) return;
      span = this.startAttemptSpan(ctx, parent, started);
    }
    (ctx as unknown as Record<symbol, Span | undefined>)[this.attemptSpan] = undefined;
    if (ctx.error !== undefined) {
      span.recordException(ctx.error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: ctx.error.message });
      span.setAttribute(ATTR.errorType, errorType(ctx.error));
    }
    if (ctx.decision !== undefined) span.setAttribute('cqlwire.retry_decision', ctx.decision);
    if (ctx.bytesOut > 0) span.setAttribute(ATTR.bytesOut, ctx.bytesOut);
    if (ctx.bytesIn > 0) span.setAttribute(ATTR.bytesIn, ctx.bytesIn);
    span.end();
  }
}

/** Attempt span names, made once. */
const ATTEMPT_NAMES = Array.from({ length: 16 }, (_, i) => `attempt ${i}`);

/** The W3C trace context of `span` as custom payload entries; undefined for an invalid span. */
function traceContextPayload(span: Span): Record<string, Uint8Array> | undefined {
  const sc = span.spanContext();
  if (!isSpanContextValid(sc)) return undefined;
  const flags = sc.traceFlags & 0xff;
  const payload: Record<string, Uint8Array> = { traceparent: Buffer.from(`00-${sc.traceId}-${sc.spanId}-${flags < 16 ? '0' : ''}${flags.toString(16)}`, 'latin1') };
  const state = sc.traceState?.serialize();
  if (state !== undefined && state !== '') payload['tracestate'] = Buffer.from(state, 'latin1');
  return payload;
}

/** `SELECT`, `INSERT`, … from the CQL text; `BATCH` and `PREPARE` for those kinds. */
function operationName(ctx: OperationContext): string {
  if (ctx.kind === 'batch') return 'BATCH';
  if (ctx.kind === 'prepare') return 'PREPARE';
  const m = /^\s*([A-Za-z]+)/.exec(ctx.query);
  return m === null ? ctx.kind.toUpperCase() : m[1]!.toUpperCase();
}

function errorType(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name;
}
