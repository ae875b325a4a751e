import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FrameFlag, Opcode } from '../../protocol/constants.js';
import { ProtocolError, ProtocolErrorCode } from '../../protocol/errors.js';
import { DEFAULT_MAX_FRAME_SIZE, decodeFrame, encodeFrame, writeFrameHeader } from '../../protocol/frame.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return (e as ProtocolError).code;
  }
  return undefined;
}

describe('frame header golden vectors (spec §2)', () => {
  it('v4 OPTIONS request, stream 1, empty body', () => {
    expect(encodeFrame({ version: 4, flags: 0, stream: 1, opcode: Opcode.OPTIONS }, new Uint8Array(0)).toString('hex')).toBe(
      '040000010500000000',
    );
  });

  it('v5 EVENT response on stream -1 with flags and a body', () => {
    const frame = encodeFrame(
      { version: 5, isResponse: true, flags: FrameFlag.TRACING | FrameFlag.WARNING, stream: -1, opcode: Opcode.EVENT },
      Uint8Array.of(0xaa, 0xbb),
    );
    expect(frame.toString('hex')).toBe('850affff0c00000002aabb');
    expect(decodeFrame(frame)).toEqual({
      version: 5,
      isResponse: true,
      flags: 0x0a,
      stream: -1,
      opcode: Opcode.EVENT,
      body: Buffer.from([0xaa, 0xbb]),
    });
  });

  it('big-endian signed stream and length', () => {
    const buf = Buffer.alloc(12, 0xee);
    writeFrameHeader(buf, 2, { version: 4, flags: 1, stream: 0x1234, opcode: 8 }, 0x01020304);
    expect(buf.toString('hex')).toBe('eeee040112340801020304ee');
    writeFrameHeader(buf, 0, { version: 4, flags: 0, stream: -32768, opcode: 8 }, 0);
    expect(buf.subarray(2, 4).toString('hex')).toBe('8000');
  });
});

describe('frame header encoding refuses out-of-range fields', () => {
  const ok = { version: 4, flags: 0, stream: 0, opcode: 7 };
  it.each([
    ['stream 32768', { ...ok, stream: 32768 }, 0],
    ['stream -32769', { ...ok, stream: -32769 }, 0],
    ['fractional stream', { ...ok, stream: 1.5 }, 0],
    ['opcode 256', { ...ok, opcode: 256 }, 0],
    ['flags 256', { ...ok, flags: 256 }, 0],
    ['version 128', { ...ok, version: 128 }, 0],
    ['v5 with the compression flag', { ...ok, version: 5, flags: FrameFlag.COMPRESSION }, 0],
    ['negative body length', ok, -1],
    ['body length 2^31', ok, 2 ** 31],
  ])('%s → ENCODE', (_name, header, length) => {
    expect(code(() => writeFrameHeader(Buffer.alloc(9), 0, header, length))).toBe(ProtocolErrorCode.ENCODE);
  });

  it('no room → ENCODE', () => {
    expect(code(() => writeFrameHeader(Buffer.alloc(9), 1, ok, 0))).toBe(ProtocolErrorCode.ENCODE);
  });
});

describe('decodeFrame', () => {
  it('round trips any header and body', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(4, 5),
        fc.boolean(),
        fc.nat(255),
        fc.integer({ min: -32768, max: 32767 }),
        fc.nat(255),
        fc.uint8Array({ maxLength: 100 }),
        (version, isResponse, rawFlags, stream, opcode, body) => {
          const flags = version === 5 ? rawFlags & ~FrameFlag.COMPRESSION : rawFlags;
          const frame = decodeFrame(encodeFrame({ version, isResponse, flags, stream, opcode }, body));
          expect(frame).toEqual({ version, isResponse, flags, stream, opcode, body: Buffer.from(body) });
        },
      ),
    );
  });

  it('rejects what is not exactly one frame of a supported version and size', () => {
    const frame = encodeFrame({ version: 4, flags: 0, stream: 0, opcode: 7 }, Buffer.from('abc'));
    expect(code(() => decodeFrame(frame.subarray(0, 8)))).toBe(ProtocolErrorCode.TRUNCATED);
    expect(code(() => decodeFrame(frame.subarray(0, 11)))).toBe(ProtocolErrorCode.TRUNCATED);
    expect(code(() => decodeFrame(Buffer.concat([frame, Buffer.of(0)])))).toBe(ProtocolErrorCode.MALFORMED);
    expect(code(() => decodeFrame(frame, 2))).toBe(ProtocolErrorCode.FRAME_TOO_LARGE);
    for (const v of [0x03, 0x83, 0x06, 0x41, 0x00]) {
      expect(code(() => decodeFrame(Buffer.concat([Buffer.of(v), frame.subarray(1)])))).toBe(ProtocolErrorCode.VERSION);
    }
    // 0xFFFFFFFF (a negative [int]) is simply far beyond the limit
    expect(code(() => decodeFrame(Buffer.from('0400000107ffffffff', 'hex')))).toBe(ProtocolErrorCode.FRAME_TOO_LARGE);
    expect(DEFAULT_MAX_FRAME_SIZE).toBe(256 * 1024 * 1024);
  });
});
