// `codec` suite: the protocol codec alone, no sockets.
//  - decode-rows-1000: one v4 RESULT Rows frame of 1000 rows (int, text, bigint, uuid, timestamp,
//    double) from raw bytes to row objects; rows/s and MB/s. cqlwire: FrameDecoder + decodeResponse
//    + decodeRows. cassandra-driver 4.10: its own Protocol (frame splitting) and Parser (metadata
//    + Row objects through its Encoder), called synchronously with stream plumbing bypassed.
//  - encode-execute-5: one EXECUTE frame with 5 bound values (int, text, bigint, uuid, timestamp)
//    from JS values; ops/s. cqlwire: EncodedValues + writeRequestFrame into a reused Writer (as
//    the connection does). cassandra-driver: ExecuteRequest.write (a new Buffer per frame, as it does).
// The process is pinned to one CPU (taskset) for the suite; each scenario's contestants are
// warmed up, then measured in interleaved runs (A1 B1 A2 B2 ...) with the CPU other processes
// took during each run recorded (a disturbed run is repeated); medians, ranges, and the
// cqlwire / cassandra-driver ratios run by run.
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
import { describeBuild } from '../lib/load-runner.js';
import { timeOnce, warmUp, type Repeat } from '../lib/measure.js';
import { allowedCpus, pinSelf, planPinning } from '../lib/pinning.js';
import { resultRow, type RatioRow, type ResultRow, type RunRow } from '../lib/result.js';
import { loadSummary, pairRatios, runInterleaved, spread } from '../lib/runs.js';
import type { Suite, SuiteContext, SuiteOutput } from '../lib/suite.js';

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

/** One codec operation of one driver, measured interleaved with the others of its scenario. */
interface Contestant {
  readonly driver: string;
  readonly scenario: string;
  readonly op: () => unknown;
  /** Rows per op (decode), for rows/s. */
  readonly rows: number;
  /** Bytes per op (decode), for MB/s. */
  readonly bytes: number;
  /** Time each op (decode: ~1 ms ops; encode ops are too short for the timer). */
  readonly latency: boolean;
}

function plan(ctx: SuiteContext): { warmupMs: number; runs: number; runMs: number } {
  return { warmupMs: ctx.quick ? 300 : 2000, runs: ctx.runs ?? (ctx.quick ? 3 : 5), runMs: (ctx.seconds ?? (ctx.quick ? 0.4 : 2)) * 1000 };
}

