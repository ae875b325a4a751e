// CSV and NDJSON on top of scan and executeConcurrent: a table out to a stream (with a
// checkpoint that only ever names rows already flushed to the stream), and a stream into a table.
// Values are written as text a reader can take back, by their column's CQL type (text-values.ts):
// bigints as decimal strings, blobs as 0x hex, timestamps as ISO 8601, durations as ISO 8601,
// collections as JSON. In CSV, null is an empty field and the empty string a quoted one ("").
import type { Readable, Writable } from 'node:stream';
import { InvalidArgumentError } from '../errors/driver-errors.js';
import type { Row } from '../results/page.js';
import { executeConcurrent, type ConcurrentResult } from './concurrent.js';
import { scanTable } from './scan.js';
import type { BulkSession } from './session.js';
import { valueText, type ValueText } from './text-values.js';
import type { ConcurrentOptions, ScanCheckpoint, ScanOptions } from '../session/options.js';

/** A format of export and import. */
export type BulkFormat = 'csv' | 'ndjson';

/** Options of {@link exportTable}. */
export interface ExportOptions extends ScanOptions {
  /** `csv` (a header line, then one line per row) or `ndjson` (one JSON object per line). */
  readonly format: BulkFormat;
  /** Told, after the rows before it were flushed to `out`, a checkpoint to persist (about once a second). */
  readonly onCheckpoint?: (checkpoint: ScanCheckpoint, rows: number) => void | Promise<void>;
  /** Least milliseconds between checkpoints (default 1000; one is taken every 1000 rows at most). */
  readonly checkpointIntervalMs?: number;
  /** Write the CSV header (default true; false when appending to a resumed export). */
  readonly header?: boolean;
}

/** Write every row of a table to `out`; resolves with the number of rows written. */
export async function exportTable(client: BulkSession, keyspace: string, table: string, out: Writable, options: ExportOptions): Promise<number> {
  if (options.format !== 'csv' && options.format !== 'ndjson') throw new InvalidArgumentError(`options.format must be 'csv' or 'ndjson', got ${String(options.format)}`);
  const meta = client.metadata.table(keyspace, table);
  if (meta === undefined) throw new InvalidArgumentError(`table ${keyspace}.${table} is not in the metadata`);
  const columns = options.columns ?? [...meta.partitionKey, ...meta.clusteringKey, ...[...meta.columns.values()].filter((c) => c.kind === 'regular' || c.kind === 'static')].map((c) => c.name);
  const scan = scanTable<Row>(client, keyspace, table, { ...options, columns });
  const csv = options.format === 'csv';
  const texts = columnTexts(client, keyspace, table, columns);
  let buffered = '';
  let rows = 0;
  let lastCheckpoint = performance.now();
  const flush = async (): Promise<void> => {
    if (buffered === '') return;
    const chunk = buffered;
    buffered = '';
    // Wait for the stream: memory stays bounded by its highWaterMark (backpressure).
    if (!out.write(chunk)) await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      out.once('error', onError);
      out.once('drain', () => {
        out.off('error', onError);
        resolve();
      });
    });
  };
  /** The checkpoint of now, persisted once everything before it has left the process. */
  const checkpoint = async (): Promise<void> => {
    if (options.onCheckpoint === undefined) return;
    const cp = scan.checkpoint();
    const n = rows;
    await flush();
    await new Promise<void>((resolve, reject) => out.write('', (err) => (err ? reject(err) : resolve())));
    await options.onCheckpoint(cp, n);
  };
  if (csv && options.header !== false) buffered += columns.map(csvField).join(',') + '\n';
  for await (const row of scan) {
    const r = row as Record<string, unknown>;
    buffered += csv ? columns.map((c, i) => csvField(texts[i]!.toField(r[c]))).join(',') + '\n' : JSON.stringify(Object.fromEntries(columns.map((c, i) => [c, texts[i]!.toJson(r[c])]))) + '\n';
    rows++;
    if (buffered.length >= 64 * 1024) await flush();
    if (options.onCheckpoint !== undefined && rows % 1000 === 0 && performance.now() - lastCheckpoint >= (options.checkpointIntervalMs ?? 1000)) {
      lastCheckpoint = performance.now();
      await checkpoint();
    }
  }
  await flush();
  await checkpoint();
  return rows;
}

/** Options of {@link importTable}. */
export interface ImportOptions extends ConcurrentOptions {
  /** `csv` (the first line names the columns) or `ndjson`. */
  readonly format: BulkFormat;
  /** Columns of the CSV when it has no header line. */
  readonly columns?: readonly string[];
}

