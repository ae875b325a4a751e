// cqlwire/otel against the fake server: the W3C trace context of the attempt span (or of the
// operation span without attempt spans) in each request's custom payload, the caller's own
// payload kept; frame sizes and the page number as span attributes; per-host queue depth and
// in-flight requests as observable metrics.
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataTypes, ErrorCode, Opcode } from '../../protocol/index.js';
import { Client, ConstantSpeculativeExecutionPolicy, type ClientOptions } from '../../src/index.js';
import { CqlwireInstrumentation, type CqlwireInstrumentationOptions } from '../../src/otel/index.js';
import { FakeServer, errorInfo, errorReply, payloadText, rowsReply } from '../../src/testing/index.js';
import { defer, startServer } from '../connection/helpers.js';

class TestReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('test');
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => void context.setGlobalContextManager(contextManager.enable()));
afterAll(() => void context.disable());

function instrument(options: CqlwireInstrumentationOptions = {}): CqlwireInstrumentation {
  const i = new CqlwireInstrumentation({ tracerProvider: provider, ...options });
  i.enable();
  defer(() => i.disable());
  exporter.reset();
  return i;
}

async function connect(server: FakeServer, options: Partial<ClientOptions> = {}): Promise<Client> {
  const c = await Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0, controlConnection: false, ...options });
  defer(() => c.close());
  return c;
}

const spanOf = (spans: readonly ReadableSpan[], pred: (s: ReadableSpan) => boolean): ReadableSpan => {
  const found = spans.filter(pred);
  expect(found).toHaveLength(1);
  return found[0]!;
};

