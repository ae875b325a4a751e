// executeConcurrent against the fake server: the bound on requests and bytes in flight, inputs
// pulled lazily from (async) iterables, errors with their inputs' positions, the list form,
// collected results, progress, and every option validated.
import { describe, expect, it } from 'vitest';
import { DataTypes, ErrorCode, Opcode, type ExecuteRequest } from '../../protocol/index.js';
import { Client, ConcurrentExecutionError, InvalidArgumentError, type ConcurrentProgress } from '../../src/index.js';
import { errorInfo, errorReply, type FakeServer, type ReceivedRequest } from '../../src/testing/index.js';
import { defer, rejectionOf, sleep, startServer } from '../connection/helpers.js';

const INSERT = 'INSERT INTO t (a) VALUES (?)';

async function setup(delayMs = 1, failOn: (a: number) => boolean = () => false): Promise<{ server: FakeServer; client: Client; peak: () => number; seen: number[] }> {
  const server = await startServer();
  server.statement(INSERT, { variables: [{ name: 'a', type: DataTypes.int }] });
  let now = 0;
  let peak = 0;
  const seen: number[] = [];
  server.handler = async (r: ReceivedRequest) => {
    if (r.opcode !== Opcode.EXECUTE) return undefined;
    // Decoded by the server: an array of raw values.
    const v = ((r.message as ExecuteRequest).params.values as readonly unknown[] | undefined)?.[0];
    const a = v instanceof Uint8Array ? Buffer.from(v).readInt32BE(0) : -1;
    seen.push(a);
    now++;
    peak = Math.max(peak, now);
    await sleep(delayMs);
    now--;
    return failOn(a) ? errorReply(errorInfo(ErrorCode.INVALID, `bad ${a}`)) : undefined;
  };
  const client = await Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0 });
  defer(() => client.close());
  return { server, client, peak: () => peak, seen };
}

async function* numbers(n: number, pulled?: { count: number }): AsyncGenerator<[number]> {
  for (let i = 0; i < n; i++) {
    if (pulled) pulled.count++;
    yield [i];
  }
}

