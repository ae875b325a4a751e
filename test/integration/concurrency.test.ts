// Concurrency on one connection against the real node: 10,000 requests in flight at once, each
// reading back its own row; requests past maxRequestsPerConnection wait in the queue; past
// maxQueuedPerConnection they fail fast with QueueFullError while the others complete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, QueueFullError, type ClientOptions, type PreparedStatement } from '../../src/index.js';
import { connect, createKeyspace, ddl, dropKeyspace, uniqueKeyspace } from './helpers.js';
import { Connection, poolOf } from '../internals.js';

const KS = uniqueKeyspace('it_conc');
const N = 10_000;
// The machine running the tests may be small and busy: give the node time, not the driver slack.
const SLOW_MACHINE_TIMEOUT = 60_000;

let admin: Client;

beforeAll(async () => {
  admin = await connect();
  await createKeyspace(admin, KS);
  await ddl(admin, `CREATE TABLE ${KS}.kv (k int PRIMARY KEY, v text)`, `CREATE TABLE ${KS}.big (p int, c int, v text, PRIMARY KEY (p, c))`);
});

afterAll(async () => {
  if (!admin) return;
  await dropKeyspace(admin, KS);
  await admin.close();
});

const valueOf = (k: number): string => `value-${k}-${(k * 2654435761) % 1000003}`;

function connectionOf(c: Client): Connection {
  const conn = poolOf(c.hosts[0]).borrow();
  expect(conn).toBeInstanceOf(Connection);
  return conn as Connection;
}

async function oneConnection(extra: Partial<ClientOptions> = {}): Promise<{ client: Client; conn: Connection }> {
  const client = await connect({ connectionsPerHost: 1, keyspace: KS, timeoutMs: SLOW_MACHINE_TIMEOUT, ...extra });
  return { client, conn: connectionOf(client) };
}

describe('10,000 concurrent requests on one connection', () => {
  it.each([
    ['v5', {}],
    ['v4 + lz4', { protocolVersion: 4, compression: 'lz4' }],
  ] as const)('%s: writes then reads back 10,000 distinct keys, all in flight at once', async (_label, extra) => {
    const { client, conn } = await oneConnection(extra);
    try {
      await client.execute('TRUNCATE kv', undefined, { timeoutMs: SLOW_MACHINE_TIMEOUT });
      const insert: PreparedStatement = await client.prepare('INSERT INTO kv (k, v) VALUES (?, ?)');
      const select: PreparedStatement = await client.prepare('SELECT k, v FROM kv WHERE k = ?');

      const writes = Array.from({ length: N }, (_, k) => client.execute(insert, [k, valueOf(k)]));
      // Every request got a stream id on the one connection: nothing queued, nothing refused.
      expect(conn.inFlight).toBe(N);
      expect(conn.queued).toBe(0);
      await Promise.all(writes);

      const reads = Array.from({ length: N }, (_, k) => client.execute(select, [k]));
      expect(conn.inFlight).toBe(N);
      const pages = await Promise.all(reads);
      for (let k = 0; k < N; k++) expect(pages[k]!.rows).toEqual([{ k, v: valueOf(k) }]);

      // Unprepared statements with bound values too (a sample; the node parses each one).
      const simple = await Promise.all(Array.from({ length: 2000 }, (_, i) => client.execute('SELECT v FROM kv WHERE k = ?', [i * 5])));
      expect(simple.map((p) => p.one()?.['v'])).toEqual(Array.from({ length: 2000 }, (_, i) => valueOf(i * 5)));

      expect(poolOf(client.hosts[0]).connectionCount).toBe(1);
      expect(conn.isOpen).toBe(true);
      expect(conn.inFlight).toBe(0);
      const m = client.metrics().session;
      expect(m.failed).toBe(0);
      expect(m.completed).toBe(2 * N + 2000 + 3 /* TRUNCATE and the two PREPAREs */);
      const count = await client.execute('SELECT count(*) FROM kv', undefined, { timeoutMs: SLOW_MACHINE_TIMEOUT });
      expect(count.one()?.['count']).toBe(BigInt(N));
    } finally {
      await client.close();
    }
  });
});

