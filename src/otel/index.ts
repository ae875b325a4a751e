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
  /** A child span per attempt (retries and speculative executions visible). Default true. */
  readonly attemptSpans?: boolean;
  /** Put the CQL text in `db.query.text` (never bound values: they are not in it). Default true. */
  readonly queryText?: boolean;
  /**
   * Send the W3C trace context of each request's span (the attempt's, or the operation's
   * without attempt spans) in its custom payload as `traceparent` (and `tracestate` when the
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

interface OperationState {
  readonly span: Span;
  readonly started: number;
  readonly attributes: Attributes;
}

/**
 * Turns cqlwire's tracing channels into OpenTelemetry spans — one CLIENT span per operation
 * (`execute`, `batch`, `prepare`, a page of a stream), a child span per attempt — and the
 * `db.client.operation.duration` histogram. Spans are children of the context active where
 * the operation was called. Call `enable()` once, before or after creating clients.
 */
export class CqlwireInstrumentation {
  private readonly options: CqlwireInstrumentationOptions;
  private tracer: Tracer | undefined;
  private duration: Histogram | undefined;
  private readonly operations = new WeakMap<OperationContext, OperationState>();
  private readonly attempts = new WeakMap<AttemptContext, Span>();
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
  }

  /** Start making spans and metrics. */
  enable(): void {
    if (this.enabled) return;
    this.enabled = true;
    this.tracer = (this.options.tracerProvider ?? trace.getTracerProvider()).getTracer(NAME);
    const meter = (this.options.meterProvider ?? otelMetrics.getMeterProvider()).getMeter(NAME);
    this.duration = meter.createHistogram('db.client.operation.duration', { unit: 's', description: 'Duration of database client operations.' });
    diagnosticsChannel.tracingChannel<string, OperationContext>(tracingChannelNames.operation).subscribe(this.opHandlers);
    if (this.options.attemptSpans !== false) diagnosticsChannel.tracingChannel<string, AttemptContext>(tracingChannelNames.attempt).subscribe(this.attemptHandlers);
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
    if (this.options.attemptSpans !== false) diagnosticsChannel.tracingChannel<string, AttemptContext>(tracingChannelNames.attempt).unsubscribe(this.attemptHandlers);
  }

  private onOperationStart(ctx: OperationContext): void {
    const operation = operationName(ctx);
    const attributes: Attributes = { [ATTR.system]: 'cassandra', [ATTR.operation]: operation };
    if (ctx.keyspace !== undefined) attributes[ATTR.namespace] = ctx.keyspace;
    const all: Attributes = { ...attributes, [ATTR.consistency]: ctx.consistency.toLowerCase(), [ATTR.idempotence]: ctx.idempotent };
    if (this.options.queryText !== false) all[ATTR.queryText] = ctx.query;
    if (ctx.pageSize !== undefined) all[ATTR.pageSize] = ctx.pageSize;
    if (ctx.page !== undefined) all[ATTR.page] = ctx.page;
    // The caller's context: the start event runs synchronously in the caller's continuation.
    const span = this.tracer!.startSpan(ctx.keyspace === undefined ? operation : `${operation} ${ctx.keyspace}`, { kind: SpanKind.CLIENT, attributes: all }, otelContext.active());
    this.operations.set(ctx, { span, started: performance.now(), attributes });
    // Without attempt spans the operation's span is the one the server sees as its parent.
    if (this.options.propagateTraceContext === true && this.options.attemptSpans === false) ctx.customPayload = traceContextPayload(span);
  }

  private onOperationError(ctx: OperationContext): void {
    const state = this.operations.get(ctx);
    if (state === undefined || ctx.error === undefined) return;
    state.span.recordException(ctx.error);
    state.span.setStatus({ code: SpanStatusCode.ERROR, message: ctx.error.message });
    state.span.setAttribute(ATTR.errorType, errorType(ctx.error));
  }

  private onOperationEnd(ctx: OperationContext): void {
    const state = this.operations.get(ctx);
    if (state === undefined) return;
    this.operations.delete(ctx);
    const span = state.span;
    if (ctx.coordinator !== undefined) {
      span.setAttribute(ATTR.coordinatorId, ctx.coordinator);
      setServer(span, ctx.coordinator);
    }
    if (ctx.speculativeExecutions > 0) span.setAttribute(ATTR.speculative, ctx.speculativeExecutions);
    if (ctx.bytesOut > 0) span.setAttribute(ATTR.bytesOut, ctx.bytesOut);
    if (ctx.bytesIn > 0) span.setAttribute(ATTR.bytesIn, ctx.bytesIn);
    if (ctx.warnings !== undefined) span.addEvent('cassandra.warnings', { 'cassandra.warnings': [...ctx.warnings] });
    span.end();
    const attributes = ctx.error === undefined ? state.attributes : { ...state.attributes, [ATTR.errorType]: errorType(ctx.error) };
    this.duration!.record((performance.now() - state.started) / 1000, attributes);
  }

  private onAttemptStart(ctx: AttemptContext): void {
    const parent = this.operations.get(ctx.operation);
    if (parent === undefined) return;
    const attributes: Attributes = {
      [ATTR.system]: 'cassandra',
      [ATTR.consistency]: ctx.consistency.toLowerCase(),
      [ATTR.coordinatorId]: ctx.host,
      'cqlwire.attempt': ctx.attempt,
      'cqlwire.execution': ctx.execution,
      'cqlwire.speculative': ctx.speculative,
      'cqlwire.retry': ctx.retry,
    };
    if (ctx.datacenter !== undefined) attributes[ATTR.coordinatorDc] = ctx.datacenter;
    const span = this.tracer!.startSpan(`attempt ${ctx.attempt}`, { kind: SpanKind.CLIENT, attributes }, trace.setSpan(otelContext.active(), parent.span));
    setServer(span, ctx.host);
    this.attempts.set(ctx, span);
    if (this.options.propagateTraceContext === true) ctx.customPayload = traceContextPayload(span);
  }

  private onAttemptEnd(ctx: AttemptContext): void {
    const span = this.attempts.get(ctx);
    if (span === undefined) return;
    this.attempts.delete(ctx);
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

function setServer(span: Span, hostPort: string): void {
  const i = hostPort.lastIndexOf(':');
  span.setAttribute(ATTR.serverAddress, i < 0 ? hostPort : hostPort.slice(0, i));
  if (i >= 0) span.setAttribute(ATTR.serverPort, Number(hostPort.slice(i + 1)));
}
