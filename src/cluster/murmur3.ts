// Murmur3 tokens as Cassandra's Murmur3Partitioner computes them: the x64 128-bit variant of
// MurmurHash3 with seed 0, keeping the first 64-bit half as a signed long. Cassandra's Java port
// reads the tail bytes as *signed* bytes (sign-extended before the shift); that quirk is kept,
// otherwise keys whose length is not a multiple of 16 with a byte >= 0x80 in the tail hash
// differently from the server.

//
// The 64-bit arithmetic runs on pairs of unsigned 32-bit halves (hi, lo) in plain numbers: with
// BigInt every step allocated, and this runs once per routed request. The result becomes a
// bigint once, at the end.

const MIN_TOKEN = -(1n << 63n);
const MAX_TOKEN = (1n << 63n) - 1n;

// C1 = 0x87c37b91114253d5, C2 = 0x4cf5ad432745937f; fmix constants 0xff51afd7ed558ccd, 0xc4ceb9fe1a85ec53.
const C1_HI = 0x87c37b91;
const C1_LO = 0x114253d5;
const C2_HI = 0x4cf5ad43;
const C2_LO = 0x2745937f;
const F1_HI = 0xff51afd7;
const F1_LO = 0xed558ccd;
const F2_HI = 0xc4ceb9fe;
const F2_LO = 0x1a85ec53;

// Results of the 64-bit helpers (hi, lo), to avoid allocating a pair per step.
let rHi = 0;
let rLo = 0;

/** The high 32 bits of the 64-bit product of two unsigned 32-bit numbers. */
function mulHigh(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const m1 = a1 * b0 + ((a0 * b0) >>> 16); // < 2^32 + 2^16: exact as a double
  const m2 = a0 * b1 + (m1 % 65536);
  return (a1 * b1 + Math.floor(m1 / 65536) + Math.floor(m2 / 65536)) >>> 0;
}

/** (aHi, aLo) × (bHi, bLo) mod 2^64 into (rHi, rLo). */
function mul(aHi: number, aLo: number, bHi: number, bLo: number): void {
  rHi = (mulHigh(aLo, bLo) + Math.imul(aHi, bLo) + Math.imul(aLo, bHi)) >>> 0;
  rLo = Math.imul(aLo, bLo) >>> 0;
}

/** Rotate (hi, lo) left by r (0 < r < 64, r ≠ 32) into (rHi, rLo). */
function rotl(hi: number, lo: number, r: number): void {
  if (r > 32) {
    const t = hi;
    hi = lo;
    lo = t;
    r -= 32;
  }
  rHi = ((hi << r) | (lo >>> (32 - r))) >>> 0;
  rLo = ((lo << r) | (hi >>> (32 - r))) >>> 0;
}