describe('executeConcurrent', () => {
  it('runs every input of an async generator with at most `concurrency` in flight, pulling inputs only as slots free', async () => {
    const { client, peak, seen } = await setup(2);
    const pulled = { count: 0 };
    const progress: ConcurrentProgress[] = [];
    const run = client.executeConcurrent(INSERT, numbers(500, pulled), { concurrency: 16, onProgress: (p) => progress.push(p), progressIntervalMs: 10 });
    await sleep(20);
    // Lazily read: never more than the requests in flight plus the one being pulled.
    expect(pulled.count - run.progress.succeeded - run.progress.failed).toBeLessThanOrEqual(17);
    const result = await run;
    expect(result).toMatchObject({ total: 500, succeeded: 500, failed: 0, errors: [], results: undefined });
    expect(peak()).toBeLessThanOrEqual(16);
    expect(peak()).toBeGreaterThan(1);
    expect(new Set(seen).size).toBe(500);
    expect(progress.at(-1)).toMatchObject({ started: 500, succeeded: 500, inFlight: 0 });
    expect(run.progress.succeeded).toBe(500);
  });

  it('collects errors with the positions and values of their inputs; maxErrors caps the list, not the count', async () => {
    const { client } = await setup(0, (a) => a % 10 === 3);
    const result = await client.executeConcurrent(INSERT, Array.from({ length: 100 }, (_, i) => [i]), { concurrency: 8, maxErrors: 4 });
    expect(result.total).toBe(100);
    expect(result.failed).toBe(10);
    expect(result.succeeded).toBe(90);
    expect(result.errors).toHaveLength(4);
    for (const e of result.errors) {
      expect(e.index % 10).toBe(3);
      expect(e.params).toEqual([e.index]);
      expect(e.error).toMatchObject({ code: 'ERR_SERVER_INVALID', message: `bad ${e.index}` });
    }
  });

  it('raiseOnFirstError rejects with the failed input, stops reading inputs and closes the source', async () => {
    const { client } = await setup(1, (a) => a === 50);
    let closed = false;
    async function* source(): AsyncGenerator<[number]> {
      try {
        for (let i = 0; i < 100_000; i++) yield [i];
      } finally {
        closed = true;
      }
    }
    const err = await rejectionOf(Promise.resolve(client.executeConcurrent(INSERT, source(), { concurrency: 4, raiseOnFirstError: true })));
    expect(err).toBeInstanceOf(ConcurrentExecutionError);
    const e = err as ConcurrentExecutionError;
    expect(e.index).toBe(50);
    expect(e.params).toEqual([50]);
    expect(e.cause).toMatchObject({ code: 'ERR_SERVER_INVALID' });
    expect(e.result.total).toBeLessThan(100);
    expect(closed).toBe(true);
  });

  it('the list form runs each statement with its values; collectResults keeps pages by position', async () => {
    const { server, client } = await setup(0);
    server.statement('UPDATE t SET a = ?', { variables: [{ name: 'a', type: DataTypes.int }] });
    const statements = [
      { query: INSERT, params: [1] },
      { query: 'UPDATE t SET a = ?', params: [2] },
      { query: INSERT, params: [3] },
    ];
    const result = await client.executeConcurrent(statements, { collectResults: true });
    expect(result.succeeded).toBe(3);
    expect(result.results).toHaveLength(3);
    for (const page of result.results!) expect(page?.rows).toEqual([]);
    const texts = server.requests.filter((r) => r.opcode === Opcode.EXECUTE).map((r) => r.query);
    expect(texts.sort()).toEqual([INSERT, INSERT, 'UPDATE t SET a = ?']);
  });

  it('maxBytesInFlight bounds the estimated bytes of the values in flight', async () => {
    const server = await startServer();
    server.statement('INSERT INTO b (v) VALUES (?)', { variables: [{ name: 'v', type: DataTypes.blob }] });
    let now = 0;
    let peak = 0;
    server.handler = async (r) => {
      if (r.opcode !== Opcode.EXECUTE) return undefined;
      peak = Math.max(peak, ++now);
      await sleep(2);
      now--;
      return undefined;
    };
    const client = await Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0 });
    defer(() => client.close());
    const blob = Buffer.alloc(10_000);
    const result = await client.executeConcurrent('INSERT INTO b (v) VALUES (?)', Array.from({ length: 50 }, () => [blob]), { concurrency: 64, maxBytesInFlight: 35_000 });
    expect(result.succeeded).toBe(50);
    // 35 kB over ~10 kB each: at most 4 (the last one admitted while under the bound).
    expect(peak).toBeLessThanOrEqual(4);
  });

  it('an empty input resolves at once; bad options are InvalidArgumentErrors naming the option', async () => {
    const { client } = await setup(0);
    expect(await client.executeConcurrent(INSERT, [])).toMatchObject({ total: 0, succeeded: 0, failed: 0 });
    const bad: [Record<string, unknown>, string][] = [
      [{ concurrency: 0 }, 'options.concurrency'],
      [{ maxBytesInFlight: -1 }, 'options.maxBytesInFlight'],
      [{ raiseOnFirstError: 'yes' }, 'options.raiseOnFirstError'],
      [{ maxErrors: 1.5 }, 'options.maxErrors'],
      [{ collectResults: 1 }, 'options.collectResults'],
      [{ onProgress: 'x' }, 'options.onProgress'],
      [{ progressIntervalMs: -1 }, 'options.progressIntervalMs'],
      [{ consistency: 'MOST' }, 'options.consistency'],
    ];
    for (const [options, name] of bad) {
      const err = await rejectionOf(Promise.resolve(client.executeConcurrent(INSERT, [[1]], options)));
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err.message).toContain(name);
    }
    const notIterable = await rejectionOf(Promise.resolve(client.executeConcurrent(INSERT, 42 as unknown as number[][])));
    expect(notIterable.message).toContain('values must be');
    const badStatement = await rejectionOf(Promise.resolve(client.executeConcurrent([{ query: 7 } as unknown as { query: string }])));
    expect(badStatement.message).toContain('statements[0]');
  });
});
