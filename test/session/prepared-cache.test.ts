// The prepared-statement cache: keyed by keyspace and text without building a key string,
// least recently used evicted past capacity, failed preparations dropped, `ready` only once
// prepared.
import { describe, expect, it } from 'vitest';
import { PreparedCache, type PreparedStatement } from '../../src/session/prepared.js';

const stmt = (query: string): PreparedStatement => ({ query }) as unknown as PreparedStatement;

describe('PreparedCache', () => {
  it('keys by keyspace and text; evicts the least recently used past capacity', async () => {
    const cache = new PreparedCache(2);
    cache.set('a', 'q1', Promise.resolve(stmt('q1')));
    cache.set('b', 'q1', Promise.resolve(stmt('q1 in b')));
    expect(cache.size).toBe(2);
    expect((await cache.get('a', 'q1'))!.query).toBe('q1'); // a/q1 is now the most recent
    cache.set(undefined, 'q2', Promise.resolve(stmt('q2')));
    expect(cache.size).toBe(2);
    expect(cache.get('b', 'q1')).toBeUndefined(); // evicted: least recently used
    expect(cache.get('a', 'q1')).toBeDefined();
    expect(cache.get(undefined, 'q2')).toBeDefined();
    expect(cache.get('', 'q2')).toBeDefined(); // no keyspace and '' are one key
  });

  it('ready() gives the statement only once prepared; a failed preparation is dropped', async () => {
    const cache = new PreparedCache(10);
    let resolve!: (ps: PreparedStatement) => void;
    cache.set('ks', 'q', new Promise((r) => (resolve = r)));
    expect(cache.ready('ks', 'q')).toBeUndefined();
    resolve(stmt('q'));
    await Promise.resolve();
    await Promise.resolve();
    expect(cache.ready('ks', 'q')?.query).toBe('q');
    const failing = Promise.reject(new Error('no'));
    cache.set('ks', 'bad', failing);
    await failing.catch(() => undefined);
    await Promise.resolve();
    expect(cache.get('ks', 'bad')).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it('values() lists entries least recently used first', async () => {
    const cache = new PreparedCache(10);
    for (const q of ['x', 'y', 'z']) cache.set('ks', q, Promise.resolve(stmt(q)));
    cache.get('ks', 'x');
    const order = await Promise.all([...cache.values()]);
    expect(order.map((p) => p.query)).toEqual(['y', 'z', 'x']);
  });
});
