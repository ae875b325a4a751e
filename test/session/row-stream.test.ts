// RowStream without a server: pages come from a scripted fetchPage.
import { describe, expect, it } from 'vitest';
import { AbortedError, ClientClosedError, InvalidArgumentError } from '../../src/errors.js';
import { ResultPage, type ExecutionInfo } from '../../src/result.js';
import { RowStream } from '../../src/stream.js';

const info: ExecutionInfo = { coordinator: 'h:9042', traceId: undefined, warnings: [], customPayload: undefined, protocolVersion: 5, attempts: [] };

/** `pages` pages of `size` rows { i }; records each fetch's paging state. */
function source(pages: number, size: number): { fetch: (s: Buffer | undefined) => Promise<ResultPage<{ i: number }>>; calls: (string | undefined)[] } {
  const calls: (string | undefined)[] = [];
  const fetch = (s: Buffer | undefined): Promise<ResultPage<{ i: number }>> => {
    calls.push(s?.toString());
    const n = s === undefined ? 0 : Number(s.toString());
    const rows = Array.from({ length: size }, (_, j) => ({ i: n * size + j }));
    const next = n + 1 < pages ? Buffer.from(String(n + 1)) : null;
    return Promise.resolve(new ResultPage(rows, [], next, info));
  };
  return { fetch, calls };
}

describe('RowStream', () => {
  it('an abort takes effect at the next row, not at the end of the page', async () => {
    const { fetch, calls } = source(5, 10);
    const ac = new AbortController();
    const seen: number[] = [];
    const err = await (async () => {
      for await (const row of new RowStream(fetch, { signal: ac.signal })) {
        seen.push(row.i);
        if (row.i === 3) ac.abort();
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortedError);
    expect(seen).toStrictEqual([0, 1, 2, 3]);
    // page 1 and the one prefetch, nothing after the abort
    expect(calls).toStrictEqual([undefined, '1']);
  });

  it('prefetches one page at most and starts from the given paging state', async () => {
    const { fetch, calls } = source(4, 2);
    const it = new RowStream(fetch, {}, Buffer.from('1'))[Symbol.asyncIterator]();
    expect((await it.next()).value).toStrictEqual({ i: 2 });
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toStrictEqual(['1', '2']);
    expect((await it.next()).value).toStrictEqual({ i: 3 });
    expect(calls).toStrictEqual(['1', '2']);
    expect((await it.next()).value).toStrictEqual({ i: 4 });
    expect(calls).toStrictEqual(['1', '2', '3']);
    await it.return?.(undefined);
  });

  it('can be iterated once; a second iteration is an InvalidArgumentError', async () => {
    const { fetch } = source(1, 2);
    const stream = new RowStream(fetch);
    expect(await stream.toArray()).toStrictEqual([{ i: 0 }, { i: 1 }]);
    await expect(stream.toArray()).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('a fetch that throws synchronously still lets the consumer read the page already received', async () => {
    const { fetch: inner } = source(3, 2);
    let n = 0;
    const fetch = (s: Buffer | undefined): ReturnType<typeof inner> => {
      if (n++ === 1) throw new ClientClosedError();
      return inner(s);
    };
    const seen: number[] = [];
    const err = await (async () => {
      for await (const row of new RowStream(fetch)) seen.push(row.i);
    })().catch((e: unknown) => e);
    expect(seen).toStrictEqual([0, 1]);
    expect(err).toBeInstanceOf(ClientClosedError);
  });
});
