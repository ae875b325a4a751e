// Murmur3 tokens as Cassandra's Murmur3Partitioner computes them: the x64 128-bit variant of
// MurmurHash3 with seed 0, keeping the first 64-bit half as a signed long. Cassandra's Java port
// reads the tail bytes as *signed* bytes (sign-extended before the shift); that quirk is kept,
// otherwise keys whose length is not a multiple of 16 with a byte >= 0x80 in the tail hash
// differently from the server.

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
 * The Murmur3Partitioner token of a serialized partition key (a signed 64-bit integer), equal
 * to what CQL `token(k)` returns for the same key.
 */
export function murmur3Token(key: Uint8Array): bigint {
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

/**
 * The serialized partition key the server hashes: a single component as is; several as the
 * composite encoding, for each component `[unsigned short length][bytes][0x00]`.
 */
export function compositeKey(components: readonly Uint8Array[]): Buffer {
  if (components.length === 1) {
    const c = components[0]!;
    return Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  }
  let size = 0;
  for (const c of components) size += 3 + c.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const c of components) {
    out.writeUInt16BE(c.length, at);
    out.set(c, at + 2);
    at += 2 + c.length;
    out[at++] = 0;
  }
  return out;
}
