// The offload worker pool: frames decoded in worker threads give the same rows as inline
// decoding; a worker that throws, exits or hangs fails only its own jobs with a typed
// WorkerFailedError and is replaced; malformed frames are typed protocol errors. And through a
// Connection: a large result is decoded by a worker while other streams are answered inline.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  FrameFlag,
  Opcode,
  ProtocolError,
  compressV4Body,
  decodeRows,
  encodeResponseBody,
  lz4Compressor,
  rowsResultFromValues,
  type ColumnSpec,
  type Frame,
  type RowsResult,
} from '../../protocol/index.js';
import { Connection } from '../../src/connection/connection.js';
import { DriverErrorCode, WorkerFailedError } from '../../src/errors/driver-errors.js';
import { OffloadPool, OffloadedRowsResult, WorkerRows, type OffloadPoolOptions } from '../../src/offload/pool.js';
import { decodeResultRows } from '../../src/results/page-rows.js';
import { FakeServer, pagedReply, rowsReply } from '../../src/testing/index.js';
import type { OffloadFault } from '../../src/offload/messages.js';
import { incompressibleText } from './text.js';

const spec = (name: string, type: ColumnSpec['type']): ColumnSpec => ({ keyspace: 'ks', table: 't', name, type });
const COLUMNS: readonly ColumnSpec[] = [
  spec('id', { kind: 'bigint' }),
  spec('name', { kind: 'text' }),
  spec('tags', { kind: 'set', element: { kind: 'text' } }),
  spec('data', { kind: 'blob' }),
  spec('score', { kind: 'double' }),
];

function sampleResult(rows: number, seed = 0): RowsResult {
  return rowsResultFromValues(
    { columnCount: COLUMNS.length, columns: COLUMNS },
    Array.from({ length: rows }, (_, i) => [
      BigInt(i + seed) * 1_000_000_007n,
      i % 7 === 0 ? null : `row ${i} é ✓ ${'x'.repeat(i % 50)}`,
      new Set([`a${i}`, `b${i % 3}`]),
      Buffer.alloc(i % 40, i & 0xff),
      i / 3,
    ]),
  );
}

function resultFrame(result: RowsResult, stream = 1, compress = false): Frame {
  const body = encodeResponseBody({ opcode: Opcode.RESULT, result }, 4);
  return compress
    ? { version: 4, isResponse: true, flags: FrameFlag.COMPRESSION, stream, opcode: Opcode.RESULT, body: compressV4Body(lz4Compressor, body) }
    : { version: 4, isResponse: true, flags: 0, stream, opcode: Opcode.RESULT, body: Buffer.from(body) };
}

async function decodeVia(pool: OffloadPool, frame: Frame): Promise<unknown[]> {
  // Large pages come back as a promise (built in slices); awaiting covers both.
  const env = await pool.decode(frame, 1 << 28);
  const m = env.message;
  if (m.opcode !== Opcode.RESULT || m.result.kind !== 'rows') throw new Error('expected rows');
  // The worker's typed answer: the rows result with the cell table it located.
  expect(m.result).toBeInstanceOf(WorkerRows);
  expect((m.result as WorkerRows).cells.length).toBe(m.result.rowCount * m.result.metadata.columnCount * 2);
  return decodeResultRows(m.result, m.result.metadata.columns!);
}

let pool: OffloadPool | undefined;
afterEach(async () => {
  await pool?.destroy();
  pool = undefined;
});

function start(options: Partial<OffloadPoolOptions> = {}): OffloadPool {
  pool = new OffloadPool({ workers: 1, minBytes: 0, ...options });
  return pool;
}

