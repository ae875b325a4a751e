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

describe('compositeKey', () => {
  it('passes one component through', () => {
    expect(compositeKey([Buffer.from('abc')])).toEqual(Buffer.from('abc'));
  });

  it('encodes several components as [short length][bytes][0x00] each', () => {
    const k = compositeKey([Buffer.from('ab'), int32(7), Buffer.alloc(0)]);
    expect(k.toString('hex')).toBe('0002616200' + '00040000000700' + '000000');
  });
});
