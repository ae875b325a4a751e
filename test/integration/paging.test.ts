// Paging against the real node: 100k rows streamed with bounded memory, single pages and
// resuming from a saved paging state, page iteration, maxPages, progress callbacks,
// backpressure (observed through the request diagnostics channel), break and abort; and the
// shape of results (rows, one(), all(), columns, info).
import diagnosticsChannel from 'node:diagnostics_channel';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { AbortedError, Client, CqlwireError, channelNames, type RequestStartMessage, type PageProgress } from '../../src/index.js';
import { connect, createKeyspace, ddl, dropKeyspace, uniqueKeyspace } from './helpers.js';

const KS = uniqueKeyspace('it_paging');
const PARTITIONS = 100;
const PER_PARTITION = 1000;
const TOTAL = PARTITIONS * PER_PARTITION;
const PAYLOAD_CHARS = 300;

let client: Client;

/** Deterministic payload of row (p, c): PAYLOAD_CHARS characters. */
function payload(p: number, c: number): string {
  const head = `${p}:${c}:`;
  return head + 'abcdefghijklmnopqrstuvwxyz'.repeat(12).slice(0, PAYLOAD_CHARS - head.length);
}

// Forced GC makes heap measurements reflect what is retained, not garbage not yet collected.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Request starts per CQL text, from the diagnostics channel. */
const starts = new Map<string, number>();
const onStart = (m: unknown): void => {
  const q = (m as RequestStartMessage).query;
  starts.set(q, (starts.get(q) ?? 0) + 1);
};
function requestsFor(query: string): number {
  return starts.get(query) ?? 0;
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(async () => {
  client = await connect();
  await createKeyspace(client, KS);
  await client.useKeyspace(KS);
  await ddl(client, 'CREATE TABLE rows (p int, c int, payload text, PRIMARY KEY (p, c))', 'CREATE TABLE small (k int PRIMARY KEY, v text)');
  const insert = await client.prepare('INSERT INTO rows (p, c, payload) VALUES (?, ?, ?)');
  // Unlogged single-partition batches of 100 rows, 8 batches in flight.
  const jobs: { p: number; c0: number }[] = [];
  for (let p = 0; p < PARTITIONS; p++) for (let c0 = 0; c0 < PER_PARTITION; c0 += 100) jobs.push({ p, c0 });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const { p, c0 } = jobs[next++]!;
      const statements = [];
      for (let c = c0; c < c0 + 100; c++) statements.push({ query: insert, params: [p, c, payload(p, c)] });
      await client.batch(statements, { type: 'unlogged', timeoutMs: 60_000 });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  for (let k = 0; k < 10; k++) await client.execute('INSERT INTO small (k, v) VALUES (?, ?)', [k, `v${k}`]);
  diagnosticsChannel.subscribe(channelNames.requestStart, onStart);
  process.on('unhandledRejection', onUnhandled);
}, 300_000);

afterAll(async () => {
  diagnosticsChannel.unsubscribe(channelNames.requestStart, onStart);
  process.off('unhandledRejection', onUnhandled);
  if (client) {
    await dropKeyspace(client, KS);
    await client.close();
  }
});

beforeEach(() => {
  unhandled.length = 0;
});
afterEach(async () => {
  // Let dropped prefetches settle; none may turn into an unhandled rejection.
  await sleep(100);
  expect(unhandled).toStrictEqual([]);
});

describe('stream()', () => {
  it('iterates 100k rows with for await, fetchSize 1000, with bounded memory', async () => {
    const query = 'SELECT p, c, payload FROM rows';
    const requestsBefore = requestsFor(query);
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    let count = 0;
    let lengthSum = 0;
    const seen = new Set<number>();
    const stream = client.stream<{ p: number; c: number; payload: string }>(query, undefined, { fetchSize: 1000 });
    for await (const row of stream) {
      count++;
      lengthSum += row.payload.length;
      seen.add(row.p * PER_PARTITION + row.c);
      if (row.payload !== payload(row.p, row.c)) throw new Error(`bad payload at ${row.p}/${row.c}`);
      if (count % 5000 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      }
    }
    expect(count).toBe(TOTAL);
    expect(seen.size).toBe(TOTAL);
    expect(lengthSum).toBe(TOTAL * PAYLOAD_CHARS);
    expect(stream.rowCount).toBe(TOTAL);
    // One request per page, plus one for the empty page the server may end with, which is
    // not handed out and not counted.
    expect(stream.pageCount).toBe(TOTAL / 1000);
    expect(requestsFor(query) - requestsBefore - stream.pageCount).toBeGreaterThanOrEqual(0);
    expect(requestsFor(query) - requestsBefore - stream.pageCount).toBeLessThanOrEqual(1);
    // All rows held at once would take > TOTAL * PAYLOAD_CHARS bytes (30 MB of payload alone);
    // the stream holds at most the current page and one prefetched page (~2 x 300 KB) plus the
    // `seen` set (100k numbers, ~ 4 MB). Allow 12 MB in all: well below what retaining would cost.
    const allRowsBytes = TOTAL * PAYLOAD_CHARS;
    if (process.env.CQLWIRE_TEST_VERBOSE) console.log(`stream 100k rows: peak retained heap growth ${(peak / 1048576).toFixed(1)} MiB`);
    expect(peak).toBeLessThan(12 * 1024 * 1024);
    expect(peak).toBeLessThan(allRowsBytes / 2.5);
  });

  it('streams all 100k rows with LZ4 compression on v5 and v4, large pages', async () => {
    for (const version of [5, 4] as const) {
      const c = await connect({ protocolVersion: version, compression: 'lz4', keyspace: KS });
      try {
        let count = 0;
        let bad = 0;
        for await (const row of c.stream<{ p: number; c: number; payload: string }>('SELECT p, c, payload FROM rows', undefined, { fetchSize: 20_000 })) {
          count++;
          if (row.payload !== payload(row.p, row.c)) bad++;
        }
        expect(count).toBe(TOTAL);
        expect(bad).toBe(0);
      } finally {
        await c.close();
      }
    }
  });

  it('eachPage() yields pages of fetchSize rows; onPage reports page number and rows so far', async () => {
    const progress: PageProgress[] = [];
    const stream = client.stream('SELECT c FROM rows WHERE p = ?', [3], { fetchSize: 300, onPage: (p) => progress.push(p) });
    const sizes: number[] = [];
    const cs: number[] = [];
    for await (const page of stream.eachPage()) {
      sizes.push(page.rows.length);
      for (const r of page.rows) cs.push(r['c'] as number);
    }
    expect(sizes).toStrictEqual([300, 300, 300, 100]);
    expect(cs).toStrictEqual(Array.from({ length: PER_PARTITION }, (_, i) => i));
    expect(progress).toStrictEqual([
      { page: 1, rowsInPage: 300, rowsSoFar: 300, hasMorePages: true },
      { page: 2, rowsInPage: 300, rowsSoFar: 600, hasMorePages: true },
      { page: 3, rowsInPage: 300, rowsSoFar: 900, hasMorePages: true },
      { page: 4, rowsInPage: 100, rowsSoFar: 1000, hasMorePages: false },
    ]);
  });

  it('eachPage() never yields an empty page after the first (a result of 5 × fetchSize rows is 5 pages)', async () => {
    // 1000 rows in pages of 200: the server answers the fifth page with a paging state and a
    // sixth page with no rows; that one is not handed out (nor reported by onPage).
    const query = 'SELECT c FROM rows WHERE p = 6';
    const before = requestsFor(query);
    const progress: PageProgress[] = [];
    const sizes: number[] = [];
    for await (const page of client.stream(query, undefined, { fetchSize: 200, onPage: (p) => progress.push(p) }).eachPage()) sizes.push(page.rows.length);
    expect(sizes).toStrictEqual([200, 200, 200, 200, 200]);
    expect(progress.map((p) => p.rowsInPage)).toStrictEqual([200, 200, 200, 200, 200]);
    expect(progress.at(-1)).toMatchObject({ page: 5, rowsSoFar: 1000 });
    // The server did send the empty sixth page: the stream asked for it, then kept it back.
    expect(requestsFor(query) - before).toBe(6);
  });

  it('maxPages stops after that many pages and requests no more', async () => {
    const query = 'SELECT c FROM rows WHERE p = 4';
    const before = requestsFor(query);
    const progress: PageProgress[] = [];
    const rows = await client.stream(query, undefined, { fetchSize: 100, maxPages: 3, onPage: (p) => progress.push(p) }).toArray();
    expect(rows.map((r) => r['c'])).toStrictEqual(Array.from({ length: 300 }, (_, i) => i));
    await sleep(50);
    expect(requestsFor(query) - before).toBe(3);
    expect(progress.at(-1)).toStrictEqual({ page: 3, rowsInPage: 100, rowsSoFar: 300, hasMorePages: false });
  });

  it('backpressure: requests the next page only when the consumer needs it, at most one page ahead', async () => {
    const query = 'SELECT c FROM rows WHERE p = 5';
    const before = requestsFor(query);
    const it = client.stream(query, undefined, { fetchSize: 100 })[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value?.['c']).toBe(0);
    // The consumer pauses on row 0: page 1 and one prefetched page 2, nothing more.
    await sleep(300);
    expect(requestsFor(query) - before).toBe(2);
    // Consume the rest of page 1: still no third request.
    for (let i = 1; i < 100; i++) expect((await it.next()).value?.['c']).toBe(i);
    await sleep(200);
    expect(requestsFor(query) - before).toBe(2);
    // Reaching page 2 starts the prefetch of page 3.
    expect((await it.next()).value?.['c']).toBe(100);
    await sleep(200);
    expect(requestsFor(query) - before).toBe(3);
    await it.return?.(undefined);
  });

  it('break ends the stream cleanly: no further requests, no unhandled rejection', async () => {
    const query = 'SELECT c FROM rows WHERE p = 6';
    const before = requestsFor(query);
    let n = 0;
    for await (const row of client.stream(query, undefined, { fetchSize: 100 })) {
      expect(row['c']).toBe(n);
      if (++n === 150) break;
    }
    const atBreak = requestsFor(query) - before;
    // pages 1 and 2 read, page 3 prefetched when page 2 started
    expect(atBreak).toBe(3);
    await sleep(300);
    expect(requestsFor(query) - before).toBe(atBreak);
    // the client is still fine
    expect((await client.execute('SELECT count(*) AS n FROM rows WHERE p = 6')).one()?.['n']).toBe(1000n);
  });

  it('an AbortSignal cancels the stream with AbortedError: no further requests, no unhandled rejection', async () => {
    const query = 'SELECT c FROM rows WHERE p = 7';
    const before = requestsFor(query);
    const ac = new AbortController();
    const rows: number[] = [];
    const err = await (async () => {
      for await (const row of client.stream(query, undefined, { fetchSize: 100, signal: ac.signal })) {
        rows.push(row['c'] as number);
        if (rows.length === 120) ac.abort(new Error('enough'));
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortedError);
    expect((err as CqlwireError).code).toBe('ERR_ABORTED');
    expect(rows.length).toBe(120);
    const atAbort = requestsFor(query) - before;
    expect(atAbort).toBeLessThanOrEqual(3);
    await sleep(300);
    expect(requestsFor(query) - before).toBe(atAbort);
    // an already-aborted signal fails at once without a request
    const before2 = requestsFor(query);
    const err2 = await client.stream(query, undefined, { signal: AbortSignal.abort() }).toArray().catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(AbortedError);
    expect(requestsFor(query)).toBe(before2);
  });

  it('streams a prepared statement on v5 and v4 (v5 skips result metadata on every page)', async () => {
    for (const version of [5, 4] as const) {
      const c = await connect({ protocolVersion: version, keyspace: KS });
      try {
        const rows = await c.stream('SELECT c, payload FROM rows WHERE p = ?', [11], { prepare: true, fetchSize: 128 }).toArray();
        expect(rows.length).toBe(PER_PARTITION);
        rows.forEach((r, i) => expect(r).toStrictEqual({ c: i, payload: payload(11, i) }));
      } finally {
        await c.close();
      }
    }
  });

  it('a stream can be iterated once; a second iteration is a typed error', async () => {
    const stream = client.stream('SELECT k FROM small');
    expect((await stream.toArray()).length).toBeGreaterThan(0);
    const err = await stream.toArray().catch((e: unknown) => e);
    expect(CqlwireError.is(err)).toBe(true);
    expect((err as CqlwireError).code).toBe('ERR_INVALID_ARGUMENT');
  });

  it('an empty result: no rows, one empty page; a failing first page rejects with a typed error', async () => {
    const progress: PageProgress[] = [];
    const stream = client.stream('SELECT c FROM rows WHERE p = 12345', undefined, { onPage: (p) => progress.push(p) });
    expect(await stream.toArray()).toStrictEqual([]);
    expect(progress).toStrictEqual([{ page: 1, rowsInPage: 0, rowsSoFar: 0, hasMorePages: false }]);
    const err = await client.stream('SELECT nope FROM rows').toArray().catch((e: unknown) => e);
    expect(CqlwireError.is(err)).toBe(true);
    expect((err as CqlwireError).code).toBe('ERR_SERVER_INVALID');
  });

  it('starts from a saved paging state', async () => {
    const page1 = await client.execute('SELECT c FROM rows WHERE p = 8', undefined, { fetchSize: 250 });
    const rest = await client.stream('SELECT c FROM rows WHERE p = 8', undefined, { fetchSize: 250, pagingState: page1.pagingState! }).toArray();
    expect(rest.map((r) => r['c'])).toStrictEqual(Array.from({ length: 750 }, (_, i) => 250 + i));
  });

  it('a server error on a later page rejects the iteration with that typed error', async () => {
    const err = await client
      .stream('SELECT c FROM rows WHERE p = 9', undefined, { fetchSize: 100, pagingState: Buffer.from('not a paging state') })
      .toArray()
      .catch((e: unknown) => e);
    expect(CqlwireError.is(err)).toBe(true);
    expect((err as CqlwireError).code).toMatch(/^ERR_SERVER_/);
  });
});

describe('execute() pages', () => {
  it('returns one page and a paging state; resuming gets exactly the next rows', async () => {
    const q = 'SELECT p, c FROM rows WHERE p = ?';
    const page1 = await client.execute(q, [10], { fetchSize: 100, prepare: true });
    expect(page1.rows.map((r) => r['c'])).toStrictEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(page1.hasMorePages).toBe(true);
    expect(Buffer.isBuffer(page1.pagingState)).toBe(true);
    // saved (e.g. sent to a web client as base64) and resumed later
    const saved = page1.pagingState!.toString('base64');
    const page2 = await client.execute(q, [10], { fetchSize: 100, prepare: true, pagingState: Buffer.from(saved, 'base64') });
    expect(page2.rows.map((r) => r['c'])).toStrictEqual(Array.from({ length: 100 }, (_, i) => 100 + i));
    // nextPage() is the same thing
    const page2b = await page1.nextPage();
    expect(page2b!.rows).toStrictEqual(page2.rows);
    // simple statement too
    const s1 = await client.execute(q, [10], { fetchSize: 400 });
    const s2 = await client.execute(q, [10], { fetchSize: 400, pagingState: s1.pagingState! });
    const s3 = await s2.nextPage();
    expect([...s1.rows, ...s2.rows, ...s3!.rows].map((r) => r['c'])).toStrictEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(s3!.hasMorePages).toBe(false);
    expect(s3!.pagingState).toBeNull();
    expect(await s3!.nextPage()).toBeNull();
  });

  it('walks a whole table page by page with nextPage()', async () => {
    let page: Awaited<ReturnType<Client['execute']>> | null = await client.execute('SELECT p, c FROM rows', undefined, { fetchSize: 5000 });
    let total = 0;
    let pages = 0;
    while (page) {
      total += page.rowCount;
      pages++;
      page = await page.nextPage();
    }
    expect(total).toBe(TOTAL);
    expect(pages).toBeGreaterThanOrEqual(TOTAL / 5000);
  });
});

describe('results', () => {
  it('rows, one(), all(), iteration, columns', async () => {
    const page = await client.execute('SELECT k, v FROM small WHERE k IN (1, 2, 3)');
    expect(page.rows).toStrictEqual([
      { k: 1, v: 'v1' },
      { k: 2, v: 'v2' },
      { k: 3, v: 'v3' },
    ]);
    expect(page.rowCount).toBe(3);
    expect(page.one()).toStrictEqual({ k: 1, v: 'v1' });
    const all = await page.all();
    expect(all).toStrictEqual(page.rows);
    all.pop();
    expect(page.rows.length).toBe(3); // all() is a copy
    // all() fetches the pages after this one too
    const first = await client.execute('SELECT k, v FROM small WHERE k IN (1, 2, 3)', [], { fetchSize: 2 });
    expect(first.rows).toHaveLength(2);
    expect(first.hasMorePages).toBe(true);
    expect((await first.all()).map((r) => r['k'])).toStrictEqual([1, 2, 3]);
    expect(first.rows).toHaveLength(2);
    expect([...page]).toStrictEqual(page.rows);
    expect(page.columns).toStrictEqual([
      { keyspace: KS, table: 'small', name: 'k', type: { kind: 'int' } },
      { keyspace: KS, table: 'small', name: 'v', type: { kind: 'text' } },
    ]);
    const none = await client.execute('SELECT k FROM small WHERE k = 999');
    expect(none.one()).toBeNull();
    expect(none.rows).toStrictEqual([]);
    expect(none.hasMorePages).toBe(false);
    // a write has no rows and no columns
    const write = await client.execute('INSERT INTO small (k, v) VALUES (100, null)');
    expect(write.rows).toStrictEqual([]);
    expect(write.columns).toStrictEqual([]);
    expect(write.one()).toBeNull();
    expect(write.wasApplied()).toBe(true);
    // aliases name the columns
    const alias = await client.execute('SELECT k AS key, writetime(v) AS wt FROM small WHERE k = 1');
    expect(alias.columns.map((c) => c.name)).toStrictEqual(['key', 'wt']);
    expect(typeof alias.one()?.['wt']).toBe('bigint');
  });

  it('info: coordinator, protocol version, attempts, warnings; LWT wasApplied', async () => {
    const page = await client.execute('SELECT k FROM small WHERE k = 1');
    expect(page.info.coordinator).toBe(client.hosts[0]!.id);
    expect(page.info.protocolVersion).toBe(5);
    expect(page.info.warnings).toStrictEqual([]);
    expect(page.info.attempts).toStrictEqual([{ host: client.hosts[0]!.id }]);
    expect(page.info.traceId).toBeUndefined();
    // Cassandra warns about aggregation without a partition key
    const agg = await client.execute('SELECT count(*) FROM small');
    expect(agg.one()?.['count']).toBe(BigInt((await client.execute('SELECT k FROM small')).rows.length));
    expect(agg.info.warnings.length).toBeGreaterThan(0);
    expect(agg.info.warnings.join(' ')).toMatch(/[Aa]ggregation/);
    // tracing
    const traced = await client.execute('SELECT k FROM small WHERE k = ?', [2], { trace: true });
    expect(traced.info.traceId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const trace = await client.getTrace(traced.info.traceId!, { attempts: 50, delayMs: 100 });
    expect(trace.id).toBe(traced.info.traceId);
    expect(trace.request).toMatch(/query/i);
    expect(trace.events.length).toBeGreaterThan(0);
    expect(trace.startedAt).toBeInstanceOf(Date);
    // conditional update
    const lwt = await client.execute('INSERT INTO small (k, v) VALUES (1, ?) IF NOT EXISTS', ['other']);
    expect(lwt.wasApplied()).toBe(false);
    expect(lwt.one()?.['v']).toBe('v1');
    const lwt2 = await client.execute('INSERT INTO small (k, v) VALUES (500, ?) IF NOT EXISTS', ['new']);
    expect(lwt2.wasApplied()).toBe(true);
  });
});
