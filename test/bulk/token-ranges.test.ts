// Token ranges: the ring's ranges and their splits hold every Murmur3 token exactly once,
// wrap-around included (property tests), and a host's ranges follow its keyspace's replication.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_TOKEN, MIN_TOKEN, TokenRange, ringRanges } from '../../src/cluster/token-ranges.js';
import { Metadata } from '../../src/cluster/metadata.js';
import type { Host } from '../../src/index.js';

const token = fc.bigInt({ min: MIN_TOKEN, max: MAX_TOKEN });
/** A ring: 1..40 distinct ascending tokens. */
const ring = fc.uniqueArray(token, { minLength: 1, maxLength: 40 }).map((a) => [...a].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));

/** The unwrapped pieces, sorted by start: they must tile (MIN, MAX] end to start. */
function tiles(ranges: readonly TokenRange[]): TokenRange[] {
  return ranges.flatMap((r) => r.unwrap()).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

describe('token ranges', () => {
  it('the splits of every ring range tile the ring: contiguous, no overlap, widths sum to 2^64', () => {
    fc.assert(
      fc.property(ring, fc.integer({ min: 1, max: 50 }), (tokens, parts) => {
        const ranges = ringRanges(tokens);
        expect(ranges).toHaveLength(tokens.length);
        const splits = ranges.flatMap((r) => r.split(parts));
        let sum = 0n;
        for (const s of splits) sum += s.width;
        expect(sum).toBe(1n << 64n);
        // Each split starts where the previous one ended, in ring order.
        for (let i = 0; i < splits.length; i++) expect(splits[i]!.start).toBe(splits[i === 0 ? splits.length - 1 : i - 1]!.end);
        // Unwrapped, they tile (MIN, MAX] with no gap and no overlap (CQL can express each).
        const t = tiles(splits);
        expect(t[0]!.start).toBe(MIN_TOKEN);
        expect(t[t.length - 1]!.end).toBe(MAX_TOKEN);
        for (let i = 1; i < t.length; i++) expect(t[i]!.start).toBe(t[i - 1]!.end);
        for (const r of t) expect(r.start < r.end).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('every key token lies in exactly one split', () => {
    fc.assert(
      fc.property(ring, fc.integer({ min: 1, max: 20 }), fc.array(fc.bigInt({ min: MIN_TOKEN + 1n, max: MAX_TOKEN }), { minLength: 1, maxLength: 20 }), (tokens, parts, keys) => {
        const splits = ringRanges(tokens).flatMap((r) => r.split(parts));
        for (const k of [...keys, ...tokens.filter((x) => x !== MIN_TOKEN), MAX_TOKEN, MIN_TOKEN + 1n]) {
          expect(splits.filter((s) => s.contains(k))).toHaveLength(1);
          expect(tiles(splits).filter((s) => s.contains(k))).toHaveLength(1);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a one-token ring is one range holding the whole ring; a narrow range splits into at most its width', () => {
    const [whole] = ringRanges([42n]);
    expect(whole!.width).toBe(1n << 64n);
    expect(whole!.unwrap().map(String)).toEqual([`(42,${MAX_TOKEN}]`, `(${MIN_TOKEN},42]`]);
    expect(new TokenRange(10n, 13n).split(8).map(String)).toEqual(['(10,11]', '(11,12]', '(12,13]']);
    expect(new TokenRange(MAX_TOKEN - 1n, MIN_TOKEN + 2n).split(2).map(String)).toEqual([`(${MAX_TOKEN - 1n},${MIN_TOKEN}]`, `(${MIN_TOKEN},${MIN_TOKEN + 2n}]`]);
    expect(TokenRange.parse('(-5,7]')).toEqual(new TokenRange(-5n, 7n));
    expect(() => TokenRange.parse('[1,2]')).toThrow(RangeError);
    expect(() => whole!.split(0)).toThrow(RangeError);
  });

  it("metadata: every ring range, and a host's ranges by its keyspace's replication", () => {
    const host = (id: string, tokens: string[]): Host => ({ id, address: id, port: 9042, datacenter: 'dc1', rack: 'r1', hostId: id, releaseVersion: '5.0', tokens, isUp: true }) as unknown as Host;
    const a = host('a', ['-100', '300']);
    const b = host('b', ['0']);
    const c = host('c', ['200']);
    const m = new Metadata();
    m.updateRing([a, b, c]);
    (m as unknown as { ks: Map<string, unknown> }).ks = new Map([
      ['rf1', { name: 'rf1', replication: { class: 'SimpleStrategy', replication_factor: '1' }, tables: new Map() }],
      ['rf2', { name: 'rf2', replication: { class: 'SimpleStrategy', replication_factor: '2' }, tables: new Map() }],
    ]);
    expect(m.tokenRanges().map(String)).toEqual(['(300,-100]', '(-100,0]', '(0,200]', '(200,300]']);
    expect(m.tokenRangesOf('rf1', a).map(String)).toEqual(['(300,-100]', '(200,300]']);
    expect(m.tokenRangesOf('rf1', 'b').map(String)).toEqual(['(-100,0]']);
    // RF 2: b is the next distinct node after a's tokens -100 and 300 (a's own next token skipped).
    expect(m.tokenRangesOf('rf2', 'b').map(String)).toEqual(['(300,-100]', '(-100,0]', '(200,300]']);
    expect(m.rangeReplicas('rf2', new TokenRange(0n, 200n)).map((h) => h.id)).toEqual(['c', 'a']);
  });
});
