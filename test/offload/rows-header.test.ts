// peekRowsHeader: what a connection reads of an offloaded frame before handing it to a worker —
// the Rows metadata (paging state included) and row count, from the body's first bytes only.
import { describe, expect, test } from 'vitest';
import { FrameFlag, Opcode, encodeResponseBody, peekRowsHeader, rowsResultFromValues, type ColumnSpec } from '../../protocol/index.js';

const columns: readonly ColumnSpec[] = [
  { keyspace: 'ks', table: 't', name: 'id', type: { kind: 'int' } },
  { keyspace: 'ks', table: 't', name: 'v', type: { kind: 'text' } },
];
const rows = Array.from({ length: 50 }, (_, i) => [i, `value ${i}`]);

function body(version: 4 | 5, pagingState?: Buffer, newMetadataId?: Buffer): Buffer {
  const result = rowsResultFromValues({ columnCount: 2, columns, pagingState, newMetadataId }, rows);
  return Buffer.from(encodeResponseBody({ opcode: Opcode.RESULT, result }, version));
}

describe('peekRowsHeader', () => {
  test.each([4, 5] as const)('v%i: metadata, paging state and row count from the first bytes; the rows need not be there', (version) => {
    const state = Buffer.from('next page');
    const full = body(version, state, version === 5 ? Buffer.from([1, 2, 3]) : undefined);
    const firstBytes = full.subarray(0, full.length - 100);
    const header = peekRowsHeader(version, 0, firstBytes)!;
    expect(header.rowCount).toBe(50);
    expect(header.metadata.columns).toEqual(columns);
    expect(header.metadata.pagingState).toEqual(state);
    if (version === 5) expect(header.metadata.newMetadataId).toEqual(Buffer.from([1, 2, 3]));
    expect(peekRowsHeader(version, 0, full)!.metadata.pagingState).toEqual(state);
    // A copy: the frame's buffers go to the worker.
    full.fill(0);
    expect(header.metadata.pagingState).toEqual(state);
    expect(peekRowsHeader(version, 0, body(version))!.metadata.pagingState).toBeUndefined();
  });

  test('undefined when the bytes cannot tell: cut inside the metadata, not Rows, or a tracing / warning / payload preamble first', () => {
    const full = body(5, Buffer.from('s'));
    expect(peekRowsHeader(5, 0, full.subarray(0, 30))).toBeUndefined();
    expect(peekRowsHeader(5, 0, Buffer.from(encodeResponseBody({ opcode: Opcode.RESULT, result: { kind: 'void' } }, 5)))).toBeUndefined();
    for (const flag of [FrameFlag.TRACING, FrameFlag.WARNING, FrameFlag.CUSTOM_PAYLOAD]) expect(peekRowsHeader(5, flag, full)).toBeUndefined();
    expect(peekRowsHeader(3, 0, full)).toBeUndefined();
  });
});
