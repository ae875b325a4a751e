// `codec` suite: the protocol codec alone, no sockets.
//  - decode-rows-1000: one v4 RESULT Rows frame of 1000 rows (int, text, bigint, uuid, timestamp,
//    double) from raw bytes to row objects; rows/s and MB/s. cqlwire: FrameDecoder + decodeResponse
//    + decodeRows. cassandra-driver 4.10: its own Protocol (frame splitting) and Parser (metadata
//    + Row objects through its Encoder), called synchronously with stream plumbing bypassed.
//  - encode-execute-5: one EXECUTE frame with 5 bound values (int, text, bigint, uuid, timestamp)
//    from JS values; ops/s. cqlwire: EncodedValues + writeRequestFrame into a reused Writer (as
//    the connection does). cassandra-driver: ExecuteRequest.write (a new Buffer per frame, as it does).
import { createRequire } from 'node:module';
import {
  DataTypes,
  EncodedValues,
  FrameDecoder,
  Opcode,
  Writer,
  compileEncoder,
  decodeResponse,
  decodeRows,
  decodeRowsAsArrays,
  encodeResponseFrame,
  rowsResultFromValues,
  writeRequestFrame,
  type ColumnSpec,
  type Frame,
} from '../../protocol/index.js';
import { INSTALL_HINT, benchOptional, benchPackageVersion } from '../lib/drivers.js';
import { measure, type MeasureOptions } from '../lib/measure.js';
import { resultRow, type ResultRow } from '../lib/result.js';
import type { Suite, SuiteContext } from '../lib/suite.js';

const ROWS = 1000;
const COLUMNS: ColumnSpec[] = [
  { keyspace: 'bench', table: 'codec', name: 'id', type: DataTypes.int },
  { keyspace: 'bench', table: 'codec', name: 'name', type: DataTypes.text },
  { keyspace: 'bench', table: 'codec', name: 'counter', type: DataTypes.bigint },
  { keyspace: 'bench', table: 'codec', name: 'uid', type: DataTypes.uuid },
  { keyspace: 'bench', table: 'codec', name: 'created', type: DataTypes.timestamp },
  { keyspace: 'bench', table: 'codec', name: 'score', type: DataTypes.double },
];

function uuidOf(i: number): string {
  const h = (i * 2654435761) >>> 0;
  return `${h.toString(16).padStart(8, '0')}-1234-4abc-8def-${i.toString(16).padStart(12, '0')}`;
}

/** The v4 RESULT Rows frame both decoders read. */
export function rowsFrame(): Buffer {
  const rows = Array.from({ length: ROWS }, (_, i) => [
    i,
    `user-${i}-${'x'.repeat(i % 24)}`,
    BigInt(i) * 1_000_003n,
    uuidOf(i),
    new Date(1_700_000_000_000 + i * 1000),
    i / 7,
  ]);
  const result = rowsResultFromValues({ columnCount: COLUMNS.length, columns: COLUMNS, globalTableSpec: { keyspace: 'bench', table: 'codec' } }, rows);
  return encodeResponseFrame(4, 1, { opcode: Opcode.RESULT, result });
}

const QUERY_ID = Buffer.from('5d0cb9a0f1e2d3c4b5a6978877665544', 'hex');
const EXEC_COLUMNS = COLUMNS.slice(0, 5);
const EXEC_VALUES: readonly unknown[] = [42, 'hello, cassandra', 1_234_567_890_123n, uuidOf(7), new Date(1_700_000_000_000)];

// --- cassandra-driver internals (CommonJS, no types): the minimal shapes used here.
interface CdProtocol {
  readItems(chunk: Buffer): void;
  push(item: unknown): boolean;
}
interface CdParser {
  _transform(item: unknown, encoding: string | null, cb: (err?: Error | null) => void): void;
  push(item: unknown): boolean;
}
interface CdModules {
  Protocol: new (opts: object) => CdProtocol;
  Parser: new (opts: object, encoder: unknown) => CdParser;
  Encoder: new (version: number, options: object) => unknown;
  ExecuteRequest: new (query: string, id: Buffer, params: unknown[], options: unknown, meta: unknown) => { write(encoder: unknown, stream: number): Buffer };
  ExecutionOptions: { empty(): unknown };
}

function loadCassandraDriver(): CdModules | undefined {
  if (benchOptional('cassandra-driver/package.json') === undefined) return undefined;
  const req = createRequire(new URL('../package.json', import.meta.url));
  const streams = req('cassandra-driver/lib/streams.js') as { Protocol: CdModules['Protocol']; Parser: CdModules['Parser'] };
  const requests = req('cassandra-driver/lib/requests.js') as { ExecuteRequest: CdModules['ExecuteRequest'] };
  const execOpts = req('cassandra-driver/lib/execution-options.js') as { ExecutionOptions: CdModules['ExecutionOptions'] };
  return {
    Protocol: streams.Protocol,
    Parser: streams.Parser,
    Encoder: req('cassandra-driver/lib/encoder.js') as CdModules['Encoder'],
    ExecuteRequest: requests.ExecuteRequest,
    ExecutionOptions: execOpts.ExecutionOptions,
  };
}

/** The driver's client defaults for encoding, plus BigInt for bigint (what cqlwire returns). */
const CD_ENCODING = { encoding: { copyBuffer: true, useUndefinedAsUnset: true, useBigIntAsLong: true } };

