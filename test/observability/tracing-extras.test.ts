// The tracing channels' frame sizes (exact, per attempt and summed per operation, plain and
// LZ4-compressed), the page number of each operation of a stream, and custom payload entries a
// subscriber adds (W3C trace context) reaching the server next to the caller's own.
import diagnosticsChannel from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { Consistency, DataTypes, ErrorCode, Opcode, Writer, encodeResponseFrame, writeRequestFrame, type ServerErrorInfo } from '../../protocol/index.js';
import { Client, tracingChannelNames, type AttemptContext, type ClientOptions, type OperationContext, type RetryContext, type RetryDecision, type RetryPolicy } from '../../src/index.js';
import { errorReply, payloadText, rowsReply, type FakeReply, type FakeServer, type ReceivedRequest } from '../../src/testing/index.js';
import { defer, startServer } from '../connection/helpers.js';

type Handlers<T extends object> = { start(ctx: T): void; end(): void; asyncStart(): void; asyncEnd(ctx: T): void; error(): void };

/** Subscribe to a tracing channel for the rest of the test. */
function on<T extends object>(name: string, handlers: Partial<Handlers<T>>): void {
  const ch = diagnosticsChannel.tracingChannel<string, T>(name);
  const all: Handlers<T> = { start() {}, end() {}, asyncStart() {}, asyncEnd() {}, error() {}, ...handlers };
  ch.subscribe(all);
  defer(() => ch.unsubscribe(all));
}

async function connect(server: FakeServer, options: Partial<ClientOptions> = {}): Promise<Client> {
  const c = await Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0, controlConnection: false, ...options });
  defer(() => c.close());
  return c;
}

/** The size of the frame the server received, encoded again. */
function requestBytes(r: ReceivedRequest): number {
  const w = new Writer(256);
  writeRequestFrame(w, r.version, r.stream, r.message, { tracing: r.tracing, customPayload: r.customPayload });
  return w.finish().length;
}

const replyBytes = (r: ReceivedRequest, reply: FakeReply): number => encodeResponseFrame(r.version, r.stream, reply.response, reply.envelope).length;

const unavailable: ServerErrorInfo = { kind: 'unavailable', code: ErrorCode.UNAVAILABLE, message: 'Cannot achieve consistency level QUORUM', consistency: Consistency.QUORUM, required: 2, alive: 1 };

class RetryOnce implements RetryPolicy {
  onError(context: RetryContext): RetryDecision {
    return context.retryCount === 0 ? { action: 'retry', sameHost: true } : { action: 'rethrow' };
  }
}

describe('frame sizes per attempt', () => {
  for (const [name, options] of [
    ['v5', { protocolVersion: 5 }],
    ['v4 with LZ4 (sizes before compression)', { protocolVersion: 4, compression: 'lz4' }],
    ['v5 with LZ4', { protocolVersion: 5, compression: 'lz4' }],
  ] as const) {
    it(`${name}: bytes out and in of each attempt exactly, the operation's the sum (a failed attempt counted too)`, async () => {
      const server = await startServer();
      const c = await connect(server, { ...options, retryPolicy: new RetryOnce() });
      const reply = rowsReply([{ name: 'v', type: DataTypes.text }], [['x'.repeat(3000)], ['y'.repeat(100)]]);
      const error = errorReply(unavailable);
      let calls = 0;
      server.handler = (r) => (r.query === 'SELECT sized' ? (calls++ === 0 ? error : reply) : undefined);
      const attempts: AttemptContext[] = [];
      const ops: OperationContext[] = [];
      on<AttemptContext>(tracingChannelNames.attempt, { asyncEnd: (a) => void attempts.push(a) });
      on<OperationContext>(tracingChannelNames.operation, { asyncEnd: (o) => void ops.push(o) });
      await c.execute('SELECT sized', [3000], { prepare: false });
      const received = server.requests.filter((r) => r.query === 'SELECT sized');
      expect(received).toHaveLength(2);
      expect(attempts.map((a) => [a.bytesOut, a.bytesIn])).toEqual([
        [requestBytes(received[0]!), replyBytes(received[0]!, error)],
        [requestBytes(received[1]!), replyBytes(received[1]!, reply)],
      ]);
      expect(attempts[1]!.bytesIn).toBeGreaterThan(3100);
      expect(ops).toHaveLength(1);
      expect([ops[0]!.bytesOut, ops[0]!.bytesIn]).toEqual([attempts[0]!.bytesOut + attempts[1]!.bytesOut, attempts[0]!.bytesIn + attempts[1]!.bytesIn]);
    });
  }

  it('with only the operation channel subscribed, the operation still has its sizes', async () => {
    const server = await startServer();
    const c = await connect(server);
    const ops: OperationContext[] = [];
    on<OperationContext>(tracingChannelNames.operation, { asyncEnd: (o) => void ops.push(o) });
    await c.execute('SELECT only_op');
    const r = server.requests.find((q) => q.query === 'SELECT only_op')!;
    expect(ops[0]!.bytesOut).toBe(requestBytes(r));
    expect(ops[0]!.bytesIn).toBeGreaterThan(9);
  });
});

