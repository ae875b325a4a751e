// Errors from the real node, as the caller sees them: typed classes with stable codes and
// typed fields, no bound values in messages, the caller's stack kept; client-side timeouts,
// aborts, and what happens to the stream id of a request given up on.
import util from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortedError,
  AlreadyExistsError,
  Client,
  Consistency,
  CqlSyntaxError,
  CqlwireError,
  InvalidQueryError,
  RequestTimeoutError,
  ServerError,
  UnavailableError,
} from '../../src/index.js';
import { connect, createKeyspace, ddl, dropKeyspace, firstHost, uniqueKeyspace } from './helpers.js';
import { Connection, poolOf } from '../internals.js';

const KS = uniqueKeyspace('it_err');
const KS_RF3 = uniqueKeyspace('it_err_rf3');
const SECRET = 'TOPSECRET-d41d8cd98f00';

let client: Client;

beforeAll(async () => {
  client = await connect();
  await createKeyspace(client, KS);
  await client.execute(`CREATE KEYSPACE ${KS_RF3} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}`, undefined, { timeoutMs: 60_000 });
  await ddl(client, `CREATE TABLE ${KS}.t (k int, c int, v text, PRIMARY KEY (k, c))`, `CREATE TABLE ${KS_RF3}.t (k int PRIMARY KEY, v text)`);
  // A ~12 MB partition (a first page of ~10 MB): reading it takes the node far longer than a
  // few ms, and more than the driver reads in the three poll phases it may wait after a late
  // deadline check (an answer that completes within them is delivered, as after a blocked loop:
  // on a starved CI machine a 6 MB answer sometimes did).
  const insert = await client.prepare(`INSERT INTO ${KS}.t (k, c, v) VALUES (?, ?, ?)`);
  const text = 'x'.repeat(2000);
  for (let from = 0; from < 6000; from += 1000) await Promise.all(Array.from({ length: 1000 }, (_, i) => client.execute(insert, [1, from + i, text])));
  await client.execute(`INSERT INTO ${KS}.t (k, c, v) VALUES (2, 0, 'small')`);
});

afterAll(async () => {
  if (!client) return;
  await dropKeyspace(client, KS);
  await dropKeyspace(client, KS_RF3);
  await client.close();
});

const SLOW = `SELECT * FROM ${KS}.t WHERE k = 1`;

/** The error a promise rejects with (fails the test if it resolves). */
async function failure(p: Promise<unknown>): Promise<Error> {
  const outcome = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(outcome, 'expected a rejection').toBeInstanceOf(Error);
  return outcome as Error;
}

function connectionOf(c: Client): Connection {
  const conn = poolOf(c.hosts[0]).borrow();
  expect(conn).toBeInstanceOf(Connection);
  return conn as Connection;
}

describe('server errors are typed', () => {
  it('syntax error → CqlSyntaxError (ERR_SERVER_SYNTAX, 0x2000)', async () => {
    const e = await failure(client.execute('SELEKT * FROM system.local'));
    expect(e).toBeInstanceOf(CqlSyntaxError);
    expect(e).toBeInstanceOf(ServerError);
    expect(CqlwireError.is(e)).toBe(true);
    expect(e).toMatchObject({ name: 'CqlSyntaxError', code: 'ERR_SERVER_SYNTAX', cqlCode: 0x2000, host: firstHost() });
    expect(e.message).toContain('SELEKT');
  });

  it('syntax error when preparing → CqlSyntaxError', async () => {
    const e = await failure(client.prepare('SELECT * FORM system.local'));
    expect(e).toBeInstanceOf(CqlSyntaxError);
  });

  it('invalid query (unknown column, unknown table) → InvalidQueryError (ERR_SERVER_INVALID)', async () => {
    const col = await failure(client.execute(`SELECT nope FROM ${KS}.t`));
    expect(col).toBeInstanceOf(InvalidQueryError);
    expect(col).toMatchObject({ code: 'ERR_SERVER_INVALID', cqlCode: 0x2200 });
    expect(col.message).toContain('nope');
    const table = await failure(client.execute(`SELECT * FROM ${KS}.no_such_table`, undefined, { prepare: true }));
    expect(table).toBeInstanceOf(InvalidQueryError);
    expect(table.message).toContain('no_such_table');
  });

  it('unknown keyspace → InvalidQueryError naming it; so does useKeyspace', async () => {
    const e = await failure(client.execute('SELECT * FROM no_such_ks_cqlwire.t'));
    expect(e).toBeInstanceOf(InvalidQueryError);
    expect(e.message).toContain('no_such_ks_cqlwire');
    const use = await failure(client.useKeyspace('no_such_ks_cqlwire'));
    expect(use).toBeInstanceOf(InvalidQueryError);
    expect(client.keyspace).toBeUndefined();
  });

  it('CREATE of an existing table → AlreadyExistsError with keyspace and table', async () => {
    const e = await failure(client.execute(`CREATE TABLE ${KS}.t (k int PRIMARY KEY)`));
    expect(e).toBeInstanceOf(AlreadyExistsError);
    expect(e).toMatchObject({ code: 'ERR_SERVER_ALREADY_EXISTS', keyspace: KS, table: 't' });
  });

  it('RF 3 on one node → UnavailableError with consistency, required and alive', async () => {
    const quorum = await failure(client.execute(`SELECT * FROM ${KS_RF3}.t WHERE k = 1`, undefined, { consistency: 'QUORUM' }));
    expect(quorum).toBeInstanceOf(UnavailableError);
    expect(quorum).toMatchObject({ code: 'ERR_SERVER_UNAVAILABLE', cqlCode: 0x1000, consistency: Consistency.QUORUM, required: 2, alive: 1 });
    const all = await failure(client.execute(`INSERT INTO ${KS_RF3}.t (k, v) VALUES (?, ?)`, [1, 'a'], { consistency: 'ALL', prepare: true }));
    expect(all).toBeInstanceOf(UnavailableError);
    expect(all).toMatchObject({ consistency: Consistency.ALL, required: 3, alive: 1 });
    // ONE needs only the replica that is there.
    await client.execute(`INSERT INTO ${KS_RF3}.t (k, v) VALUES (1, 'a')`, undefined, { consistency: 'ONE' });
  });

  it('a failed request is rejected, the connection stays usable', async () => {
    const conn = connectionOf(client);
    await failure(client.execute('SELEKT 1'));
    expect(conn.isOpen).toBe(true);
    expect((await client.execute(`SELECT v FROM ${KS}.t WHERE k = 2`)).one()).toEqual({ v: 'small' });
  });
});

