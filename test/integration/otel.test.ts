// cqlwire/otel against the real node with the OpenTelemetry SDK's in-memory exporter: spans for
// a request, a retried request (two attempts under one operation), a stream of several pages
// and a batch, each under the span active where it was called; the duration histogram.
import { context, trace, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MetricReader } from '@opentelemetry/sdk-metrics';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Consistency } from '../../protocol/index.js';
import { type Client, type RetryContext, type RetryDecision, type RetryPolicy } from '../../src/index.js';
import { CqlwireInstrumentation } from '../../src/otel/index.js';
import { connect, createKeyspace, ddl, dropKeyspace, uniqueKeyspace } from './helpers.js';

const KS = uniqueKeyspace('it_otel');

class TestReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** THREE on a one-node cluster is Unavailable: retried once at ONE, which succeeds. */
class DowngradeOnce implements RetryPolicy {
  onError(ctx: RetryContext): RetryDecision {
    return ctx.retryCount === 0 ? { action: 'retry', sameHost: true, consistency: Consistency.ONE } : { action: 'rethrow' };
  }
}

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const reader = new TestReader();
const meterProvider = new MeterProvider({ readers: [reader] });
const instrumentation = new CqlwireInstrumentation({ tracerProvider: provider, meterProvider });
const contextManager = new AsyncLocalStorageContextManager();
const tracer = provider.getTracer('test');
let client: Client;

const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;
const idOf = (s: ReadableSpan | Span): string => ('spanContext' in s ? s.spanContext().spanId : (s as ReadableSpan).spanContext().spanId);

/** Run `fn` under a fresh span of the test; returns its id once ended. */
async function under(name: string, fn: () => Promise<void>): Promise<ReadableSpan> {
  await tracer.startActiveSpan(name, async (span) => {
    try {
      await fn();
    } finally {
      span.end();
    }
  });
  return exporter.getFinishedSpans().find((s) => s.name === name)!;
}

beforeAll(async () => {
  context.setGlobalContextManager(contextManager.enable());
  client = await connect({ retryPolicy: new DowngradeOnce() });
  await createKeyspace(client, KS);
  await ddl(client, `CREATE TABLE ${KS}.t (k int, c int, v text, PRIMARY KEY (k, c))`);
  for (let c = 0; c < 5; c++) await client.execute(`INSERT INTO ${KS}.t (k, c, v) VALUES (1, ?, 'x')`, [c], { prepare: true });
  instrumentation.enable();
});

afterAll(async () => {
  instrumentation.disable();
  await dropKeyspace(client, KS);
  await client.close();
  context.disable();
});

beforeEach(() => exporter.reset());

describe('cqlwire/otel', () => {
  it('a request: a CLIENT span under the caller span with the semantic-convention attributes, its coordinator and sizes; no attempt span for a first-try answer', async () => {
    const parent = await under('request', async () => {
      await client.execute(`SELECT v FROM ${KS}.t WHERE k = ?`, [1], { prepare: true, consistency: 'ONE', fetchSize: 100, keyspace: KS });
    });
    const spans = exporter.getFinishedSpans();
    const op = spans.find((s) => s.attributes['db.operation.name'] === 'SELECT')!;
    expect(op.name).toBe(`SELECT ${KS}`); // span name: operation and keyspace
    expect(parentOf(op)).toBe(idOf(parent));
    expect(op.attributes).toMatchObject({
      'db.system.name': 'cassandra',
      'db.operation.name': 'SELECT',
      'db.namespace': KS,
      'db.query.text': `SELECT v FROM ${KS}.t WHERE k = ?`,
      'db.cassandra.consistency_level': 'one',
      'db.cassandra.page_size': 100,
      'server.address': expect.any(String),
      'server.port': expect.any(Number),
      'db.cassandra.coordinator.id': expect.any(String),
      'cqlwire.bytes_out': expect.any(Number),
      'cqlwire.bytes_in': expect.any(Number),
    });
    const attempts = spans.filter((s) => parentOf(s) === idOf(op));
    expect(attempts).toEqual([]); // attemptSpans 'retries': the operation span stands for its one attempt
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toMatch(/"1"|\[1\]/); // no bound value
  });

  it('a retried request: two attempts under one operation, the first failed with its decision', async () => {
    await under('retried', async () => {
      await client.execute(`SELECT v FROM ${KS}.t WHERE k = 1`, undefined, { consistency: 'THREE' });
    });
    const spans = exporter.getFinishedSpans();
    const op = spans.find((s) => s.name === 'SELECT')!; // unprepared, no client keyspace: no db.namespace
    expect(op.status.code).not.toBe(2);
    const attempts = spans.filter((s) => parentOf(s) === idOf(op)).sort((a, b) => Number(a.attributes['cqlwire.attempt']) - Number(b.attributes['cqlwire.attempt']));
    expect(attempts.map((s) => [s.name, s.attributes['db.cassandra.consistency_level'], s.attributes['cqlwire.retry_decision'], s.attributes['error.type'], s.status.code])).toEqual([
      ['attempt 1', 'three', 'retry-same-host', 'ERR_SERVER_UNAVAILABLE', 2],
      ['attempt 2', 'one', undefined, undefined, 0],
    ]);
  });

  it('a stream of several pages: one operation span per page, all under the caller span', async () => {
    let rows = 0;
    const parent = await under('stream', async () => {
      for await (const _row of client.stream(`SELECT v FROM ${KS}.t WHERE k = 1`, undefined, { fetchSize: 2 })) rows++;
    });
    expect(rows).toBe(5);
    const pages = exporter.getFinishedSpans().filter((s) => s.attributes['db.operation.name'] === 'SELECT');
    expect(pages.map((p) => p.attributes['cqlwire.page'])).toEqual([1, 2, 3]);
    for (const p of pages) expect(parentOf(p)).toBe(idOf(parent));
  });

  it('a batch: one BATCH span under the caller span; the duration histogram has every operation', async () => {
    const parent = await under('batch', async () => {
      await client.batch([
        { query: `INSERT INTO ${KS}.t (k, c, v) VALUES (2, 0, ?)`, params: ['secret-value'] },
        { query: `INSERT INTO ${KS}.t (k, c, v) VALUES (2, 1, ?)`, params: ['secret-value'] },
      ], { prepare: true });
    });
    const spans = exporter.getFinishedSpans();
    const batch = spans.find((s) => s.name.startsWith('BATCH'))!;
    expect(batch).toBeDefined();
    expect(parentOf(batch)).toBe(idOf(parent));
    expect(batch.attributes['db.operation.name']).toBe('BATCH');
    expect(JSON.stringify(spans.map((s) => [s.attributes, s.events]))).not.toContain('secret-value');
    const { resourceMetrics } = await reader.collect();
    const histogram = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'db.client.operation.duration');
    expect(histogram?.descriptor.unit).toBe('s');
    expect(histogram!.dataPoints.some((d) => d.attributes['db.operation.name'] === 'BATCH')).toBe(true);
  });
});