/** Insert every record of `input` into a table with executeConcurrent. */
export async function importTable(client: BulkSession, keyspace: string, table: string, input: Readable, options: ImportOptions): Promise<ConcurrentResult> {
  if (options.format !== 'csv' && options.format !== 'ndjson') throw new InvalidArgumentError(`options.format must be 'csv' or 'ndjson', got ${String(options.format)}`);
  const meta = client.metadata.table(keyspace, table);
  if (meta === undefined) throw new InvalidArgumentError(`table ${keyspace}.${table} is not in the metadata`);
  const records = options.format === 'csv' ? csvRecords(input) : ndjsonRecords(input);
  let columns = options.columns;
  const first = await records.next();
  if (first.done === true) return { total: 0, succeeded: 0, failed: 0, errors: [], results: undefined, elapsedMs: 0 };
  let pending: unknown = first.value;
  if (options.format === 'csv' && columns === undefined) {
    columns = (first.value as (string | null)[]).map((c) => c ?? '');
    pending = undefined;
  }
  if (options.format === 'ndjson' && columns === undefined) columns = Object.keys(first.value as object);
  const cols = columns!;
  for (const c of cols) if (!meta.columns.has(c)) throw new InvalidArgumentError(`column ${c} is not a column of ${keyspace}.${table}`);
  const texts = columnTexts(client, keyspace, table, cols);
  const quote = (n: string): string => `"${n.replaceAll('"', '""')}"`;
  const cql = `INSERT INTO ${quote(keyspace)}.${quote(table)} (${cols.map(quote).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
  const csv = options.format === 'csv';
  const toParams = (rec: unknown): unknown[] => (csv ? (rec as (string | null)[]).map((f, i) => texts[i]!.fromField(f)) : cols.map((c, i) => texts[i]!.fromJson((rec as Record<string, unknown>)[c])));
  async function* params(): AsyncGenerator<unknown[]> {
    if (pending !== undefined) yield toParams(pending);
    for await (const rec of records) yield toParams(rec);
  }
  const { format, columns: _columns, ...concurrent } = options;
  void format, _columns;
  return executeConcurrent(client, cql, params(), { idempotent: true, ...concurrent });
}

/** How each column's values are written and read back, by its CQL type. */
function columnTexts(client: BulkSession, keyspace: string, table: string, columns: readonly string[]): ValueText[] {
  const meta = client.metadata.table(keyspace, table);
  // A column the metadata does not name (an expression): its values are guessed from JS.
  return columns.map((c) => valueText(meta?.columns.get(c)?.type ?? '', keyspace, client.metadata));
}

/** A CSV field: null is the empty field, the empty string `""`; quoted when it holds a comma, quote or line break. */
function csvField(s: string | null): string {
  if (s === null) return '';
  return s === '' ? '""' : /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Lines of a stream, without their \n (and without a \r before it unless `keepCr`). */
async function* lines(input: Readable, keepCr = false): AsyncGenerator<string> {
  let rest = '';
  input.setEncoding('utf8');
  for await (const chunk of input as AsyncIterable<string>) {
    rest += chunk;
    let at: number;
    while ((at = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, at);
      yield keepCr ? line : line.replace(/\r$/, '');
      rest = rest.slice(at + 1);
    }
  }
  if (rest !== '') yield rest;
}

async function* ndjsonRecords(input: Readable): AsyncGenerator<unknown> {
  let n = 0;
  for await (const line of lines(input)) {
    n++;
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line) as unknown;
    } catch (err) {
      throw new InvalidArgumentError(`line ${n} is not JSON: ${(err as Error).message}`);
    }
  }
}

/**
 * CSV records (RFC 4180: quoted fields may hold commas, quotes and line breaks). An empty
 * unquoted field is null; a quoted one (`""`) is the empty string.
 */
async function* csvRecords(input: Readable): AsyncGenerator<(string | null)[]> {
  let fields: (string | null)[] = [];
  let field = '';
  let quoted = false;
  let inQuotes = false;
  for await (const line of lines(input, true)) {
    if (!inQuotes && (line === '' || line === '\r') && fields.length === 0) continue;
    if (inQuotes) field += '\n';
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (inQuotes) {
        if (ch === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i++;
          } else inQuotes = false;
        } else field += ch;
      } else if (ch === '"' && field === '' && !quoted) {
        inQuotes = quoted = true;
      } else if (ch === ',') {
        fields.push(quoted || field !== '' ? field : null);
        field = '';
        quoted = false;
      } else field += ch;
    }
    if (inQuotes) continue;
    // The \r of a CRLF line end was read as part of the last (unquoted) field; one inside
    // quotes is the value's own and stays.
    if (line.endsWith('\r')) field = field.slice(0, -1);
    fields.push(quoted || field !== '' ? field : null);
    yield fields;
    fields = [];
    field = '';
    quoted = false;
  }
  if (inQuotes) throw new InvalidArgumentError('CSV input ends inside a quoted field');
}