describe('OffloadPool', () => {
  test('rows decoded by a worker equal decodeRows, plain and LZ4-compressed (v4), and the body is transferred', async () => {
    const p = start();
    const result = sampleResult(2000);
    const expected = decodeRows(result);
    const frame = resultFrame(result);
    const body = frame.body;
    expect(await decodeVia(p, frame)).toEqual(expected);
    // A frame body that owns its ArrayBuffer moved to the worker: no copy left behind.
    expect(body.buffer.byteLength).toBe(0);
    expect(await decodeVia(p, resultFrame(result, 2, true))).toEqual(expected);
    expect(p.completed).toBe(2);
  });

  test('WorkerRows.release gives the buffers back once; they go to the worker with its next job', async () => {
    const p = start();
    const result = sampleResult(500);
    const env = await p.decode(resultFrame(result), 1 << 28);
    const m = env.message;
    if (m.opcode !== Opcode.RESULT || !(m.result instanceof WorkerRows)) throw new Error('expected rows located by the worker');
    const rows = m.result;
    rows.release();
    rows.release();
    expect(p.recycled).toBe(1);
    await decodeVia(p, resultFrame(result));
    expect(rows.rowsContent.buffer.byteLength).toBe(0); // transferred to the worker
    expect(p.recycled).toBe(1);
  });

  test('a view of a shared buffer is copied, not detached', async () => {
    const p = start();
    const result = sampleResult(300);
    const encoded = resultFrame(result).body;
    const shared = Buffer.alloc(encoded.length + 100);
    encoded.copy(shared, 50);
    const frame: Frame = { version: 4, isResponse: true, flags: 0, stream: 1, opcode: Opcode.RESULT, body: shared.subarray(50, 50 + encoded.length) };
    expect(await decodeVia(p, frame)).toEqual(decodeRows(result));
    expect(shared.length).toBe(encoded.length + 100);
    expect(shared.subarray(50, 50 + encoded.length).equals(encoded)).toBe(true);
  });

  test('a malformed frame is a typed ProtocolError and the worker stays', async () => {
    const p = start();
    const good = resultFrame(sampleResult(10)).body;
    const frame: Frame = { version: 4, isResponse: true, flags: 0, stream: 1, opcode: Opcode.RESULT, body: good.subarray(0, good.length - 3) };
    const err = await p.decode(frame, 1 << 28).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toMatch(/^ERR_PROTOCOL_/);
    expect(await decodeVia(p, resultFrame(sampleResult(10)))).toEqual(decodeRows(sampleResult(10)));
    expect(p.started).toBe(1);
  });

  test.each<[OffloadFault, WorkerFailedError['reason']]>([
    ['throw', 'crashed'],
    ['exit', 'exited'],
    ['hang', 'hung'],
  ])('a worker that %s on a job fails that job with WorkerFailedError (%s), is replaced, and later jobs succeed', async (fault, reason) => {
    const p = start({ workers: 1, hangTimeoutMs: 500, faultInjection: (job) => (job.seq === 2 ? fault : undefined) });
    const result = sampleResult(50);
    const expected = decodeRows(result);
    expect(await decodeVia(p, resultFrame(result))).toEqual(expected);
    const err = await p.decode(resultFrame(result), 1 << 28).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerFailedError);
    expect((err as WorkerFailedError).code).toBe(DriverErrorCode.WORKER_FAILED);
    expect((err as WorkerFailedError).reason).toBe(reason);
    expect(p.started).toBe(2);
    expect(await decodeVia(p, resultFrame(result))).toEqual(expected);
    expect(p.size).toBe(1);
  });

  test('while one worker hangs, jobs on the other worker go on; only the hung job fails', async () => {
    const p = start({ workers: 2, hangTimeoutMs: 800, faultInjection: (job) => (job.seq === 1 ? 'hang' : undefined) });
    const result = sampleResult(100);
    const expected = decodeRows(result);
    const hung = p.decode(resultFrame(result, 1), 1 << 28).catch((e: unknown) => e);
    // One at a time, so each goes to the least busy worker, the one that is not stuck.
    for (const s of [2, 3, 4]) expect(await decodeVia(p, resultFrame(result, s))).toEqual(expected);
    const err = await hung;
    expect(err).toBeInstanceOf(WorkerFailedError);
    expect((err as WorkerFailedError).reason).toBe('hung');
  });

  test('a large page is built in slices that let timers run in between, with the same rows', async () => {
    const p = start();
    const result = sampleResult(20_000);
    const env = await p.decode(resultFrame(result), 1 << 28);
    const m = env.message;
    if (m.opcode !== Opcode.RESULT || m.result.kind !== 'rows') throw new Error('expected rows');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const pending = decodeResultRows(m.result, m.result.metadata.columns!);
    expect(pending).toBeInstanceOf(Promise);
    const rows = await pending;
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
    expect(rows).toEqual(decodeRows(result));
  });

  test('a worker that cannot even start is not restarted in a loop; with none left, frames are not accepted (inline)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cqlwire-bad-worker-'));
    const bad = join(dir, 'bad-worker.mjs');
    writeFileSync(bad, "throw new Error('cannot load');\n");
    try {
      const p = start({ workers: 2, workerPath: bad });
      const frame = resultFrame(sampleResult(10));
      expect(p.accepts(frame)).toBe(true);
      await vi.waitFor(() => expect(p.size).toBe(0), { timeout: 10_000 });
      await new Promise((r) => setTimeout(r, 200));
      expect(p.started).toBe(2);
      expect(p.accepts(frame)).toBe(false);
      const err = await p.decode(frame, 1 << 28).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkerFailedError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('close() waits for jobs in progress; destroy() fails them; a closed pool refuses work', async () => {
    const p = start();
    const result = sampleResult(500);
    const job = decodeVia(p, resultFrame(result));
    await p.close();
    expect(await job).toEqual(decodeRows(result));
    await expect(p.decode(resultFrame(result), 1 << 28)).rejects.toBeInstanceOf(WorkerFailedError);

    const q = start({ faultInjection: () => 'hang', hangTimeoutMs: 60_000 });
    const pending = q.decode(resultFrame(result), 1 << 28).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    await q.destroy();
    const err = await pending;
    expect(err).toBeInstanceOf(WorkerFailedError);
    expect((err as WorkerFailedError).reason).toBe('terminated');
  });
});

