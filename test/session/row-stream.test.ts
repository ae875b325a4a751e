// RowStream without a server: pages come from a scripted fetchPage.
import { describe, expect, it } from 'vitest';
import { AbortedError, ClientClosedError, InvalidArgumentError } from '../../src/errors/driver-errors.js';
import { ResultPage, type ExecutionInfo } from '../../src/results/page.js';
import { RowStream } from '../../src/results/row-stream.js';

const info: ExecutionInfo = { coordinator: 'h:9042', traceId: undefined, warnings: [], customPayload: undefined, protocolVersion: 5, attempts: [], schemaInAgreement: true };

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

  describe('pages that come before their rows are decoded (offloaded pages)', () => {
    /**
     * Like `source`, but a page comes when its frame "arrives" (`arrive`), with its paging state
     * and its rows still being decoded, readable once "decoded" (`release`; `fail` rejects
     * them): a page a worker is still decoding.
     */
    function slowSource(pages: number, size: number) {
      const calls: string[] = [];
      const arrive: (() => void)[] = [];
      const release: (() => void)[] = [];
      const fail: ((err: Error) => void)[] = [];
      const fetch = (s: Buffer | undefined): Promise<ResultPage<{ i: number }>> => {
        calls.push(s?.toString() ?? 'first');
        const n = s === undefined ? 0 : Number(s.toString());
        const next = n + 1 < pages ? Buffer.from(String(n + 1)) : null;
        const rows = Array.from({ length: size }, (_, j) => ({ i: n * size + j }));
        const ready = new Promise<void>((resolve, reject) => {
          release[n] = resolve;
          fail[n] = reject;
        });
        let at = 0;
        const pending = { count: size, ready, next: () => rows[at++]!, all: () => rows.slice() };
        return new Promise((resolve) => (arrive[n] = () => resolve(ResultPage.undecoded(pending, [], next, info, null))));
      };
      return { fetch, calls, arrive, release, fail };
    }
    const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

    it('the next page is asked for while this one is still being decoded; each page once, rows in order', async () => {
      const { fetch, calls, arrive, release } = slowSource(4, 2);
      const seen: number[] = [];
      const done = (async () => {
        for await (const row of new RowStream(fetch)) seen.push(row.i);
      })();
      await tick();
      expect(calls).toStrictEqual(['first']);
      arrive[0]!();
      await tick();
      // Page 1 not decoded yet, page 2 already requested from its paging state.
      expect(calls).toStrictEqual(['first', '1']);
      release[0]!();
      await tick();
      expect(seen).toStrictEqual([0, 1]);
      expect(calls).toStrictEqual(['first', '1']); // not asked again
      arrive[1]!();
      await tick();
      expect(calls).toStrictEqual(['first', '1', '2']);
      // A page that comes while the early slot is taken (page 3 not yet handed out) asks nothing more.
      arrive[2]!();
      await tick();
      expect(calls).toStrictEqual(['first', '1', '2']);
      release[1]!();
      await tick();
      release[2]!();
      await tick();
      expect(calls).toStrictEqual(['first', '1', '2', '3']);
      arrive[3]!();
      release[3]!();
      await done;
      expect(seen).toStrictEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    });

    it('maxPages bounds the pages asked for early', async () => {
      const { fetch, calls, arrive, release } = slowSource(10, 1);
      const seen: number[] = [];
      const done = (async () => {
        for await (const row of new RowStream(fetch, { maxPages: 2 })) seen.push(row.i);
      })();
      await tick();
      arrive[0]!();
      release[0]!();
      await tick();
      arrive[1]!();
      release[1]!();
      await done;
      expect(seen).toStrictEqual([0, 1]);
      expect(calls).toStrictEqual(['first', '1']);
    });

    it('a break drops the page asked for early: nothing more is requested', async () => {
      const { fetch, calls, arrive, release } = slowSource(10, 2);
      const done = (async () => {
        for await (const row of new RowStream(fetch)) if (row.i === 0) break;
      })();
      await tick();
      arrive[0]!();
      release[0]!();
      await done;
      arrive[1]!();
      await tick();
      expect(calls).toStrictEqual(['first', '1']);
    });

    it('eachPage asks early too, and hands out each page with its rows decoded', async () => {
      const { fetch, calls, arrive, release } = slowSource(2, 2);
      const pages: number[][] = [];
      const done = (async () => {
        for await (const page of new RowStream(fetch).eachPage()) pages.push(page.rows.map((r) => r.i));
      })();
      await tick();
      arrive[0]!();
      await tick();
      expect(calls).toStrictEqual(['first', '1']);
      expect(pages).toStrictEqual([]);
      release[0]!();
      arrive[1]!();
      release[1]!();
      await done;
      expect(pages).toStrictEqual([[0, 1], [2, 3]]);
    });

    it("a page whose rows fail to decode fails the iteration there, after the previous page's rows", async () => {
      const { fetch, arrive, release, fail } = slowSource(3, 2);
      const seen: number[] = [];
      const done = (async () => {
        for await (const row of new RowStream(fetch)) seen.push(row.i);
      })().catch((e: unknown) => e);
      await tick();
      arrive[0]!();
      await tick();
      arrive[1]!();
      release[0]!();
      fail[1]!(new ClientClosedError());
      expect(await done).toBeInstanceOf(ClientClosedError);
      expect(seen).toStrictEqual([0, 1]);
    });
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

describe('RowStream row iteration', () => {
  /** Pages of `size` rows whose rows are decoded only when read; counts the rows decoded. */
  function undecodedSource(pages: number, size: number): { fetch: (s: Buffer | undefined) => Promise<ResultPage<{ i: number }>>; decoded: () => number } {
    let decoded = 0;
    const fetch = (s: Buffer | undefined): Promise<ResultPage<{ i: number }>> => {
      const n = s === undefined ? 0 : Number(s.toString());
      const next = n + 1 < pages ? Buffer.from(String(n + 1)) : null;
      const make = (j: number): { i: number } => {
        decoded++;
        return { i: n * size + j };
      };
      let at = 0;
      const pending = { count: size, next: () => make(at++), all: () => Array.from({ length: size }, (_, j) => make(j)) };
      return Promise.resolve(ResultPage.undecoded(pending, [], next, info, null));
    };
    return { fetch, decoded: () => decoded };
  }

  it('decodes rows only as the consumer reaches them', async () => {
    const { fetch, decoded } = undecodedSource(3, 100);
    const seen: number[] = [];
    for await (const row of new RowStream(fetch)) {
      seen.push(row.i);
      if (seen.length === 150) break;
    }
    expect(seen).toStrictEqual(Array.from({ length: 150 }, (_, i) => i));
    expect(decoded()).toBe(150);
  });

  it('eachPage hands out pages whose rows are decoded', async () => {
    const { fetch, decoded } = undecodedSource(2, 5);
    const sizes: number[] = [];
    for await (const page of new RowStream(fetch).eachPage()) sizes.push(page.rows.length);
    expect(sizes).toStrictEqual([5, 5]);
    expect(decoded()).toBe(10);
  });

  it('an undecoded page reports its row count without decoding, and decodes every row on first access of rows', () => {
    let calls = 0;
    const page = ResultPage.undecoded({ count: 3, next: () => ({ i: -1 }), all: () => (calls++, [{ i: 0 }, { i: 1 }, { i: 2 }]) }, [], null, info, null);
    expect(page.rowCount).toBe(3);
    expect(calls).toBe(0);
    expect(page.rows).toStrictEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    expect(page.one()).toStrictEqual({ i: 0 });
    expect(calls).toBe(1);
  });

  /** Iterates one page of `rows` rows, busy for `perRowMs` on each; returns the row index at which a setImmediate queued at the start ran (-1: not during the page). */
  async function immediateRanAt(yieldAfterMs: number | undefined, rows: number, perRowMs: number): Promise<number> {
    const { fetch } = source(1, rows);
    let current = 0;
    let ranAt = -1;
    const stream = new RowStream(fetch, yieldAfterMs === undefined ? {} : { yieldAfterMs });
    let first = true;
    for await (const row of stream) {
      if (first) {
        first = false;
        setImmediate(() => {
          if (ranAt < 0) ranAt = current;
        });
      }
      current = row.i;
      const until = performance.now() + perRowMs;
      while (performance.now() < until) {
        // the consumer's own work
      }
    }
    return ranAt;
  }

  it('lets the event loop turn within a page after yieldAfterMs of work (default 1 ms), and not with Infinity', async () => {
    // 64 rows × 0.25 ms = 16 ms of consumer work in one page.
    const defaultAt = await immediateRanAt(undefined, 64, 0.25);
    expect(defaultAt).toBeGreaterThan(0);
    expect(defaultAt).toBeLessThan(63);
    const never = await immediateRanAt(Infinity, 64, 0.25);
    expect(never).toBe(-1);
  });
});