const suite: Suite = {
  name: 'codec',
  description: 'protocol codec alone: RESULT Rows decode (1000 rows × 6 columns), EXECUTE encode (5 values); pinned, interleaved',
  estimate(ctx) {
    const p = plan(ctx);
    // 5 contestants (3 decoders, 2 encoders): warm-up each, then the interleaved runs.
    return { seconds: (5 * (p.warmupMs + p.runs * p.runMs)) / 1000 + 5, note: `5 codec operations × ${p.runs} interleaved runs of ${p.runMs / 1000} s` };
  },
  async driverVersions() {
    return { 'cassandra-driver': benchPackageVersion('cassandra-driver') };
  },
  async run(ctx: SuiteContext): Promise<SuiteOutput> {
    const p = plan(ctx);
    const cd = loadCassandraDriver();
    if (cd === undefined) ctx.log(`cassandra-driver not found in bench/node_modules: measuring cqlwire only (${INSTALL_HINT})`);

    // --- decode
    const bytes = rowsFrame();
    ctx.log(`decode-rows-1000: frame of ${bytes.length} bytes (${ROWS} rows × ${COLUMNS.length} columns, protocol v4)`);
    const asObjects = cqlwireDecoder(false);
    const asArrays = cqlwireDecoder(true);
    const decode: Contestant[] = [
      { driver: 'cqlwire', scenario: 'decode-rows-1000', op: () => asObjects(bytes), rows: ROWS, bytes: bytes.length, latency: true },
      { driver: 'cqlwire', scenario: 'decode-rows-1000-arrays', op: () => asArrays(bytes), rows: ROWS, bytes: bytes.length, latency: true },
    ];
    if (cd !== undefined) {
      const dec = cdDecoder(cd);
      decode.push({ driver: 'cassandra-driver', scenario: 'decode-rows-1000', op: () => dec(bytes), rows: ROWS, bytes: bytes.length, latency: true });
    }
    for (const c of decode) check(c.driver, c.op() as unknown[]);

    // --- encode
    const encoders = EXEC_COLUMNS.map((c) => compileEncoder(c.type));
    const w = new Writer(4096);
    const cqlwireEncode = (): number => {
      w.offset = 0;
      writeRequestFrame(w, 4, 1, { opcode: Opcode.EXECUTE, queryId: QUERY_ID, params: { consistency: 1, values: new EncodedValues(encoders, EXEC_VALUES) } });
      return w.offset;
    };
    const encode: Contestant[] = [{ driver: 'cqlwire', scenario: 'encode-execute-5', op: cqlwireEncode, rows: 0, bytes: 0, latency: false }];
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
      encode.push({ driver: 'cassandra-driver', scenario: 'encode-execute-5', op: cdEncode, rows: 0, bytes: 0, latency: false });
    }

    // Pinned to one CPU for the whole suite (this process does the work: nothing else to separate
    // it from), so the scheduler cannot move it and other work on the other CPUs cannot slow it.
    const pin = planPinning(['codec benchmark (this process)']);
    const restore = allowedCpus().join(',');
    let readBack: string | undefined;
    if (pin.cpus !== null) readBack = pinSelf(String(pin.cpus[0]));
    ctx.log(`pinning: ${pin.description}${readBack !== undefined ? `; read back: CPUs ${readBack}` : ''}`);
    const cpus = pin.cpus ?? allowedCpus();

    const results: ResultRow[] = [];
    const ratios: RatioRow[] = [];
    const runRows: RunRow[] = [];
    const key = (c: Contestant): string => (c.scenario === 'decode-rows-1000' || c.scenario === 'encode-execute-5' ? c.driver : `${c.driver} (${c.scenario})`);
    try {
      for (const group of [decode, encode]) {
        for (const c of group) warmUp(c.op, p.warmupMs);
        const byKey = new Map(group.map((c) => [key(c), c]));
        const recs = await runInterleaved<Repeat>({
          scenario: group[0]!.scenario,
          contestants: [...byKey.keys()],
          runs: p.runs,
          once: async (who) => {
            const c = byKey.get(who)!;
            return timeOnce(c.op, p.runMs, c.latency);
          },
          pids: [],
          cpus,
          maxOtherCores: ctx.maxOtherCores,
          maxAttempts: ctx.maxAttempts,
          describe: (who, r) => {
            const c = byKey.get(who)!;
            return c.rows > 0
              ? `${Math.round(r.opsPerSec * c.rows).toLocaleString('en-US').padStart(10)} rows/s  cpu ${r.cpuUsPerOp.toFixed(1)} µs/op`
              : `${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(10)} ops/s  cpu ${r.cpuUsPerOp.toFixed(3)} µs/op`;
          },
          log: ctx.log,
        });
        for (const [who, c] of byKey) {
          const mine = recs.filter((r) => r.who === who);
          const ops = spread(mine.map((r) => r.value.opsPerSec));
          const cpu = spread(mine.map((r) => r.value.cpuUsPerOp));
          const p99 = c.latency ? spread(mine.map((r) => r.value.p99Ms!)) : null;
          results.push(
            resultRow({
              suite: 'codec',
              scenario: c.scenario,
              driver: c.driver,
              compression: 'none',
              opsPerSec: ops.median,
              opsPerSecMin: ops.min,
              opsPerSecMax: ops.max,
              ...(c.rows > 0 ? { rowsPerSec: ops.median * c.rows, mbPerSec: (ops.median * c.bytes) / 1e6 } : {}),
              cpuUsPerOp: cpu.median,
              cpuUsPerOpMin: cpu.min,
              cpuUsPerOpMax: cpu.max,
              ...(p99 !== null ? { p50Ms: spread(mine.map((r) => r.value.p50Ms!)).median, p99Ms: p99.median, p99MsMin: p99.min, p99MsMax: p99.max } : {}),
              rssMb: Math.round(process.memoryUsage.rss() / 2 ** 20),
              repeats: mine.length,
              ...loadSummary(mine),
              cpus: readBack ?? cpus.join(','),
            }),
          );
          for (const r of mine) {
            runRows.push({ scenario: c.scenario, driver: c.driver, run: r.run, attempts: r.attempts, noisy: r.noisy, opsPerSec: Math.round(r.value.opsPerSec), cpuUsPerOp: Math.round(r.value.cpuUsPerOp * 1000) / 1000, p99Ms: r.value.p99Ms, ...r.load });
          }
        }
        if (byKey.has('cqlwire') && byKey.has('cassandra-driver')) {
          ratios.push({
            scenario: group[0]!.scenario,
            a: 'cqlwire',
            b: 'cassandra-driver',
            opsPerSec: pairRatios(recs, 'cqlwire', 'cassandra-driver', (v) => v.opsPerSec),
            cpuUsPerOp: pairRatios(recs, 'cqlwire', 'cassandra-driver', (v) => v.cpuUsPerOp),
            p99Ms: pairRatios(recs, 'cqlwire', 'cassandra-driver', (v) => v.p99Ms),
          });
        }
      }
    } finally {
      if (pin.cpus !== null) pinSelf(restore);
    }
    return {
      results,
      ratios,
      runs: runRows,
      setup: {
        command: ctx.command,
        pinning: `${pin.description}${readBack !== undefined ? `; read back: CPUs ${readBack}` : ''}`,
        runs: p.runs,
        seconds: p.runMs / 1000,
        maxOtherCores: ctx.maxOtherCores,
        maxAttempts: ctx.maxAttempts,
        notes: [(await describeBuild()).replace('cqlwire built from', 'protocol/ (run through tsx) from'), `warm-up ${p.warmupMs / 1000} s per operation; all in this one process (CPU µs/op from process.cpuUsage over each run)`],
      },
    };
  },
};

export default suite;