describe('bound values never leak into errors', () => {
  const leaks = (e: Error): string[] =>
    [e.message, String(e.stack), JSON.stringify(e), util.inspect(e, { depth: 5, showHidden: true }), String(e.cause ?? '')].filter((t) => t.includes(SECRET));

  it.each([
    ['server-side type error (simple)', () => client.execute(`SELECT * FROM ${KS}.t WHERE k = ?`, [SECRET])],
    ['unavailable (prepared)', () => client.execute(`INSERT INTO ${KS_RF3}.t (k, v) VALUES (?, ?)`, [7, SECRET], { prepare: true, consistency: 'ALL' })],
    ['client-side encode error (prepared)', () => client.execute(`SELECT * FROM ${KS}.t WHERE k = ?`, [SECRET], { prepare: true })],
    ['client-side encode error (batch)', () => client.batch([{ query: `INSERT INTO ${KS}.t (k, c, v) VALUES (?, ?, ?)`, params: [1, SECRET, 'x'] }], { prepare: true })],
    // 'xxx…' > 'TOPSECRET…': every row of the big partition matches, so the answer is slow.
    ['timeout', () => client.execute(`SELECT * FROM ${KS}.t WHERE k = 1 AND v > ? ALLOW FILTERING`, [SECRET], { timeoutMs: 1 })],
  ])('%s', async (_label, run) => {
    const e = await failure(run());
    expect(CqlwireError.is(e)).toBe(true);
    expect(leaks(e)).toEqual([]);
  });
});

describe("the caller's stack is kept", () => {
  // Named so their frames are recognisable in the stack; each awaits, as application code does.
  async function callerOfSyntaxError(): Promise<unknown> {
    return await client.execute('SELEKT 1');
  }
  async function callerOfTimeout(): Promise<unknown> {
    return await client.execute(SLOW, undefined, { timeoutMs: 1 });
  }
  async function callerOfEncodeError(): Promise<unknown> {
    return await client.execute(`SELECT * FROM ${KS}.t WHERE k = ?`, ['not an int'], { prepare: true });
  }
  async function callerOfPrepareError(): Promise<unknown> {
    return await client.prepare('SELEKT 2');
  }
  async function callerOfBatchError(): Promise<unknown> {
    return await client.batch([{ query: `INSERT INTO ${KS_RF3}.t (k, v) VALUES (1, 'b')` }], { consistency: 'ALL' });
  }
  async function callerOfStreamError(): Promise<unknown> {
    const rows = [];
    for await (const row of client.stream('SELEKT 3')) rows.push(row);
    return rows;
  }
  async function callerOfUseKeyspaceError(): Promise<unknown> {
    return await client.useKeyspace('no_such_ks_for_stack');
  }

  it.each([
    ['server error', callerOfSyntaxError, 'callerOfSyntaxError'],
    ['client timeout', callerOfTimeout, 'callerOfTimeout'],
    ['encode error', callerOfEncodeError, 'callerOfEncodeError'],
    ['prepare', callerOfPrepareError, 'callerOfPrepareError'],
    ['batch', callerOfBatchError, 'callerOfBatchError'],
    ['stream', callerOfStreamError, 'callerOfStreamError'],
    ['useKeyspace', callerOfUseKeyspaceError, 'callerOfUseKeyspaceError'],
  ] as const)('%s', async (_label, fn, name) => {
    const e = await failure(fn());
    expect(e.stack).toContain(name);
    expect(e.stack).toContain('errors.test.ts');
  });
});

