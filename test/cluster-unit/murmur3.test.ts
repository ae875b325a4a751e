// Murmur3 tokens: known answers published with other Cassandra drivers and from Cassandra's
// own token() (the cluster suite compares against a live server for 84 more keys).
import { describe, expect, it } from 'vitest';
import { compositeKey, murmur3Token } from '../../src/cluster/murmur3.js';

const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

describe('murmur3Token', () => {
  it.each([
    ['123 (3-byte tail)', Buffer.from('123'), -7468325962851647638n],
    ['50 bytes (3 blocks + 2-byte tail, bytes >= 0x80)', Buffer.from('00ff10fa99'.repeat(10), 'hex'), 5837342703291459765n],
    ['8 × 0xfe (sign-extended tail bytes)', Buffer.alloc(8, 0xfe), -8927430733708461935n],
    ['8 × 0x10', Buffer.alloc(8, 0x10), 1446172840243228796n],
    ['19 ASCII digits (1 block + 3-byte tail)', Buffer.from('9223372036854775807'), 7162290910810015547n],
    ['int 1, as CQL token(1)', int32(1), -4069959284402364209n],
  ])('%s', (_name, key, token) => {
    expect(murmur3Token(key)).toBe(token);
  });

  it('hashes a view at any offset like a copy', () => {
    const big = Buffer.concat([Buffer.alloc(7, 1), Buffer.from('9223372036854775807'), Buffer.alloc(5, 2)]);
    expect(murmur3Token(big.subarray(7, 7 + 19))).toBe(7162290910810015547n);
  });

  it('stays within the signed 64-bit range', () => {
    for (let n = 0; n < 200; n++) {
      const t = murmur3Token(Buffer.from(Array.from({ length: n }, (_, i) => (i * 97 + n) & 0xff)));
      expect(t >= -(1n << 63n) && t < 1n << 63n).toBe(true);
      expect(t).not.toBe(-(1n << 63n));
    }
  });
});

// The straightforward BigInt implementation (what murmur3.ts computed before it moved to 32-bit
// halves), as an oracle for the arithmetic on pairs of words.
const MASK = 0xffff_ffff_ffff_ffffn;
const C1 = 0x87c3_7b91_1142_53d5n;
const C2 = 0x4cf5_ad43_2745_937fn;
const MIN_TOKEN = -(1n << 63n);
const MAX_TOKEN = (1n << 63n) - 1n;

function rotl(x: bigint, r: bigint): bigint {
  return ((x << r) | (x >> (64n - r))) & MASK;
}

function mul(a: bigint, b: bigint): bigint {
  return (a * b) & MASK;
}

function fmix(k: bigint): bigint {
  k ^= k >> 33n;
  k = mul(k, 0xff51_afd7_ed55_8ccdn);
  k ^= k >> 33n;
  k = mul(k, 0xc4ce_b9fe_1a85_ec53n);
  k ^= k >> 33n;
  return k;
}

function block(b: Uint8Array, at: number): bigint {
  // Little-endian 64-bit word from two 32-bit halves (unsigned bytes, as Cassandra's getBlock).
  const lo = (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
  const hi = (b[at + 4]! | (b[at + 5]! << 8) | (b[at + 6]! << 16) | (b[at + 7]! << 24)) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** A byte of the tail as Java's `(long) byte`: sign-extended, then shifted, as 64 bits. */
function tailByte(b: number, shift: bigint): bigint {
  return (BigInt((b << 24) >> 24) << shift) & MASK;
}

/**
 * Reference: the Murmur3Partitioner token of a serialized partition key (a signed 64-bit integer), equal
 * to what CQL `token(k)` returns for the same key.
 */
function referenceToken(key: Uint8Array): bigint {
  const length = key.length;
  const nblocks = length >> 4;
  let h1 = 0n;
  let h2 = 0n;
  for (let i = 0; i < nblocks; i++) {
    let k1 = block(key, i * 16);
    let k2 = block(key, i * 16 + 8);
    k1 = mul(rotl(mul(k1, C1), 31n), C2);
    h1 ^= k1;
    h1 = (mul(rotl(h1, 27n) + h2, 5n) + 0x52dc_e729n) & MASK;
    k2 = mul(rotl(mul(k2, C2), 33n), C1);
    h2 ^= k2;
    h2 = (mul(rotl(h2, 31n) + h1, 5n) + 0x3849_5ab5n) & MASK;
  }
  const tail = nblocks * 16;
  const rest = length & 15;
  let k1 = 0n;
  let k2 = 0n;
  for (let i = rest - 1; i >= 8; i--) k2 ^= tailByte(key[tail + i]!, BigInt((i - 8) * 8));
  if (rest > 8) {
    k2 = mul(rotl(mul(k2, C2), 33n), C1);
    h2 ^= k2;
  }
  for (let i = Math.min(rest, 8) - 1; i >= 0; i--) k1 ^= tailByte(key[tail + i]!, BigInt(i * 8));
  if (rest > 0) {
    k1 = mul(rotl(mul(k1, C1), 31n), C2);
    h1 ^= k1;
  }
  const len = BigInt(length);
  h1 ^= len;
  h2 ^= len;
  h1 = (h1 + h2) & MASK;
  h2 = (h2 + h1) & MASK;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 = (h1 + h2) & MASK;
  const token = BigInt.asIntN(64, h1);
  // Murmur3Partitioner never hands out the minimum token (it is the ring's start marker).
  return token === MIN_TOKEN ? MAX_TOKEN : token;
}


describe('murmur3Token on 32-bit halves', () => {
  it('equals the BigInt reference on 5,000 keys of every length 0..120, bytes of every value', () => {
    let seed = 12345;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    for (let n = 0; n < 5000; n++) {
      const key = Buffer.from(Array.from({ length: n % 121 }, next));
      expect(murmur3Token(key)).toBe(referenceToken(key));
    }
  });
});

describe('compositeKey', () => {
  it('passes one component through', () => {
    expect(compositeKey([Buffer.from('abc')])).toEqual(Buffer.from('abc'));
  });

  it('encodes several components as [short length][bytes][0x00] each', () => {
    const k = compositeKey([Buffer.from('ab'), int32(7), Buffer.alloc(0)]);
    expect(k.toString('hex')).toBe('0002616200' + '00040000000700' + '000000');
  });
});
