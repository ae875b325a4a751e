// Bound values that plain-JS callers get wrong are refused with a typed ENCODE error, and the
// writer is left as it was (nothing half-written).
import { describe, expect, test } from 'vitest';
import { Writer } from '../../protocol/buffer.js';
import { BatchType, Consistency, Opcode } from '../../protocol/constants.js';
import { ProtocolError, ProtocolErrorCode } from '../../protocol/errors.js';
import { writeRequestFrame, type Request } from '../../protocol/messages/request.js';
import type { BoundValues } from '../../protocol/messages/request/query.js';

function batchWith(values: unknown): Request {
  return {
    opcode: Opcode.BATCH,
    type: BatchType.LOGGED,
    statements: [{ kind: 'query', query: 'INSERT INTO t (k) VALUES (1)', values: values as BoundValues & readonly [] }],
    consistency: Consistency.ONE,
  };
}

describe('malformed bound values', () => {
  for (const [name, values] of [
    ['undefined', undefined],
    ['null', null],
    ['a number', 3],
    ['an object without names or count', {}],
    ['a ValueWriter without write()', { count: 1 }],
  ] as const) {
    test(`${name} in a BATCH statement is ProtocolError ENCODE`, () => {
      const w = new Writer(64);
      w.raw(Buffer.from('prefix'));
      let err: unknown;
      try {
        writeRequestFrame(w, 5, 1, batchWith(values));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ProtocolError);
      expect((err as ProtocolError).code).toBe(ProtocolErrorCode.ENCODE);
      expect(w.offset).toBe(6);
    });
  }

  test('undefined values in QUERY params mean "no values"', () => {
    const w = new Writer(64);
    writeRequestFrame(w, 4, 1, { opcode: Opcode.QUERY, query: 'SELECT 1', params: { consistency: Consistency.ONE, values: undefined } });
    expect(w.offset).toBeGreaterThan(9);
  });
});
