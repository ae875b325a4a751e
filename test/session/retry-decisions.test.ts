// What the execution core does with each retry decision, against the fake server: 'ignore'
// resolves with an empty result, 'retry' with a consistency sends the retry at that
// consistency, and the default policy replays a write timeout only where replay is safe.
import { describe, expect, it } from 'vitest';
import { Consistency, ErrorCode, Opcode, type QueryRequest, type ServerErrorInfo } from '../../protocol/index.js';
import { Client, DefaultRetryPolicy, WriteTimeoutError, type RetryContext, type RetryDecision, type RetryPolicy } from '../../src/index.js';
import { errorReply, type FakeServer, type ReceivedRequest } from '../../src/testing/index.js';
import { defer, rejectionOf, startServer } from '../connection/helpers.js';

async function client(server: FakeServer, retryPolicy?: RetryPolicy): Promise<Client> {
  const c = await Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0, ...(retryPolicy ? { retryPolicy } : {}) });
  defer(() => c.close());
  return c;
}

/** Answers the first `n` QUERY requests for `text` with `info`, then normally. */
function failFirst(server: FakeServer, text: string, info: ServerErrorInfo, n = 1): void {
  let left = n;
  server.handler = (r: ReceivedRequest) => {
    if (r.query === text && r.opcode === Opcode.QUERY && left > 0) {
      left--;
      return errorReply(info);
    }
    return undefined;
  };
}

const queries = (server: FakeServer, text: string): QueryRequest[] =>
  server.requests.filter((r) => r.query === text && r.opcode === Opcode.QUERY).map((r) => r.message as QueryRequest);

const writeTimeout = (writeType: string): ServerErrorInfo => ({ kind: 'writeTimeout', code: ErrorCode.WRITE_TIMEOUT, message: 'Operation timed out', consistency: Consistency.QUORUM, received: 1, blockFor: 2, writeType });
const unavailable: ServerErrorInfo = { kind: 'unavailable', code: ErrorCode.UNAVAILABLE, message: 'Cannot achieve consistency level QUORUM', consistency: Consistency.QUORUM, required: 2, alive: 1 };

/** A policy that answers every error with `decision`, and remembers what it was asked. */
class FixedPolicy implements RetryPolicy {
  readonly seen: RetryContext[] = [];
  constructor(private readonly decision: RetryDecision) {}
  onError(context: RetryContext): RetryDecision {
    this.seen.push(context);
    return context.retryCount === 0 ? this.decision : { action: 'rethrow' };
  }
}

describe('retry decisions', () => {
  it("'ignore' resolves with an empty page; the error stays in info.attempts and the ignored counters", async () => {
    const server = await startServer();
    const c = await client(server, new FixedPolicy({ action: 'ignore' }));
    failFirst(server, 'INSERT i', unavailable);
    const page = await c.execute('INSERT i');
    expect(page.rows).toEqual([]);
    expect(page.columns).toEqual([]);
    expect(page.hasMorePages).toBe(false);
    expect(page.info.attempts).toHaveLength(1);
    expect(page.info.attempts[0]!.error).toMatchObject({ code: 'ERR_SERVER_UNAVAILABLE' });
    expect(queries(server, 'INSERT i')).toHaveLength(1);
    const m = c.metrics();
    expect(m.session.ignored).toBe(1);
    expect(m.session.failed).toBe(0);
    expect(m.hosts[server.contactPoint]!.ignored).toBe(1);
  });

  it("'retry' with a consistency sends the retry at that consistency; the policy sees the attempt's own", async () => {
    const server = await startServer();
    const policy = new FixedPolicy({ action: 'retry', sameHost: true, consistency: Consistency.ONE });
    const c = await client(server, policy);
    failFirst(server, 'SELECT q', unavailable, 2);
    const e = await rejectionOf(c.execute('SELECT q', undefined, { consistency: 'QUORUM' }));
    expect(e).toMatchObject({ code: 'ERR_SERVER_UNAVAILABLE' });
    expect(queries(server, 'SELECT q').map((q) => q.params.consistency)).toEqual([Consistency.QUORUM, Consistency.ONE]);
    expect(policy.seen.map((s) => s.consistency)).toEqual([Consistency.QUORUM, Consistency.ONE]);

    failFirst(server, 'SELECT r', unavailable, 1);
    await c.execute('SELECT r', undefined, { consistency: 'QUORUM' });
    expect(queries(server, 'SELECT r').map((q) => q.params.consistency)).toEqual([Consistency.QUORUM, Consistency.ONE]);
  });

  it('a prepared statement and a batch are retried at the consistency the decision names too', async () => {
    const server = await startServer();
    const c = await client(server, new FixedPolicy({ action: 'retry', sameHost: true, consistency: Consistency.TWO }));
    // The first EXECUTE and the first BATCH fail once each.
    const failed = new Set<number>();
    server.handler = (r) => {
      if ((r.opcode === Opcode.EXECUTE || r.opcode === Opcode.BATCH) && !failed.has(r.opcode)) {
        failed.add(r.opcode);
        return errorReply(unavailable);
      }
      return undefined;
    };
    await c.execute('SELECT p FROM t', [], { prepare: true, consistency: 'QUORUM' });
    await c.batch([{ query: 'INSERT b' }], { consistency: 'QUORUM' });
    const executes = server.requestsOf(Opcode.EXECUTE).map((r) => (r.message as { params: { consistency: number } }).params.consistency);
    const batches = server.requestsOf(Opcode.BATCH).map((r) => (r.message as { consistency: number }).consistency);
    expect(executes).toEqual([Consistency.QUORUM, Consistency.TWO]);
    expect(batches).toEqual([Consistency.QUORUM, Consistency.TWO]);
  });

  it.each(['SIMPLE', 'BATCH', 'UNLOGGED_BATCH', 'BATCH_LOG'])('default policy: an idempotent write that timed out as %s is retried once on the same host', async (writeType) => {
    const server = await startServer();
    const c = await client(server);
    failFirst(server, 'INSERT w', writeTimeout(writeType));
    await c.execute('INSERT w', undefined, { idempotent: true });
    expect(queries(server, 'INSERT w')).toHaveLength(2);

    failFirst(server, 'INSERT twice', writeTimeout(writeType), 2);
    const e = await rejectionOf(c.execute('INSERT twice', undefined, { idempotent: true }));
    expect(e).toBeInstanceOf(WriteTimeoutError);
    expect(queries(server, 'INSERT twice')).toHaveLength(2);
  });

  it.each(['CAS', 'COUNTER', 'VIEW', 'CDC'])('default policy: a write that timed out as %s is not replayed, even when idempotent', async (writeType) => {
    const server = await startServer();
    const c = await client(server);
    failFirst(server, 'INSERT u', writeTimeout(writeType));
    const e = await rejectionOf(c.execute('INSERT u', undefined, { idempotent: true }));
    expect(e).toBeInstanceOf(WriteTimeoutError);
    expect(e).toMatchObject({ writeType });
    expect(queries(server, 'INSERT u')).toHaveLength(1);
  });

  it('default policy: a non-idempotent write timeout is never retried', () => {
    const policy = new DefaultRetryPolicy();
    const error = new WriteTimeoutError('t', 'h', { consistency: Consistency.QUORUM, received: 1, blockFor: 2, writeType: 'SIMPLE' });
    expect(policy.onError({ error, idempotent: false, retryCount: 0, consistency: Consistency.QUORUM })).toEqual({ action: 'rethrow' });
    expect(policy.onError({ error, idempotent: true, retryCount: 0, consistency: Consistency.QUORUM })).toEqual({ action: 'retry', sameHost: true });
  });
});