/** (aHi, aLo) + (bHi, bLo) mod 2^64 into (rHi, rLo). */
function add(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const lo = aLo + bLo;
  rLo = lo >>> 0;
  rHi = (aHi + bHi + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}

/** Murmur3's finalizer on (hi, lo) into (rHi, rLo). */
function fmix(hi: number, lo: number): void {
  lo = (lo ^ (hi >>> 1)) >>> 0; // k ^= k >>> 33
  mul(hi, lo, F1_HI, F1_LO);
  hi = rHi;
  lo = (rLo ^ (hi >>> 1)) >>> 0;
  mul(hi, lo, F2_HI, F2_LO);
  hi = rHi;
  rLo = (rLo ^ (hi >>> 1)) >>> 0;
  rHi = hi;
}

/** Murmur3's key mix `rotl(k * a, r) * b` on (hi, lo) into (rHi, rLo). */
function mixKey(hi: number, lo: number, aHi: number, aLo: number, r: number, bHi: number, bLo: number): void {
  mul(hi, lo, aHi, aLo);
  rotl(rHi, rLo, r);
  mul(rHi, rLo, bHi, bLo);
}

/** Little-endian unsigned 32-bit word at `at` (as Cassandra's getBlock reads bytes unsigned). */
function word(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/**
 * XOR into (hi, lo) the tail byte `b` as Java's `((long) byte) << shift`: sign-extended to 64
 * bits, then shifted; result in (rHi, rLo).
 */
function xorTailByte(hi: number, lo: number, b: number, shift: number): void {
  const v = (b << 24) >> 24;
  let vHi = v < 0 ? 0xffffffff : 0;
  let vLo = v >>> 0;
  if (shift >= 32) {
    vHi = vLo << (shift - 32);
    vLo = 0;
  } else if (shift > 0) {
    vHi = (vHi << shift) | (vLo >>> (32 - shift));
    vLo = vLo << shift;
  }
  rHi = (hi ^ vHi) >>> 0;
  rLo = (lo ^ vLo) >>> 0;
}

/**
 * The Murmur3Partitioner token of a serialized partition key (a signed 64-bit integer), equal
 * to what CQL `token(k)` returns for the same key.
 */
export function murmur3Token(key: Uint8Array): bigint {
  const length = key.length;
  const nblocks = length >> 4;
  let h1Hi = 0;
  let h1Lo = 0;
  let h2Hi = 0;
  let h2Lo = 0;
  for (let i = 0; i < nblocks; i++) {
    const at = i * 16;
    // k1 = rotl(k1 * C1, 31) * C2; h1 ^= k1; h1 = rotl(h1, 27) + h2; h1 = h1 * 5 + 0x52dce729
    mixKey(word(key, at + 4), word(key, at), C1_HI, C1_LO, 31, C2_HI, C2_LO);
    rotl((h1Hi ^ rHi) >>> 0, (h1Lo ^ rLo) >>> 0, 27);
    add(rHi, rLo, h2Hi, h2Lo);
    mul(rHi, rLo, 0, 5);
    add(rHi, rLo, 0, 0x52dce729);
    h1Hi = rHi;
    h1Lo = rLo;
    // k2 = rotl(k2 * C2, 33) * C1; h2 ^= k2; h2 = rotl(h2, 31) + h1; h2 = h2 * 5 + 0x38495ab5
    mixKey(word(key, at + 12), word(key, at + 8), C2_HI, C2_LO, 33, C1_HI, C1_LO);
    rotl((h2Hi ^ rHi) >>> 0, (h2Lo ^ rLo) >>> 0, 31);
    add(rHi, rLo, h1Hi, h1Lo);
    mul(rHi, rLo, 0, 5);
    add(rHi, rLo, 0, 0x38495ab5);
    h2Hi = rHi;
    h2Lo = rLo;
  }
  const tail = nblocks * 16;
  const rest = length & 15;
  let kHi = 0;
  let kLo = 0;
  for (let i = rest - 1; i >= 8; i--) {
    xorTailByte(kHi, kLo, key[tail + i]!, (i - 8) * 8);
    kHi = rHi;
    kLo = rLo;
  }
  if (rest > 8) {
    mixKey(kHi, kLo, C2_HI, C2_LO, 33, C1_HI, C1_LO);
    h2Hi = (h2Hi ^ rHi) >>> 0;
    h2Lo = (h2Lo ^ rLo) >>> 0;
  }
  kHi = 0;
  kLo = 0;
  for (let i = Math.min(rest, 8) - 1; i >= 0; i--) {
    xorTailByte(kHi, kLo, key[tail + i]!, i * 8);
    kHi = rHi;
    kLo = rLo;
  }
  if (rest > 0) {
    mixKey(kHi, kLo, C1_HI, C1_LO, 31, C2_HI, C2_LO);
    h1Hi = (h1Hi ^ rHi) >>> 0;
    h1Lo = (h1Lo ^ rLo) >>> 0;
  }
  // The length is below 2^32: only the low words change.
  h1Lo = (h1Lo ^ length) >>> 0;
  h2Lo = (h2Lo ^ length) >>> 0;
  add(h1Hi, h1Lo, h2Hi, h2Lo);
  h1Hi = rHi;
  h1Lo = rLo;
  add(h2Hi, h2Lo, h1Hi, h1Lo);
  h2Hi = rHi;
  h2Lo = rLo;
  fmix(h1Hi, h1Lo);
  h1Hi = rHi;
  h1Lo = rLo;
  fmix(h2Hi, h2Lo);
  add(h1Hi, h1Lo, rHi, rLo);
  const token = (BigInt(rHi | 0) << 32n) | BigInt(rLo);
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