describe('timeouts and aborts', () => {
  it('timeoutMs: 1 on a slow query → RequestTimeoutError', async () => {
    const before = client.metrics().session.timeouts;
    const started = performance.now();
    const e = await failure(client.execute(SLOW, undefined, { timeoutMs: 1 }));
    expect(e).toBeInstanceOf(RequestTimeoutError);
    expect(e).toMatchObject({ code: 'ERR_REQUEST_TIMEOUT', timeoutMs: 1, host: firstHost() });
    expect(performance.now() - started).toBeLessThan(200); // the slow query takes far longer
    expect(client.metrics().session.timeouts).toBe(before + 1);
  });

  it('an idempotent request that times out is retried per policy, then the timeout itself reaches the caller', async () => {
    const before = client.metrics().session;
    const e = await failure(client.execute(SLOW, undefined, { timeoutMs: 1, idempotent: true }));
    // One node: the retry on the "next host" finds none; the caller gets the real cause, not NoHostAvailableError.
    expect(e).toBeInstanceOf(RequestTimeoutError);
    const after = client.metrics().session;
    expect(after.retries).toBe(before.retries + 1);
    expect(after.timeouts).toBe(before.timeouts + 1);
  });

  it('a timed-out stream id is not reused until its late answer arrives', async () => {
    // One stream id: the timed-out request keeps it, so the next request must wait for the late answer.
    const c = await connect({ maxRequestsPerConnection: 1, connectionsPerHost: 1, controlConnection: false });
    try {
      const conn = connectionOf(c);
      const e = await failure(c.execute(SLOW, undefined, { timeoutMs: 1 }));
      expect(e).toBeInstanceOf(RequestTimeoutError);
      expect(conn.orphaned).toBe(1);
      expect(conn.inFlight).toBe(1);
      const next = c.execute(`SELECT v FROM ${KS}.t WHERE k = 2`);
      expect(conn.queued).toBe(1); // waiting: the only id is still owed an answer
      const r = await next; // the late (big) answer frees the id; then this one runs
      expect(r.rows).toEqual([{ v: 'small' }]);
      expect(conn.orphaned).toBe(0);
      expect(conn.inFlight).toBe(0);
      expect(conn.isOpen).toBe(true);
    } finally {
      await c.close();
    }
  });

  it('the late answer of a timed-out request is dropped, later requests get their own answers', async () => {
    const conn = connectionOf(client);
    // Late answers to earlier tests' timed-out requests may still be on their way.
    await expect.poll(() => conn.orphaned, { timeout: 10_000 }).toBe(0);
    const timedOut = await Promise.all(Array.from({ length: 5 }, () => failure(client.execute(SLOW, undefined, { timeoutMs: 1 }))));
    for (const e of timedOut) expect(e).toBeInstanceOf(RequestTimeoutError);
    expect(conn.orphaned).toBe(5);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => client.execute('SELECT v FROM t WHERE k = ? AND c = ?', [i % 2 === 0 ? 2 : 1, 0], { keyspace: KS })));
    expect(answers.map((r) => r.one()?.['v'])).toEqual(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? 'small' : 'x'.repeat(2000))));
    await expect.poll(() => conn.orphaned, { timeout: 10_000 }).toBe(0);
  });

  it('AbortSignal: aborting an in-flight request → AbortedError with the reason as cause', async () => {
    const conn = connectionOf(client);
    const ac = new AbortController();
    const p = client.execute(SLOW, undefined, { signal: ac.signal });
    const reason = new Error('user went away');
    setTimeout(() => ac.abort(reason), 5);
    const e = await failure(p);
    expect(e).toBeInstanceOf(AbortedError);
    expect(e).toMatchObject({ code: 'ERR_ABORTED' });
    expect(e.cause).toBe(reason);
    await expect.poll(() => conn.orphaned, { timeout: 10_000 }).toBe(0);
  });

  it('an already-aborted signal fails at once and sends nothing', async () => {
    const conn = connectionOf(client);
    const w0 = conn.bytesWritten;
    const e = await failure(client.execute(SLOW, undefined, { signal: AbortSignal.abort() }));
    expect(e).toBeInstanceOf(AbortedError);
    expect(conn.bytesWritten).toBe(w0);
  });

  it('AbortSignal.timeout works as a deadline', async () => {
    const e = await failure(client.execute(SLOW, undefined, { signal: AbortSignal.timeout(5) }));
    expect(e).toBeInstanceOf(AbortedError);
    expect((e.cause as Error).name).toBe('TimeoutError');
  });
});