describe('page numbers', () => {
  it("each page of a stream is an operation carrying its 1-based page number; execute's has none", async () => {
    const server = await startServer();
    const c = await connect(server);
    const columns = [{ name: 'n', type: DataTypes.int }];
    server.when('SELECT paged', (r) => {
      const state = r.message.opcode === Opcode.QUERY ? r.message.params.pagingState : undefined;
      const page = state === undefined ? 0 : state[0]!;
      return rowsReply(columns, [[page * 2], [page * 2 + 1]], page < 2 ? { pagingState: Buffer.from([page + 1]) } : {});
    });
    const pages: (number | undefined)[] = [];
    on<OperationContext>(tracingChannelNames.operation, { start: (o) => void pages.push(o.page) });
    const rows = await c.stream('SELECT paged', undefined, { fetchSize: 2 }).toArray();
    expect(rows.map((r) => r['n'])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(pages).toEqual([1, 2, 3]);
    await c.execute('SELECT paged', undefined, { fetchSize: 2 });
    expect(pages.at(-1)).toBeUndefined();
  });
});

describe('custom payload from subscribers', () => {
  it("entries added on the operation's and the attempt's start are sent; the caller's own entries stay and win on a shared key", async () => {
    const server = await startServer();
    const c = await connect(server, { retryPolicy: new RetryOnce() });
    let calls = 0;
    server.handler = (r) => (r.query === 'INSERT p' && calls++ === 0 ? errorReply(unavailable) : undefined);
    on<OperationContext>(tracingChannelNames.operation, {
      start: (o) => void (o.customPayload = { traceparent: Buffer.from(`op-${o.operationId}`), tag: Buffer.from('from-subscriber') }),
    });
    on<AttemptContext>(tracingChannelNames.attempt, { start: (a) => void (a.customPayload = { attempt: Buffer.from(String(a.attempt)) }) });
    await c.execute('INSERT p', undefined, { customPayload: { tag: Buffer.from('mine'), other: Buffer.from('kept') } });
    const received = server.requests.filter((r) => r.query === 'INSERT p');
    expect(received).toHaveLength(2);
    for (const [i, r] of received.entries()) {
      expect(payloadText(r.customPayload, 'traceparent')).toMatch(/^op-\d+$/);
      expect(payloadText(r.customPayload, 'attempt')).toBe(String(i + 1));
      expect(payloadText(r.customPayload, 'tag')).toBe('mine');
      expect(payloadText(r.customPayload, 'other')).toBe('kept');
    }
  });

  it('without subscribers nothing is added', async () => {
    const server = await startServer();
    const c = await connect(server);
    await c.execute('INSERT plain', undefined, { customPayload: { tag: Buffer.from('mine') } });
    await c.execute('INSERT none');
    const [plain, none] = [server.requests.find((r) => r.query === 'INSERT plain')!, server.requests.find((r) => r.query === 'INSERT none')!];
    expect(Object.keys(plain.customPayload ?? {})).toEqual(['tag']);
    expect(none.customPayload).toBeUndefined();
  });
});
