// The two tracing channels (cqlwire:operation, cqlwire:attempt) against the fake server, event
// by event and field by field: a plain request, a retry, a rethrown error, a speculative race,
// AsyncLocalStorage through an operation, and no bound value in any message.
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnosticsChannel from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { Consistency, ErrorCode, Opcode, type ServerErrorInfo } from '../../protocol/index.js';
import {
  Client,
  ConstantSpeculativeExecutionPolicy,
  tracingChannelNames,
  type AttemptContext,
  type ClientOptions,
  type OperationContext,
  type RetryContext,
  type RetryDecision,
  type RetryPolicy,
} from '../../src/index.js';
import { FakeServer, errorReply, type ReceivedRequest } from '../../src/testing/index.js';
import { defer, rejectionOf, startServer } from '../connection/helpers.js';

type Event = readonly [channel: 'operation' | 'attempt', event: string, context: OperationContext | AttemptContext, snapshot: Record<string, unknown>];

/** Every event of both tracing channels, with a copy of the context's fields at that moment. */
function record(): Event[] {
  const events: Event[] = [];
  for (const which of ['operation', 'attempt'] as const) {
    const ch = diagnosticsChannel.tracingChannel<string, OperationContext | AttemptContext>(tracingChannelNames[which]);
    const handler = (name: string) => (ctx: OperationContext | AttemptContext) => {
      const { operation: _parent, ...fields } = ctx as AttemptContext;
      events.push([which, name, ctx, { ...fields }]);
    };
    const handlers = { start: handler('start'), end: handler('end'), asyncStart: handler('asyncStart'), asyncEnd: handler('asyncEnd'), error: handler('error') };
    ch.subscribe(handlers);
    defer(() => ch.unsubscribe(handlers));
  }
  return events;
}

const sequence = (events: readonly Event[]): string[] => events.map(([ch, ev]) => `${ch}:${ev}`);

async function connect(servers: readonly FakeServer[], options: Partial<ClientOptions> = {}): Promise<Client> {
  const c = await Client.connect({ contactPoints: [servers[0]!.contactPoint], heartbeatIntervalMs: 0, ...options });
  defer(() => c.close());
  return c;
}

const unavailable: ServerErrorInfo = { kind: 'unavailable', code: ErrorCode.UNAVAILABLE, message: 'Cannot achieve consistency level QUORUM', consistency: Consistency.QUORUM, required: 2, alive: 1 };

function failFirst(server: FakeServer, text: string, n = 1): void {
  let left = n;
  server.handler = (r: ReceivedRequest) => {
    if (r.query === text && r.opcode === Opcode.QUERY && left > 0) {
      left--;
      return errorReply(unavailable);
    }
    return undefined;
  };
}

class Policy implements RetryPolicy {
  constructor(private readonly decision: RetryDecision) {}
  onError(context: RetryContext): RetryDecision {
    return context.retryCount === 0 ? this.decision : { action: 'rethrow' };
  }
}

