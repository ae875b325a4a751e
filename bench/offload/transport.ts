// How decoded rows should come back from an offload worker (issue 6): the main-thread cost of
// each transport for one ~5 MB page, against decoding the page inline. Single process, no
// server; prints one line per measurement.
//
//   node --import tsx bench/offload/transport.ts
//
// - inline decodeRows: what the main thread does without offload.
// - structured clone of row objects: v8.deserialize of the rows a worker would post (the
//   receiving side's cost; the worker pays serialize).
// - cell table → rows: what cqlwire does: the worker sends the body back (transferred) with
//   an Int32Array of cell offsets; the main thread builds rows with the compiled decoders.
// - strings cloned from the worker: the text column decoded in the worker and posted as a
//   string[] (clone), the rest from the cell table.
import v8 from 'node:v8';
import { cellTable, decodeRows, rowsResultFromValues, type ColumnSpec, type DataType } from '../../protocol/index.js';
import { WorkerRows } from '../../src/offload/pool.js';
import { decodeResultRows } from '../../src/results/page-rows.js';

const spec = (name: string, type: DataType): ColumnSpec => ({ keyspace: 'k', table: 't', name, type });

function time(label: string, fn: () => unknown, reps = 20): void {
  for (let i = 0; i < 3; i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  console.log(`${label.padEnd(48)} ${((performance.now() - t0) / reps).toFixed(2)} ms`);
}

for (const [label, bytes, n, kind] of [
  ['1 KB text rows', 1000, 5000, 'text'],
  ['50 KB text rows', 50_000, 100, 'text'],
  ['1 KB blob rows', 1000, 5000, 'blob'],
] as const) {
  const columns = [spec('id', { kind: 'bigint' }), spec('seq', { kind: 'int' }), spec('payload', { kind })];
  const values = Array.from({ length: n }, (_, i) => [BigInt(i), i, kind === 'blob' ? Buffer.alloc(bytes, i & 255) : 'x'.repeat(bytes - 10) + String(i).padStart(10, '0')]);
  const result = rowsResultFromValues({ columnCount: 3, columns }, values);
  console.log(`--- ${label}: ${n} rows, ${result.rowsContent.length} bytes`);
  // Warm-up compiles the column decoders once; decodeRows keeps them for these columns.
  time('inline decodeRows', () => decodeRows(result, columns));
  const decoded = decodeRows(result, columns);
  const serialized = v8.serialize(decoded);
  time('structured clone of row objects (receive)', () => v8.deserialize(serialized));
  time('structured clone of row objects (send, worker)', () => v8.serialize(decoded));
  const located = new WorkerRows(result, cellTable(result), null);
  time('cell table -> rows (cqlwire)', () => decodeResultRows(located, columns, Infinity));
  if (kind === 'text') {
    const strings = v8.serialize(values.map((v) => v[2]));
    time('strings cloned from the worker (receive)', () => v8.deserialize(strings));
  }
}
