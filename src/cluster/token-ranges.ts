// Token ranges of the Murmur3 ring: what a ring token owns, splitting a range into parts for a
// parallel scan, and the CQL bounds of a range. A range is (start, end] as Cassandra's ranges
// are; start === end is the whole ring (a one-token ring). Murmur3 never hashes a key to the
// minimum token (the partitioner maps it to the maximum), so keys live in (MIN, MAX].

/** The smallest Murmur3 token, -2^63 (no key hashes to it). */
export const MIN_TOKEN = -(1n << 63n);
/** The largest Murmur3 token, 2^63 - 1. */
export const MAX_TOKEN = (1n << 63n) - 1n;
const RING = 1n << 64n;

/** Brings an unsigned offset from MIN_TOKEN back to a signed token (modulo the ring). */
function fromOffset(offset: bigint): bigint {
  return (((offset % RING) + RING) % RING) + MIN_TOKEN;
}

/**
 * A range of Murmur3 tokens, `(start, end]`: exclusive start, inclusive end, wrapping past the
 * maximum token when `start >= end` (`start === end` is the whole ring).
 */
export class TokenRange {
  /**
   * @param start exclusive lower bound (a signed 64-bit token).
   * @param end inclusive upper bound.
   */
  constructor(
    readonly start: bigint,
    readonly end: bigint,
  ) {
    if (start < MIN_TOKEN || start > MAX_TOKEN || end < MIN_TOKEN || end > MAX_TOKEN) throw new RangeError(`token range (${start}, ${end}] is outside the Murmur3 ring`);
  }

  /** How many tokens the range holds (2^64 for the whole ring). */
  get width(): bigint {
    const w = (((this.end - this.start) % RING) + RING) % RING;
    return w === 0n ? RING : w;
  }

  /** Whether the range passes the maximum token (then `unwrap()` gives up to two ranges). */
  get wraps(): boolean {
    return this.start >= this.end;
  }

  /** Whether `token` is in the range. */
  contains(token: bigint): boolean {
    if (this.start === this.end) return true;
    if (this.start < this.end) return token > this.start && token <= this.end;
    return token > this.start || token <= this.end;
  }

  /**
   * Ranges that do not wrap, holding the same tokens: a wrapping range becomes `(start, MAX]`
   * and `(MIN, end]` (either left out when it holds no key's token). CQL's `token(k) > a AND token(k) <= b`
   * cannot express a wrapping range, hence this.
   */
  unwrap(): TokenRange[] {
    if (!this.wraps) return [this];
    const out: TokenRange[] = [];
    if (this.start < MAX_TOKEN) out.push(new TokenRange(this.start, MAX_TOKEN));
    if (this.end > MIN_TOKEN) out.push(new TokenRange(MIN_TOKEN, this.end));
    return out;
  }

  /**
   * `parts` contiguous ranges of (nearly) equal width that together hold exactly this range's
   * tokens; fewer when the range holds fewer tokens than `parts`.
   */
  split(parts: number): TokenRange[] {
    if (!Number.isInteger(parts) || parts < 1) throw new RangeError(`parts must be a positive integer, got ${parts}`);
    const width = this.width;
    const n = BigInt(parts) > width ? width : BigInt(parts);
    const base = this.start - MIN_TOKEN;
    const out: TokenRange[] = [];
    let from = this.start;
    for (let i = 1n; i <= n; i++) {
      // The last boundary is `end` itself (also for the whole ring, where width is 2^64).
      const to = i === n ? this.end : fromOffset(base + (width * i) / n);
      out.push(new TokenRange(from, to));
      from = to;
    }
    return out;
  }

  /** `(start,end]`, the form checkpoints and logs use. */
  toString(): string {
    return `(${this.start},${this.end}]`;
  }

  /** The range of a `toString()` text. */
  static parse(text: string): TokenRange {
    const m = /^\((-?\d+),(-?\d+)\]$/.exec(text);
    if (m === null) throw new RangeError(`not a token range: ${text}`);
    return new TokenRange(BigInt(m[1]!), BigInt(m[2]!));
  }
}

/**
 * The ranges of a ring: each ring token owns the tokens after the previous one up to itself,
 * the first the wrapping range after the last. `ring` must be ascending and distinct.
 */
export function ringRanges(ring: readonly bigint[]): TokenRange[] {
  if (ring.length === 0) return [];
  const out: TokenRange[] = [];
  for (let i = 0; i < ring.length; i++) out.push(new TokenRange(ring[i === 0 ? ring.length - 1 : i - 1]!, ring[i]!));
  return out;
}
