// The codec's half of the offload stage: cellTable (what a worker computes) locates every cell of
// a Rows result, and RowReader builds from it the same rows as decodeRows, with the same checks.
import { describe, expect, test } from 'vitest';
import { ProtocolError, RowReader, cellTable, decodeRows, rowsResultFromValues, type ColumnSpec, type RowsResult } from '../../protocol/index.js';

const spec = (name: string, type: ColumnSpec['type']): ColumnSpec => ({ keyspace: 'ks', table: 't', name, type });
const COLUMNS: readonly ColumnSpec[] = [spec('id', { kind: 'int' }), spec('name', { kind: 'text' }), spec('tags', { kind: 'list', element: { kind: 'text' } })];

function sample(rows: number): RowsResult {
  return rowsResultFromValues(
    { columnCount: COLUMNS.length, columns: COLUMNS },
    Array.from({ length: rows }, (_, i) => [i, i % 5 === 0 ? null : `row ${i} é`, i % 3 === 0 ? null : [`a${i}`, 'b']]),
  );
}

function readAll(reader: RowReader): unknown[] {
  const out: unknown[] = [];
  while (reader.remaining > 0) out.push(reader.next());
  return out;
}

describe('cellTable and RowReader over it', () => {
  test('two int32 per cell (start, length or -1 for null), and the same rows as decodeRows', () => {
    const result = sample(40);
    const cells = cellTable(result);
    expect(cells.length).toBe(40 * 3 * 2);
    // Row 0: id (4 bytes), then a null name, then a null list.
    expect([...cells.subarray(0, 6)]).toEqual([4, 4, 12, -1, 16, -1]);
    expect(readAll(new RowReader(result, COLUMNS, undefined, cells))).toEqual(decodeRows(result));
  });

  test('truncated content fails cellTable with a typed error', () => {
    const result = sample(10);
    const cut: RowsResult = { ...result, rowsContent: result.rowsContent.subarray(0, result.rowsContent.length - 2) };
    expect(() => cellTable(cut)).toThrow(ProtocolError);
  });

  test('a table that does not fit the rows, and a cell its decoder rejects, fail typed', () => {
    const result = sample(10);
    expect(() => new RowReader(result, COLUMNS, undefined, cellTable(sample(9)))).toThrow(ProtocolError);
    // An int column read as a 3-byte cell: the decoder refuses it; reading ends there.
    const cells = cellTable(result);
    cells[1] = 3;
    const reader = new RowReader(result, COLUMNS, undefined, cells);
    expect(() => reader.next()).toThrow(ProtocolError);
    expect(reader.remaining).toBe(0);
  });
});
