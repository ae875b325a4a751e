// Writer.long takes a safe-integer number as well as a bigint (client timestamps are numbers on
// the hot path): the bytes must be the same.
import { describe, expect, it } from 'vitest';
import { Reader, Writer } from '../../protocol/index.js';

const bytesOf = (v: bigint | number): Buffer => new Writer(8).long(v).finish();

describe('Writer.long with a number', () => {
  it.each([0, 1, -1, 2 ** 32, 2 ** 32 - 1, -(2 ** 32), 1_733_580_000_000_000, -1_733_580_000_000_123, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER])('%d writes the bytes of the same bigint', (n) => {
    expect(bytesOf(n)).toEqual(bytesOf(BigInt(n)));
    expect(new Reader(bytesOf(n)).long()).toBe(BigInt(n));
  });
});
