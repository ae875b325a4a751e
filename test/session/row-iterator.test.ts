// RowIterator (the hand-written row iteration under streams and scans) without a server: pages
// come from a scripted feed whose undecoded pages count reads and releases.
import { describe, expect, it } from 'vitest';
import { withCallerStack } from '../../src/errors/caller-stack.js';
import { AbortedError } from '../../src/errors/driver-errors.js';
import { ResultPage, type ExecutionInfo, type PendingRows } from '../../src/results/page.js';
import { RowIterator, type FedPage, type PageFeed } from '../../src/results/row-iterator.js';

const info: ExecutionInfo = { coordinator: 'h:9042', traceId: undefined, warnings: [], customPayload: undefined, protocolVersion: 5, attempts: [], schemaInAgreement: true };

interface Log {
  decoded: number[];
  released: number[];
  closed: number;
}

/** An undecoded page of rows { i } from `first`, logging each row read and the release. */
function page(first: number, size: number, log: Log, failAt = -1): ResultPage<{ i: number }> {
  let next = 0;
  const pending: PendingRows<{ i: number }> = {
    count: size,
    next: () => {
      const i = first + next++;
      if (i === failAt) throw new Error(`row ${i} is corrupt`);
      log.decoded.push(i);
      return { i };
    },
    all: () => Array.from({ length: size }, (_, j) => ({ i: first + j })),
    release: () => log.released.push(first),
  };
  return ResultPage.undecoded(pending, [], null, info, null);
}

/** A feed of the given pages (sizes), each `{ from }` as given; `fail` rejects at that page. */
function feed(sizes: readonly number[], opts: { from?: readonly number[]; failPage?: number; failRow?: number } = {}): { feed: PageFeed<{ i: number }>; log: Log } {
  const log: Log = { decoded: [], released: [], closed: 0 };
  let n = 0;
  let first = 0;
  return {
    log,
    feed: {
      nextPage: async (): Promise<FedPage<{ i: number }> | null> => {
        await new Promise((r) => setTimeout(r, 1));
        if (n === opts.failPage) throw new Error('page failed');
        if (n >= sizes.length) return null;
        const p = page(first, sizes[n]!, log, opts.failRow);
        const from = opts.from?.[n] ?? 0;
        first += sizes[n]!;
        n++;
        return { page: p, from };
      },
      close: async () => {
        log.closed++;
      },
    },
  };
}

async function all<R>(it: AsyncIterable<R>): Promise<R[]> {
  const out: R[] = [];
  for await (const r of it) out.push(r);
  return out;
}

describe('RowIterator', () => {
  it('hands out every row of every page in order, skips empty pages, releases each page once, closes the feed once', async () => {
    const { feed: f, log } = feed([3, 0, 2, 4]);
    const rows = await all(new RowIterator(f, 1, undefined));
    expect(rows.map((r) => r.i)).toStrictEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(log.released).toStrictEqual([0, 3, 3, 5]);
    expect(log.closed).toBe(1);
  });

  it('reads past the rows before `from` without handing them out (a resumed page)', async () => {
    const { feed: f, log } = feed([4, 3], { from: [3, 0] });
    const it = new RowIterator(f, Infinity, undefined);
    expect((await it.next()).value).toStrictEqual({ i: 3 });
    expect(it.delivered).toBe(4);
    expect((await all(it)).map((r) => r.i)).toStrictEqual([4, 5, 6]);
    expect(log.decoded).toStrictEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('overlapping next() calls are answered in order, each row once', async () => {
    const { feed: f } = feed([2, 2, 1]);
    const it = new RowIterator(f, Infinity, undefined);
    const results = await Promise.all(Array.from({ length: 7 }, () => it.next()));
    expect(results.map((r) => (r.done === true ? 'done' : r.value.i))).toStrictEqual([0, 1, 2, 3, 4, 'done', 'done']);
  });

  it('return() (a break) releases the page being read and closes the feed; later next() is done', async () => {
    const { feed: f, log } = feed([5, 5]);
    const it = new RowIterator(f, 1, undefined);
    for await (const row of { [Symbol.asyncIterator]: () => it }) if (row.i === 1) break;
    expect(log.released).toStrictEqual([0]);
    expect(log.closed).toBe(1);
    expect(log.decoded).toStrictEqual([0, 1]);
    expect(await it.next()).toStrictEqual({ value: undefined, done: true });
  });

  it('an abort rejects the next row with AbortedError and ends the iteration', async () => {
    const { feed: f, log } = feed([5]);
    const ac = new AbortController();
    const it = new RowIterator(f, 1, ac.signal);
    expect((await it.next()).value).toStrictEqual({ i: 0 });
    ac.abort();
    await expect(it.next()).rejects.toBeInstanceOf(AbortedError);
    expect(log.closed).toBe(1);
    expect(log.released).toStrictEqual([0]);
    expect(await it.next()).toStrictEqual({ value: undefined, done: true });
  });

  it("a feed's error and a row that fails to decode reach the consumer after the rows before them", async () => {
    const a = feed([2, 2], { failPage: 1 });
    const seenA: number[] = [];
    const errA = await (async () => {
      for await (const r of new RowIterator(a.feed, 1, undefined)) seenA.push(r.i);
    })().catch((e: unknown) => e);
    expect((errA as Error).message).toBe('page failed');
    expect(seenA).toStrictEqual([0, 1]);
    expect(a.log.closed).toBe(1);

    const b = feed([3], { failRow: 1 });
    const seenB: number[] = [];
    const errB = await (async () => {
      for await (const r of new RowIterator(b.feed, 1, undefined)) seenB.push(r.i);
    })().catch((e: unknown) => e);
    expect((errB as Error).message).toBe('row 1 is corrupt');
    expect(seenB).toStrictEqual([0]);
    expect(b.log.released).toStrictEqual([0]);
  });

  it("a feed's error taken after an await still has the consumer's frames in its async stack", async () => {
    const { feed: f } = feed([2]);
    const failing: PageFeed<{ i: number }> = {
      nextPage: async () => {
        const first = await f.nextPage();
        if (first !== null) {
          await new Promise((r) => setTimeout(r, 1));
          throw withCallerStack(new Error('server said no'));
        }
        return first;
      },
      close: f.close,
    };
    async function consumerOfRows(): Promise<void> {
      for await (const _ of new RowIterator(failing, 1, undefined));
    }
    const err = (await consumerOfRows().catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('server said no');
    expect(err.stack).toContain('consumerOfRows');
  });

  it('lets the event loop turn within a page after yieldAfterMs, and never with Infinity', async () => {
    for (const [yieldAfterMs, expectTicks] of [
      [1, true],
      [Infinity, false],
    ] as const) {
      const { feed: f } = feed([20_000]);
      // Counted only between the page's first and last row (the feed's own waits let timers run).
      let ticks = 0;
      let counting = false;
      const timer = setInterval(() => counting && ticks++, 0);
      try {
        for await (const row of new RowIterator(f, yieldAfterMs, undefined)) {
          counting = row.i < 19_999;
          const until = performance.now() + 0.002;
          while (performance.now() < until);
        }
      } finally {
        clearInterval(timer);
      }
      if (expectTicks) expect(ticks).toBeGreaterThan(3);
      else expect(ticks).toBe(0);
    }
  });
});