describe('tracing channels', () => {
  it('a request: one operation around one attempt, every field', async () => {
    const server = await startServer();
    const c = await connect([server], { keyspace: undefined });
    const events = record();
    await c.execute('SELECT a FROM t WHERE k = ?', ['secret-value'], { consistency: 'LOCAL_QUORUM', fetchSize: 50, keyspace: 'ks1' });
    expect(sequence(events)).toEqual(['operation:start', 'attempt:start', 'attempt:end', 'operation:end', 'attempt:asyncStart', 'attempt:asyncEnd', 'operation:asyncStart', 'operation:asyncEnd']);
    const [, , op, atStart] = events[0]!;
    expect(atStart).toEqual({ operationId: expect.any(Number), kind: 'query', query: 'SELECT a FROM t WHERE k = ?', keyspace: 'ks1', consistency: 'LOCAL_QUORUM', pageSize: 50, idempotent: false, attempts: 0, speculativeExecutions: 0, bytesOut: 0, bytesIn: 0 });
    const attempt = events[1]![2] as AttemptContext;
    expect(attempt.bytesOut).toBeGreaterThan(9);
    expect(attempt.bytesIn).toBeGreaterThan(9);
    expect(events.at(-1)![3]).toEqual({ ...atStart, attempts: 1, coordinator: server.contactPoint, bytesOut: attempt.bytesOut, bytesIn: attempt.bytesIn });
    expect(attempt.operation).toBe(op);
    expect(events[1]![3]).toEqual({ attempt: 1, execution: 0, speculative: false, retry: false, host: server.contactPoint, datacenter: 'datacenter1', consistency: 'LOCAL_QUORUM', pageSize: 50, bytesOut: 0, bytesIn: 0 });
    expect(events[5]![3]).toEqual({ ...events[1]![3], bytesOut: attempt.bytesOut, bytesIn: attempt.bytesIn }); // success: no decision, no error
    // No bound value anywhere.
    expect(JSON.stringify(events.map((e) => e[3]))).not.toContain('secret-value');
  });

  it('a retried request: two attempts under one operation, the decision on the first', async () => {
    const server = await startServer();
    const c = await connect([server], { retryPolicy: new Policy({ action: 'retry', sameHost: true, consistency: Consistency.ONE }) });
    failFirst(server, 'INSERT r');
    const events = record();
    await c.execute('INSERT r', undefined, { consistency: 'QUORUM' });
    expect(sequence(events)).toEqual([
      'operation:start',
      'attempt:start',
      'attempt:end',
      'operation:end',
      'attempt:error',
      'attempt:asyncStart',
      'attempt:asyncEnd',
      'attempt:start',
      'attempt:end',
      'attempt:asyncStart',
      'attempt:asyncEnd',
      'operation:asyncStart',
      'operation:asyncEnd',
    ]);
    const first = events[4]![3];
    expect(first).toMatchObject({ attempt: 1, retry: false, consistency: 'QUORUM', error: expect.objectContaining({ code: 'ERR_SERVER_UNAVAILABLE' }) });
    expect(first['decision']).toBeUndefined(); // `error` comes before the decision
    expect(events[5]![3]).toMatchObject({ attempt: 1, decision: 'retry-same-host' });
    expect(events[7]![3]).toEqual({ attempt: 2, execution: 0, speculative: false, retry: true, host: server.contactPoint, datacenter: 'datacenter1', consistency: 'ONE', pageSize: expect.any(Number), bytesOut: 0, bytesIn: 0 });
    expect(events.at(-1)![3]).toMatchObject({ attempts: 2, consistency: 'QUORUM', coordinator: server.contactPoint });
    expect(events.at(-1)![3]['error']).toBeUndefined();
  });

  it('a failed request: the operation publishes error with the error the caller gets', async () => {
    const server = await startServer();
    const c = await connect([server], { retryPolicy: new Policy({ action: 'rethrow' }) });
    failFirst(server, 'INSERT f');
    const events = record();
    const err = await rejectionOf(c.execute('INSERT f'));
    expect(sequence(events)).toEqual(['operation:start', 'attempt:start', 'attempt:end', 'operation:end', 'attempt:error', 'attempt:asyncStart', 'attempt:asyncEnd', 'operation:error', 'operation:asyncStart', 'operation:asyncEnd']);
    expect(events[5]![3]).toMatchObject({ decision: 'rethrow', error: err });
    expect((events[7]![2] as OperationContext).error).toBe(err);
  });

  it("'ignore': the attempt's decision, the operation succeeds", async () => {
    const server = await startServer();
    const c = await connect([server], { retryPolicy: new Policy({ action: 'ignore' }) });
    failFirst(server, 'INSERT i');
    const events = record();
    await c.execute('INSERT i');
    expect(events.find(([ch, ev]) => ch === 'attempt' && ev === 'asyncEnd')![3]).toMatchObject({ decision: 'ignore' });
    expect(sequence(events)).not.toContain('operation:error');
  });

  it('batch and prepare are operations of their kind', async () => {
    const server = await startServer();
    const c = await connect([server]);
    const events = record();
    await c.prepare('SELECT p FROM t WHERE k = ?');
    await c.batch([{ query: 'INSERT INTO t (k) VALUES (?)', params: ['secret-value'] }]);
    const starts = events.filter(([ch, ev]) => ch === 'operation' && ev === 'start').map((e) => e[3]);
    expect(starts.map((s) => [s['kind'], s['query'], s['idempotent'], s['pageSize']])).toEqual([
      ['prepare', 'SELECT p FROM t WHERE k = ?', true, undefined],
      ['batch', 'BATCH(1)', false, undefined],
    ]);
    expect(JSON.stringify(events.map((e) => e[3]))).not.toContain('secret-value');
  });

  it("the operation covers the throttle's wait: a caller the full queue refuses gets an operation with no attempt", async () => {
    const server = await startServer();
    const c = await connect([server], { throttle: { maxConcurrent: 1, maxQueued: 0 } });
    server.addRule({ query: 'SELECT held', action: { kind: 'delay', ms: 100 } });
    const events = record();
    const held = c.execute('SELECT held');
    const refused = await rejectionOf(c.execute('SELECT refused'));
    await held;
    const refusedOp = events.find(([ch, ev, , s]) => ch === 'operation' && ev === 'start' && s['query'] === 'SELECT refused')![2] as OperationContext;
    const mine = events.filter(([, , ctx]) => ctx === refusedOp || (ctx as AttemptContext).operation === refusedOp);
    expect(sequence(mine)).toEqual(expect.arrayContaining(['operation:start', 'operation:error']));
    expect(sequence(mine)).not.toContain('attempt:start');
    expect(refusedOp.error).toBe(refused);
    expect(refusedOp.attempts).toBe(0);
  });

  it('a speculative execution: an attempt with execution 1 under the same operation', async () => {
    const servers = await FakeServer.startCluster(2);
    for (const s of servers) defer(() => s.close());
    servers[0]!.addRule({ query: 'SELECT spec', action: { kind: 'noReply' } });
    const c = await connect(servers, { timeoutMs: 3000, speculativeExecutionPolicy: new ConstantSpeculativeExecutionPolicy(20, 1) });
    await expect.poll(() => c.hosts.filter((h) => h.isUp).length).toBe(2);
    // Round robin: one of two requests goes to the hung node first.
    let raced: Event[] | undefined;
    for (let i = 0; i < 2 && raced === undefined; i++) {
      const events = record();
      await c.execute('SELECT spec', undefined, { idempotent: true });
      if (events.some(([ch, , , s]) => ch === 'attempt' && s['speculative'] === true)) raced = events;
    }
    expect(raced).toBeDefined();
    const starts = raced!.filter(([ch, ev]) => ch === 'attempt' && ev === 'start');
    expect(starts.map((e) => [e[3]['attempt'], e[3]['execution'], e[3]['speculative'], e[3]['host']])).toEqual([
      [1, 0, false, servers[0]!.contactPoint],
      [2, 1, true, servers[1]!.contactPoint],
    ]);
    expect(new Set(starts.map((e) => (e[2] as AttemptContext).operation)).size).toBe(1);
    const end = raced!.filter(([ch, ev]) => ch === 'operation' && ev === 'asyncEnd');
    expect(end).toHaveLength(1);
    expect(end[0]![3]).toMatchObject({ speculativeExecutions: 1, attempts: 2, coordinator: servers[1]!.contactPoint, idempotent: true });
  });

  it('AsyncLocalStorage: a store bound to the operation start is active in its attempts and its end; the caller keeps its own', async () => {
    const server = await startServer();
    const c = await connect([server]);
    const spans = new AsyncLocalStorage<string>();
    const ch = diagnosticsChannel.tracingChannel<string, OperationContext>(tracingChannelNames.operation);
    ch.start.bindStore(spans, (op) => `span-${op.operationId}`);
    defer(() => ch.start.unbindStore(spans));
    const seen: (string | undefined)[] = [];
    const onAttempt = (): void => void seen.push(spans.getStore());
    const attempt = diagnosticsChannel.tracingChannel(tracingChannelNames.attempt);
    const attemptHandlers = { start: onAttempt, asyncEnd: onAttempt, end() {}, asyncStart() {}, error() {} };
    attempt.subscribe(attemptHandlers);
    defer(() => attempt.unsubscribe(attemptHandlers));
    const opEnd = { asyncEnd: (): void => void seen.push(spans.getStore()), start() {}, end() {}, asyncStart() {}, error() {} };
    ch.subscribe(opEnd);
    defer(() => ch.unsubscribe(opEnd));

    const caller = new AsyncLocalStorage<string>();
    await caller.run('request-42', async () => {
      await spans.run('outer', async () => {
        await c.execute('SELECT als');
        expect(caller.getStore()).toBe('request-42');
        expect(spans.getStore()).toBe('outer'); // the caller's continuation has its own context
      });
    });
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(1);
    expect(seen[0]).toMatch(/^span-\d+$/);
  });
});