describe('bounded in-flight and queue', () => {
  beforeAll(async () => {
    const insert = await admin.prepare(`INSERT INTO ${KS}.kv (k, v) VALUES (?, ?)`);
    await Promise.all(Array.from({ length: 200 }, (_, k) => admin.execute(insert, [k, valueOf(k)])));
    // A ~4 MB partition: reading it keeps a stream id busy for a good while.
    const insertBig = await admin.prepare(`INSERT INTO ${KS}.big (p, c, v) VALUES (1, ?, ?)`);
    await Promise.all(Array.from({ length: 2000 }, (_, c) => admin.execute(insertBig, [c, 'z'.repeat(2000)])));
  });

  it('queued requests given up on (abort, timeout) free their queue slot at once', async () => {
    // No control connection: its schema reads at connect run in parallel and would overflow a
    // 2-slot queue (see the report: control-connection traffic shares the user's queue bound).
    const { client, conn } = await oneConnection({ maxRequestsPerConnection: 1, maxQueuedPerConnection: 2, controlConnection: false });
    try {
      const select = await client.prepare('SELECT v FROM kv WHERE k = ?');
      const slow = client.execute('SELECT * FROM big WHERE p = 1'); // holds the only stream id
      const ac = new AbortController();
      const aborted = client.execute(select, [1], { signal: ac.signal }).catch((e: unknown) => e);
      const timedOut = client.execute(select, [2], { timeoutMs: 5 }).catch((e: unknown) => e);
      expect(conn.queued).toBe(2);
      ac.abort();
      expect(await aborted).toMatchObject({ code: 'ERR_ABORTED' });
      expect(await timedOut).toMatchObject({ code: 'ERR_REQUEST_TIMEOUT' });
      expect(conn.queued).toBe(0);
      expect(conn.orphaned).toBe(0); // neither was ever sent
      // Both slots are free again: two more queue without QueueFullError and succeed.
      const more = [client.execute(select, [3]), client.execute(select, [4])];
      expect(conn.queued).toBe(2);
      expect((await Promise.all(more)).map((r) => r.one()?.['v'])).toEqual([valueOf(3), valueOf(4)]);
      expect((await slow).rowCount).toBe(2000);
    } finally {
      await client.close();
    }
  });

  it('requests beyond maxRequestsPerConnection wait in the queue and all complete', async () => {
    const max = 8;
    const { client, conn } = await oneConnection({ maxRequestsPerConnection: max });
    try {
      const select = await client.prepare('SELECT v FROM kv WHERE k = ?');
      let peak = 0;
      const observe = (): void => void (peak = Math.max(peak, conn.inFlight));
      const all = Array.from({ length: 200 }, (_, k) =>
        client.execute(select, [k]).then((r) => {
          observe();
          return r.one()?.['v'];
        }),
      );
      expect(conn.inFlight).toBe(max);
      expect(conn.queued).toBe(200 - max);
      expect(await Promise.all(all)).toEqual(Array.from({ length: 200 }, (_, k) => valueOf(k)));
      expect(peak).toBeLessThanOrEqual(max);
      expect(conn.inFlight).toBe(0);
      expect(conn.queued).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('beyond maxQueuedPerConnection requests fail fast with QueueFullError; the others complete', async () => {
    const { client, conn } = await oneConnection({ maxRequestsPerConnection: 4, maxQueuedPerConnection: 10 });
    try {
      const select = await client.prepare('SELECT v FROM kv WHERE k = ?');
      const order: string[] = [];
      const outcomes = Array.from({ length: 30 }, (_, k) =>
        client.execute(select, [k]).then(
          (r) => {
            order.push('ok');
            return r.one()?.['v'];
          },
          (e: unknown) => {
            order.push('refused');
            return e;
          },
        ),
      );
      expect(conn.inFlight).toBe(4);
      expect(conn.queued).toBe(10);
      const results = await Promise.all(outcomes);
      // The first 14 are sent or queued and succeed; the 16 after them are refused.
      expect(results.slice(0, 14)).toEqual(Array.from({ length: 14 }, (_, k) => valueOf(k)));
      for (const e of results.slice(14)) {
        expect(e).toBeInstanceOf(QueueFullError);
        expect(e).toMatchObject({ code: 'ERR_QUEUE_FULL', limit: 10 });
      }
      // Fail fast: every refusal settles before the first answer from the node.
      expect(order.slice(0, 16)).toEqual(Array.from({ length: 16 }, () => 'refused'));
      expect(client.metrics().session.errors).toEqual({ ERR_QUEUE_FULL: 16 });
      // The connection is fine afterwards.
      expect((await client.execute(select, [199])).one()?.['v']).toBe(valueOf(199));
    } finally {
      await client.close();
    }
  });
});