/** Decode one frame with cassandra-driver's Protocol + Parser, synchronously; returns the rows. */
function cdDecoder(cd: CdModules): (bytes: Buffer) => unknown[] {
  const encoder = new cd.Encoder(4, CD_ENCODING);
  return (bytes) => {
    const items: unknown[] = [];
    const rows: unknown[] = [];
    const protocol = new cd.Protocol({ objectMode: true });
    protocol.push = (item) => items.push(item) > 0;
    const parser = new cd.Parser({ objectMode: true }, encoder);
    parser.push = (item) => {
      const row = (item as { row?: unknown }).row;
      if (row !== undefined) rows.push(row);
      return true;
    };
    protocol.readItems(bytes);
    for (const item of items) parser._transform(item, null, (err) => {
      if (err) throw err;
    });
    return rows;
  };
}

function cqlwireDecoder(asArrays: boolean): (bytes: Buffer) => unknown[] {
  return (bytes) => {
    const dec = new FrameDecoder();
    dec.push(bytes);
    const frame = dec.next() as Frame;
    const res = decodeResponse(frame).message;
    if (res.opcode !== Opcode.RESULT || res.result.kind !== 'rows') throw new Error('not a rows result');
    return asArrays ? decodeRowsAsArrays(res.result) : decodeRows(res.result);
  };
}

function check(driver: string, rows: unknown[]): void {
  if (rows.length !== ROWS) throw new Error(`${driver} decoded ${rows.length} rows, expected ${ROWS}`);
  const last = rows[ROWS - 1] as Record<string, unknown> | unknown[];
  const id = Array.isArray(last) ? last[0] : last.id;
  if (id !== ROWS - 1) throw new Error(`${driver} decoded a wrong last row id ${String(id)}`);
}

const suite: Suite = {
  name: 'codec',
  description: 'protocol codec alone: RESULT Rows decode (1000 rows × 6 columns), EXECUTE encode (5 values)',
  async driverVersions() {
    return { 'cassandra-driver': benchPackageVersion('cassandra-driver') };
  },
  async run(ctx: SuiteContext): Promise<ResultRow[]> {
    const opts: MeasureOptions = ctx.quick ? { warmupMs: 300, repeatMs: 400, repeats: 3 } : { warmupMs: 2000, repeatMs: 2000, repeats: 5 };
    const cd = loadCassandraDriver();
    if (cd === undefined) ctx.log(`cassandra-driver not found in bench/node_modules: measuring cqlwire only (${INSTALL_HINT})`);
    const out: ResultRow[] = [];
    const base = { suite: 'codec', compression: 'none' } as const;

    // --- decode
    const bytes = rowsFrame();
    const mb = bytes.length / 1e6;
    ctx.log(`decode-rows-1000: frame of ${bytes.length} bytes (${ROWS} rows × ${COLUMNS.length} columns, protocol v4)`);
    const decoders: [string, string, (b: Buffer) => unknown[]][] = [
      ['decode-rows-1000', 'cqlwire', cqlwireDecoder(false)],
      ['decode-rows-1000-arrays', 'cqlwire', cqlwireDecoder(true)],
    ];
    if (cd !== undefined) decoders.push(['decode-rows-1000', 'cassandra-driver', cdDecoder(cd)]);
    for (const [scenario, driver, decode] of decoders) {
      check(driver, decode(bytes));
      const m = measure(() => decode(bytes), { ...opts, latency: true });
      ctx.log(`  ${driver.padEnd(17)} ${scenario.padEnd(24)} ${Math.round(m.opsPerSec * ROWS).toLocaleString('en-US')} rows/s, ${(m.opsPerSec * mb).toFixed(1)} MB/s`);
      out.push(resultRow({ ...base, scenario, driver, ...m, rowsPerSec: m.opsPerSec * ROWS, mbPerSec: m.opsPerSec * mb }));
    }

    // --- encode
    const encoders = EXEC_COLUMNS.map((c) => compileEncoder(c.type));
    const w = new Writer(4096);
    const cqlwireEncode = (): number => {
      w.offset = 0;
      writeRequestFrame(w, 4, 1, { opcode: Opcode.EXECUTE, queryId: QUERY_ID, params: { consistency: 1, values: new EncodedValues(encoders, EXEC_VALUES) } });
      return w.offset;
    };
    const encoders2: [string, () => unknown][] = [['cqlwire', cqlwireEncode]];
    if (cd !== undefined) {
      const encoder = new cd.Encoder(4, CD_ENCODING);
      const typeCodes = { int: 0x09, text: 0x0d, bigint: 0x02, uuid: 0x0c, timestamp: 0x0b } as const;
      const meta = { columns: EXEC_COLUMNS.map((c) => ({ name: c.name, type: { code: typeCodes[c.type.kind as keyof typeof typeCodes], info: null } })) };
      const params = [...EXEC_VALUES];
      const cdEncode = (): Buffer => new cd.ExecuteRequest('INSERT', QUERY_ID, params, cd.ExecutionOptions.empty(), meta).write(encoder, 1);
      // Same bytes from both (the driver writes a v4 header with the same flags).
      const a = Buffer.from(w.buf.subarray(0, cqlwireEncode()));
      const b = cdEncode();
      if (!a.equals(b)) throw new Error(`EXECUTE frames differ:\n cqlwire ${a.toString('hex')}\n driver  ${b.toString('hex')}`);
      encoders2.push(['cassandra-driver', cdEncode]);
    }
    for (const [driver, encode] of encoders2) {
      const m = measure(encode, opts);
      ctx.log(`  ${driver.padEnd(17)} encode-execute-5         ${Math.round(m.opsPerSec).toLocaleString('en-US')} ops/s`);
      out.push(resultRow({ ...base, scenario: 'encode-execute-5', driver, ...m }));
    }
    return out;
  },
};

export default suite;