describe('Connection with offload (fake server)', () => {
  const columns = [
    { name: 'id', type: { kind: 'int' } as const },
    { name: 'payload', type: { kind: 'text' } as const },
  ];
  const bigRows = Array.from({ length: 400 }, (_, i) => [i, `${i}:${incompressibleText(i, 1000)}`]);

  test.each([
    [4, false],
    [4, true],
    [5, false],
    [5, true],
  ] as const)('v%i lz4=%s: a large result goes to a worker, a small one on another stream inline; same rows as without offload', async (version, lz4) => {
    await using server = await FakeServer.start({ versions: [version], compression: ['lz4'] });
    server.when('SELECT big', rowsReply(columns, bigRows)).when('SELECT small', rowsReply(columns, [[1, 'one']]));
    const p = start({ minBytes: 16 * 1024 });
    const options = { host: server.address, port: server.port, protocolVersion: version, compressor: lz4 ? lz4Compressor : null, heartbeatIntervalMs: 0 };
    await using offloaded = await Connection.open({ ...options, offload: p });
    await using inline = await Connection.open(options);
    const query = (q: string) => ({ opcode: Opcode.QUERY, query: q, params: { consistency: 1 } }) as const;
    const rowsOf = (r: Awaited<ReturnType<Connection['send']>>) => {
      const m = r.message;
      if (m.opcode !== Opcode.RESULT || m.result.kind !== 'rows') throw new Error('expected rows');
      return decodeResultRows(m.result, m.result.metadata.columns!);
    };
    const [big, small] = await Promise.all([offloaded.send(query('SELECT big')), offloaded.send(query('SELECT small'))]);
    expect(p.completed).toBe(1);
    expect(await rowsOf(small)).toEqual([{ id: 1, payload: 'one' }]);
    expect(await rowsOf(big)).toEqual(await rowsOf(await inline.send(query('SELECT big'))));
    expect(offloaded.inFlight).toBe(0);
  });

  test('v5: a page with more after it is answered before the worker is done, with its paging state; its rows follow', async () => {
    await using server = await FakeServer.start({ versions: [5] });
    server.when('SELECT big', pagedReply(columns, bigRows));
    const p = start({ minBytes: 16 * 1024 });
    await using conn = await Connection.open({ host: server.address, port: server.port, offload: p, heartbeatIntervalMs: 0 });
    // ~200 KB pages: two segments each, so the worker checks and decodes them.
    const page = (pagingState?: Buffer) => ({ opcode: Opcode.QUERY, query: 'SELECT big', params: { consistency: 1, pageSize: 200, pagingState } }) as const;
    const expected = bigRows.map(([id, payload]) => ({ id, payload }));
    const first = (await conn.send(page())).message;
    // Answered while the worker still has the frame: nothing has come back from it yet.
    expect(p.completed).toBe(0);
    if (first.opcode !== Opcode.RESULT || !(first.result instanceof OffloadedRowsResult)) throw new Error('expected an offloaded Rows result');
    expect(first.result.rowCount).toBe(200);
    expect(first.result.metadata.columns?.map((c) => c.name)).toEqual(['id', 'payload']);
    const state = first.result.metadata.pagingState!;
    expect(state).toBeInstanceOf(Buffer);
    const rows = await first.result.rows;
    expect(p.completed).toBe(1);
    expect(await decodeResultRows(rows, rows.metadata.columns!)).toEqual(expected.slice(0, 200));
    // The last page has nothing after it: answered once the worker is done.
    const last = (await conn.send(page(state))).message;
    if (last.opcode !== Opcode.RESULT || !(last.result instanceof WorkerRows)) throw new Error('expected Rows decoded by the worker');
    expect(await decodeResultRows(last.result, last.result.metadata.columns!)).toEqual(expected.slice(200));
  });

  test("a worker crash after such an early answer rejects that answer's rows with WorkerFailedError; the connection goes on", async () => {
    await using server = await FakeServer.start({ versions: [5] });
    server.when('SELECT big', pagedReply(columns, bigRows));
    const p = start({ minBytes: 16 * 1024, faultInjection: (job) => (job.seq === 1 ? 'throw' : undefined) });
    await using conn = await Connection.open({ host: server.address, port: server.port, offload: p, heartbeatIntervalMs: 0 });
    const q = { opcode: Opcode.QUERY, query: 'SELECT big', params: { consistency: 1, pageSize: 200 } } as const;
    const first = (await conn.send(q)).message;
    if (first.opcode !== Opcode.RESULT || !(first.result instanceof OffloadedRowsResult)) throw new Error('expected an offloaded Rows result');
    await expect(first.result.rows).rejects.toBeInstanceOf(WorkerFailedError);
    expect(conn.isOpen).toBe(true);
    const again = (await conn.send(q)).message;
    if (again.opcode !== Opcode.RESULT || !(again.result instanceof OffloadedRowsResult)) throw new Error('expected an offloaded Rows result');
    expect((await again.result.rows).rowCount).toBe(200);
  });

  test('a worker crash fails that request with WorkerFailedError; the connection and later requests go on', async () => {
    await using server = await FakeServer.start({ versions: [5] });
    server.when('SELECT big', rowsReply(columns, bigRows));
    // Two workers: the two answers go to different ones; only the crashing one's request fails.
    const p = start({ workers: 2, minBytes: 16 * 1024, faultInjection: (job) => (job.seq === 1 ? 'throw' : undefined) });
    await using conn = await Connection.open({ host: server.address, port: server.port, offload: p, heartbeatIntervalMs: 0 });
    const q = { opcode: Opcode.QUERY, query: 'SELECT big', params: { consistency: 1 } } as const;
    const [first, second] = await Promise.allSettled([conn.send(q), conn.send(q)]);
    expect(first.status).toBe('rejected');
    expect((first as PromiseRejectedResult).reason).toBeInstanceOf(WorkerFailedError);
    expect(second.status).toBe('fulfilled');
    expect(conn.isOpen).toBe(true);
    await expect(conn.send(q)).resolves.toBeDefined();
  });
});