describe('cqlwire/otel with the fake server', () => {
  it('propagateTraceContext, attemptSpans true: traceparent of the attempt span in the custom payload; the caller keeps its own entries', async () => {
    const server = await startServer();
    const c = await connect(server);
    instrument({ propagateTraceContext: true, attemptSpans: true });
    await tracer.startActiveSpan('caller', async (parent) => {
      await c.execute('INSERT tp', undefined, { customPayload: { tag: Buffer.from('mine') } });
      parent.end();
    });
    const spans = exporter.getFinishedSpans();
    const attempt = spanOf(spans, (s) => s.name === 'attempt 1');
    const r = server.requests.find((q) => q.query === 'INSERT tp')!;
    const { traceId, spanId } = attempt.spanContext();
    expect(payloadText(r.customPayload, 'traceparent')).toBe(`00-${traceId}-${spanId}-01`);
    expect(payloadText(r.customPayload, 'tag')).toBe('mine');
    expect(payloadText(r.customPayload, 'tracestate')).toBeUndefined();
    expect(spanOf(spans, (s) => s.name === 'caller').spanContext().traceId).toBe(traceId);
  });

  it("attemptSpans 'retries' (default): one span for a first-try answer, its traceparent sent; a retry gets attempt spans (the failed first one from its start) and its own traceparent", async () => {
    const server = await startServer();
    const c = await connect(server, { retryPolicy: { onError: (r) => (r.retryCount === 0 ? { action: 'retry', sameHost: true } : { action: 'rethrow' }) } });
    let calls = 0;
    server.handler = (r) => (r.query === 'INSERT retried' && calls++ === 0 ? errorReply(errorInfo(ErrorCode.OVERLOADED)) : undefined);
    instrument({ propagateTraceContext: true });
    await c.execute('INSERT once');
    const once = spanOf(exporter.getFinishedSpans(), (s) => s.attributes['db.query.text'] === 'INSERT once');
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    expect(payloadText(server.requests.find((q) => q.query === 'INSERT once')!.customPayload, 'traceparent')).toBe(`00-${once.spanContext().traceId}-${once.spanContext().spanId}-01`);
    expect(once.attributes['db.cassandra.coordinator.id']).toBe(server.contactPoint);
    exporter.reset();
    await c.execute('INSERT retried');
    const spans = exporter.getFinishedSpans();
    const op = spanOf(spans, (s) => s.attributes['db.query.text'] === 'INSERT retried');
    const attempts = spans.filter((s) => s.parentSpanContext?.spanId === op.spanContext().spanId).sort((a, b) => Number(a.attributes['cqlwire.attempt']) - Number(b.attributes['cqlwire.attempt']));
    expect(attempts.map((s) => [s.name, s.attributes['cqlwire.retry_decision'], s.attributes['error.type'], s.attributes['cqlwire.retry']])).toEqual([
      ['attempt 1', 'retry-same-host', 'ERR_SERVER_OVERLOADED', false],
      ['attempt 2', undefined, undefined, true],
    ]);
    const [first, second] = server.requests.filter((q) => q.query === 'INSERT retried');
    // The first attempt went out before anyone knew it would need a span: the operation's context.
    expect(payloadText(first!.customPayload, 'traceparent')).toContain(op.spanContext().spanId);
    expect(payloadText(second!.customPayload, 'traceparent')).toContain(attempts[1]!.spanContext().spanId);
    expect(attempts[0]!.startTime[0] * 1e9 + attempts[0]!.startTime[1]).toBeLessThanOrEqual(attempts[1]!.startTime[0] * 1e9 + attempts[1]!.startTime[1]);
  });

  it("attemptSpans 'retries': a speculative execution makes both attempts spans, the loser's once it ends after its operation", async () => {
    const servers = await FakeServer.startCluster(2);
    for (const sv of servers) defer(() => sv.close());
    servers[0]!.addRule({ query: 'SELECT spec', action: { kind: 'noReply' } });
    const c = await Client.connect({ contactPoints: [servers[0]!.contactPoint], heartbeatIntervalMs: 0, timeoutMs: 300, speculativeExecutionPolicy: new ConstantSpeculativeExecutionPolicy(20, 1) });
    defer(() => c.close());
    await expect.poll(() => c.hosts.filter((h) => h.isUp).length).toBe(2);
    instrument();
    // Round robin: one of two requests goes to the hung node first.
    for (let i = 0; i < 2; i++) await c.execute('SELECT spec', undefined, { idempotent: true });
    const raced = (): ReadableSpan | undefined => exporter.getFinishedSpans().find((s) => s.attributes['db.cassandra.speculative_execution_count'] === 1);
    await expect.poll(() => raced() !== undefined && exporter.getFinishedSpans().filter((s) => s.parentSpanContext?.spanId === raced()!.spanContext().spanId).length === 2, { timeout: 3000 }).toBe(true);
    const op = raced()!;
    const attempts = exporter.getFinishedSpans().filter((s) => s.parentSpanContext?.spanId === op.spanContext().spanId).sort((a, b) => Number(a.attributes['cqlwire.attempt']) - Number(b.attributes['cqlwire.attempt']));
    expect(attempts.map((s) => [s.name, s.attributes['cqlwire.speculative'], s.attributes['error.type'], s.attributes['db.cassandra.coordinator.id']])).toEqual([
      ['attempt 1', false, 'ERR_REQUEST_TIMEOUT', servers[0]!.contactPoint],
      ['attempt 2', true, undefined, servers[1]!.contactPoint],
    ]);
    // The loser ran from before the winner started until its timeout, after the operation ended.
    const ns = (t: readonly [number, number]): number => t[0] * 1e9 + t[1];
    expect(ns(attempts[0]!.startTime)).toBeLessThan(ns(attempts[1]!.startTime));
    expect(ns(attempts[0]!.endTime)).toBeGreaterThan(ns(op.endTime));
  });

  it('tracestate is sent when the span has one; without attempt spans the operation span is the parent; a caller traceparent wins', async () => {
    const server = await startServer();
    const c = await connect(server);
    instrument({ propagateTraceContext: true, attemptSpans: false });
    const parentCtx = trace.setSpanContext(context.active(), {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
      traceState: { serialize: () => 'vendor=abc', get: () => undefined, set() { return this; }, unset() { return this; } },
      isRemote: true,
    });
    await context.with(parentCtx, () => c.execute('INSERT ts'));
    await context.with(parentCtx, () => c.execute('INSERT own', undefined, { customPayload: { traceparent: Buffer.from('caller-value') } }));
    const op = spanOf(exporter.getFinishedSpans(), (s) => s.attributes['db.query.text'] === 'INSERT ts');
    const r = server.requests.find((q) => q.query === 'INSERT ts')!;
    expect(payloadText(r.customPayload, 'traceparent')).toBe(`00-0af7651916cd43dd8448eb211c80319c-${op.spanContext().spanId}-01`);
    expect(payloadText(r.customPayload, 'tracestate')).toBe('vendor=abc');
    expect(payloadText(server.requests.find((q) => q.query === 'INSERT own')!.customPayload, 'traceparent')).toBe('caller-value');
  });

  it('off by default: no payload added', async () => {
    const server = await startServer();
    const c = await connect(server);
    instrument();
    await tracer.startActiveSpan('caller', async (parent) => {
      await c.execute('INSERT off');
      parent.end();
    });
    expect(server.requests.find((q) => q.query === 'INSERT off')!.customPayload).toBeUndefined();
  });

  it('frame sizes on the operation and attempt spans; each page of a stream has its page number', async () => {
    const server = await startServer();
    const c = await connect(server);
    const columns = [{ name: 'n', type: DataTypes.int }];
    server.when('SELECT pages', (r) => {
      const state = r.message.opcode === Opcode.QUERY ? r.message.params.pagingState : undefined;
      const page = state === undefined ? 0 : state[0]!;
      return rowsReply(columns, [[page]], page < 2 ? { pagingState: Buffer.from([page + 1]) } : {});
    });
    instrument({ attemptSpans: true });
    expect((await c.stream('SELECT pages', undefined, { fetchSize: 1 }).toArray()).length).toBe(3);
    const spans = exporter.getFinishedSpans();
    const ops = spans.filter((s) => s.attributes['db.operation.name'] === 'SELECT');
    expect(ops.map((s) => s.attributes['cqlwire.page'])).toEqual([1, 2, 3]);
    for (const op of ops) {
      const attempt = spanOf(spans, (s) => s.parentSpanContext?.spanId === op.spanContext().spanId);
      expect(op.attributes['cqlwire.bytes_out']).toBeGreaterThan(9);
      expect(op.attributes['cqlwire.bytes_in']).toBeGreaterThan(9);
      expect([attempt.attributes['cqlwire.bytes_out'], attempt.attributes['cqlwire.bytes_in']]).toEqual([op.attributes['cqlwire.bytes_out'], op.attributes['cqlwire.bytes_in']]);
    }
  });

  it('observeMetrics: per-host pending (queued) and in-flight requests as observable metrics', async () => {
    const server = await startServer();
    const c = await connect(server, { connectionsPerHost: 1, maxRequestsPerConnection: 1 });
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const i = instrument({ meterProvider });
    const stop = i.observeMetrics(c);
    defer(stop);
    server.addRule({ query: 'SELECT slow', action: { kind: 'delay', ms: 150 } });
    const held = [c.execute('SELECT slow'), c.execute('SELECT slow'), c.execute('SELECT slow')];
    await expect.poll(() => server.requests.filter((r) => r.query === 'SELECT slow').length).toBe(1);
    const { resourceMetrics } = await reader.collect();
    const metric = (name: string) => resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name)!;
    const point = (name: string) => metric(name).dataPoints.find((d) => d.attributes['db.client.connection.pool.name'] === server.contactPoint)!;
    expect(point('db.client.connection.pending_requests').value).toBe(2);
    expect(point('cqlwire.client.requests.in_flight').value).toBe(1);
    expect(point('db.client.connection.pending_requests').attributes).toMatchObject({ 'server.address': server.address, 'server.port': server.port, 'db.system.name': 'cassandra' });
    await Promise.all(held);
  });
});
