// Addresses read from the wire are written as Node's `net` and RFC 5952 write them, and
// parse back to the same bytes.
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { formatIp, parseIp } from '../../protocol/buffer.js';

describe('inet text form', () => {
  it.each([
    ['::ffff:1.2.3.4', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]],
    ['::ffff:127.0.0.1', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]],
    ['::1', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]],
    ['2001:db8::1', [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]],
    ['::fffe:102:304', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 1, 2, 3, 4]],
    ['1.2.3.4', [1, 2, 3, 4]],
  ])('%s', (text, bytes) => {
    expect(formatIp(Uint8Array.from(bytes))).toBe(text);
    expect([...parseIp(text)]).toEqual(bytes);
    expect(isIP(text)).not.toBe(0);
  });
});
