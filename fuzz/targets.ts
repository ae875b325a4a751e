// Fuzz targets: every decoder of protocol/ fed arbitrary and mutated bytes. Each input's first
// byte is a mode byte (compressor, version, flags...) so one file reproduces a case exactly.
import fc from 'fast-check';
import { BigDecimal, DataTypes, Duration, FrameDecoder, FrameFlag, LocalDate, LocalTime, Opcode, ProtocolError, Reader, SegmentDecoder, Writer, compileDecoder, completeDeferredFrame, compressV4Body, decodeRequest, decodeResponse, decodeRows, decodeRowsAsArrays, decodeRowsRaw, decompressV4Body, encodeFrame, encodeSegments, encodeValue, formatCqlType, lz4Compressor, parseCqlType, parseMarshalType, readTypeOption, rowsResultFromValues, segmentCrc32, toMarshalType, writeRequestFrame, writeResponseFrame, writeTypeOption, type ColumnSpec, type DataType, type Frame, type Request, type RequestFrameLike, type Response, type ResponseEnvelope } from '../protocol/index.js';
// Decoders below the package API, fuzzed directly.
import { crc24 } from '../protocol/crc.js';
import { lz4Decompress } from '../protocol/lz4.js';
import { rowsByteLength } from '../protocol/messages/response/rows.js';
import { dataTypeArb, typedValueArb } from '../test/protocol/types-arbitraries.js';
import { chunksOf, type FuzzTarget } from './engine.js';

export type { FuzzTarget };

type Version = 4 | 5;

// ------------------------------------------------------------------------------ sample messages

const QUERY_ID = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
const META_ID = Buffer.from('fedcba9876543210', 'hex');

function sampleRequests(version: Version): Request[] {
  const values = [Buffer.of(0, 0, 0, 42), null, Buffer.from('hello'), Buffer.alloc(8, 1)];
  return [
    { opcode: Opcode.STARTUP, options: { CQL_VERSION: '3.0.0', COMPRESSION: 'lz4', DRIVER_NAME: 'cqlwire' } },
    { opcode: Opcode.OPTIONS },
    {
      opcode: Opcode.QUERY,
      query: 'SELECT * FROM ks.t WHERE k = ?',
      params: { consistency: 1, values, pageSize: 5000, pagingState: Buffer.of(1, 2, 3), serialConsistency: 9, defaultTimestamp: 1_700_000_000_000_000n },
    },
    { opcode: Opcode.QUERY, query: 'SELECT a FROM t', params: { consistency: 6, values: { names: ['a', 'b'], values: [Buffer.of(1), null] }, skipMetadata: true } },
    ...(version === 5 ? [{ opcode: Opcode.QUERY, query: 'SELECT now()', params: { consistency: 10, keyspace: 'ks', nowInSeconds: 1234 } } satisfies Request] : []),
    { opcode: Opcode.PREPARE, query: 'INSERT INTO t (a, b) VALUES (?, ?)', ...(version === 5 ? { keyspace: 'ks' } : {}) },
    {
      opcode: Opcode.EXECUTE,
      queryId: QUERY_ID,
      ...(version === 5 ? { resultMetadataId: META_ID } : {}),
      params: { consistency: 4, values, pageSize: 100 },
    },
    {
      opcode: Opcode.BATCH,
      type: 1,
      consistency: 1,
      serialConsistency: 8,
      timestamp: 42n,
      statements: [
        { kind: 'query', query: 'INSERT INTO t (a) VALUES (?)', values: [Buffer.of(1)] },
        { kind: 'prepared', id: QUERY_ID, values: [null, Buffer.of(2, 3)] },
      ],
    },
    { opcode: Opcode.REGISTER, events: ['TOPOLOGY_CHANGE', 'STATUS_CHANGE', 'SCHEMA_CHANGE'] },
    { opcode: Opcode.AUTH_RESPONSE, token: Buffer.from('\0cassandra\0cassandra') },
  ];
}

const ROW_COLUMNS: ColumnSpec[] = [
  { keyspace: 'ks', table: 't', name: 'id', type: DataTypes.int },
  { keyspace: 'ks', table: 't', name: 'name', type: DataTypes.text },
  { keyspace: 'ks', table: 't', name: 'big', type: DataTypes.bigint },
  { keyspace: 'ks', table: 't', name: 'u', type: DataTypes.uuid },
  { keyspace: 'ks', table: 't', name: 'ts', type: DataTypes.timestamp },
  { keyspace: 'ks', table: 't', name: 'tags', type: DataTypes.map(DataTypes.text, DataTypes.list(DataTypes.int)) },
  { keyspace: 'ks', table: 't', name: 'v', type: DataTypes.vector(DataTypes.float, 3) },
];

function sampleResponses(version: Version): Response[] {
  const rows = rowsResultFromValues(
    { columnCount: ROW_COLUMNS.length, columns: ROW_COLUMNS, globalTableSpec: { keyspace: 'ks', table: 't' }, pagingState: Buffer.of(9, 9) },
    [
      [1, 'one', 1n, '00112233-4455-6677-8899-aabbccddeeff', new Date(0), { a: [1, 2] }, Float32Array.of(1, 2, 3)],
      [2, null, -5n, null, new Date(1_700_000_000_000), {}, null],
    ],
  );
  const perColumn = rowsResultFromValues({ columnCount: 2, columns: ROW_COLUMNS.slice(0, 2) }, [[7, 'x']]);
  return [
    { opcode: Opcode.READY },
    { opcode: Opcode.AUTHENTICATE, authenticator: 'org.apache.cassandra.auth.PasswordAuthenticator' },
    { opcode: Opcode.SUPPORTED, options: { CQL_VERSION: ['3.4.7'], COMPRESSION: ['lz4', 'snappy'], PROTOCOL_VERSIONS: ['4/v4', '5/v5'] } },
    { opcode: Opcode.ERROR, error: { kind: 'unavailable', code: 0x1000, message: 'Cannot achieve consistency', consistency: 4, required: 2, alive: 1 } },
    { opcode: Opcode.ERROR, error: { kind: 'writeTimeout', code: 0x1100, message: 'timeout', consistency: 1, received: 0, blockFor: 1, writeType: 'CAS', ...(version === 5 ? { contentions: 2 } : {}) } },
    { opcode: Opcode.ERROR, error: { kind: 'readTimeout', code: 0x1200, message: 'timeout', consistency: 1, received: 0, blockFor: 1, dataPresent: false } },
    {
      opcode: Opcode.ERROR,
      error: { kind: 'readFailure', code: 0x1300, message: 'fail', consistency: 1, received: 0, blockFor: 1, numFailures: 1, ...(version === 5 ? { reasonMap: [{ endpoint: '127.0.0.1', code: 1 }] } : {}), dataPresent: true },
    },
    { opcode: Opcode.ERROR, error: { kind: 'functionFailure', code: 0x1400, message: 'f', keyspace: 'ks', function: 'fn', argTypes: ['int', 'text'] } },
    { opcode: Opcode.ERROR, error: { kind: 'alreadyExists', code: 0x2400, message: 'exists', keyspace: 'ks', table: 't' } },
    { opcode: Opcode.ERROR, error: { kind: 'unprepared', code: 0x2500, message: 'unprepared', id: QUERY_ID } },
    { opcode: Opcode.ERROR, error: { kind: 'generic', code: 0x2200, message: 'Invalid query' } },
    { opcode: Opcode.RESULT, result: { kind: 'void' } },
    { opcode: Opcode.RESULT, result: rows },
    { opcode: Opcode.RESULT, result: perColumn },
    { opcode: Opcode.RESULT, result: { kind: 'setKeyspace', keyspace: 'ks' } },
    {
      opcode: Opcode.RESULT,
      result: {
        kind: 'prepared',
        id: QUERY_ID,
        ...(version === 5 ? { resultMetadataId: META_ID } : {}),
        metadata: { columns: ROW_COLUMNS.slice(0, 3), pkIndexes: [0], globalTableSpec: { keyspace: 'ks', table: 't' } },
        resultMetadata: { columnCount: ROW_COLUMNS.length, columns: ROW_COLUMNS, globalTableSpec: { keyspace: 'ks', table: 't' } },
      },
    },
    { opcode: Opcode.RESULT, result: { kind: 'schemaChange', change: 'CREATED', target: 'FUNCTION', keyspace: 'ks', name: 'f', argTypes: ['int'] } },
    { opcode: Opcode.EVENT, event: { type: 'TOPOLOGY_CHANGE', change: 'NEW_NODE', address: { address: '127.0.0.2', port: 9042 } } },
    { opcode: Opcode.EVENT, event: { type: 'STATUS_CHANGE', change: 'DOWN', address: { address: '::1', port: 9042 } } },
    { opcode: Opcode.EVENT, event: { type: 'SCHEMA_CHANGE', change: 'UPDATED', target: 'TABLE', keyspace: 'ks', name: 't' } },
    { opcode: Opcode.AUTH_CHALLENGE, token: Buffer.of(1, 2, 3) },
    { opcode: Opcode.AUTH_SUCCESS, token: null },
  ];
}

function requestFrame(version: Version, stream: number, req: Request, tracing = false): Buffer {
  const w = new Writer(256);
  writeRequestFrame(w, version, stream, req, tracing ? { tracing, customPayload: { k: Buffer.of(1) } } : undefined);
  return Buffer.from(w.finish());
}

function responseFrame(version: Version, stream: number, res: Response, withEnvelope = false): Buffer {
  const w = new Writer(256);
  writeResponseFrame(w, version, stream, res, withEnvelope ? { tracingId: '07070707-0707-0707-0707-070707070707', warnings: ['careful'], customPayload: { p: Buffer.of(2) } } : undefined);
  return Buffer.from(w.finish());
}

// ----------------------------------------------------------------------- decoding helpers

/**
 * Use a decoded value as an application would: print value classes (a huge scale or day count
 * must not blow up there either) and walk collections. Returns a coarse shape label.
 */
function consumeValue(v: unknown, depth = 0): string {
  if (v === null || typeof v !== 'object' || depth > 70) return typeof v;
  if (v instanceof BigDecimal || v instanceof Duration || v instanceof LocalDate || v instanceof LocalTime) {
    // Decimal text of a huge coefficient is BigInt's own (super-linear) cost, not the codec's.
    if (v instanceof BigDecimal && v.unscaled.toString(16).length > 2048) return 'BigDecimal:huge';
    const text = v.toString();
    if (v instanceof BigDecimal) v.toNumber();
    if (v instanceof LocalDate) v.toDate();
    return `${v.constructor.name}:${text.length > 40 ? 'long' : 'short'}`;
  }
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'date:invalid' : 'date';
  if (ArrayBuffer.isView(v)) return 'bytes';
  if (v instanceof Map) {
    for (const [k, x] of v) {
      consumeValue(k, depth + 1);
      consumeValue(x, depth + 1);
    }
    return 'map';
  }
  if (v instanceof Set || Array.isArray(v)) {
    for (const x of v) consumeValue(x, depth + 1);
    return 'list';
  }
  for (const x of Object.values(v)) consumeValue(x, depth + 1);
  return 'object';
}

/** Everything a client does with a decoded response: including decoding rows. */
function consumeResponse(env: ResponseEnvelope): string {
  const m = env.message;
  if (m.opcode === Opcode.RESULT && m.result.kind === 'rows') {
    const r = m.result;
    const n = rowsByteLength(r);
    decodeRowsRaw(r);
    if (r.metadata.columns !== undefined) {
      for (const row of decodeRows(r)) consumeValue(row);
      decodeRowsAsArrays(r, undefined, { int64FromBits: (lo, hi) => hi * 0x1_0000_0000 + (lo >>> 0) });
    }
    return `rows:${r.metadata.columns === undefined ? 'nometa' : 'meta'}:${n > 0 ? 'data' : 'empty'}`;
  }
  return `${m.opcode}:${m.opcode === Opcode.RESULT ? m.result.kind : ''}`;
}

/** Decode a frame as what its direction bit says it is. */
function consumeFrame(f: Frame): string {
  if (f.isResponse) return consumeResponse(decodeResponse(f));
  decodeRequest(f);
  return 'request';
}

/**
 * Pull every frame out of a decoder and decode it; `complete` finishes frames the decoder left
 * for the caller (deferred decompression / deferred segments), as a worker would.
 */
function drain(dec: { next(): Frame | null }, out: string[], complete?: (f: Frame) => void): void {
  for (let f = dec.next(); f !== null; f = dec.next()) {
    try {
      complete?.(f);
      out.push(consumeFrame(f));
    } catch (err) {
      // A frame whose body is malformed is the message decoder's business (typed error) and
      // must not break the stream; anything untyped propagates as a crash.
      if (!(err instanceof ProtocolError)) throw err;
      const cause: unknown = err.cause;
      if (cause !== undefined && !(cause instanceof ProtocolError)) throw err;
      out.push(err.code);
    }
  }
}

// ------------------------------------------------------------------------------------ targets

const MODE_COMPRESS = 1;
/** Mode bit 7: let the decoder defer large frames (decompression / segments) to the caller. */
const MODE_DEFER = 0x80;

/**
 * `frame`: FrameDecoder (v4/v5 unsegmented). Input: [mode][bytes received]; mode bit 0 = v4 LZ4
 * negotiated, the rest seeds the chunk split. Decoded frames go on to the message decoders.
 */
export const frameTarget: FuzzTarget = {
  name: 'frame',
  description: 'FrameDecoder + message decoders; [mode: bit0 lz4, bit7 defer decompression to the caller, rest split seed][stream bytes]',
  seeds() {
    const out: Buffer[] = [];
    for (const v of [4, 5] as const) {
      const stream = Buffer.concat([
        ...sampleResponses(v).map((r, i) => responseFrame(v, i, r, i % 3 === 0)),
        ...sampleRequests(v).map((r, i) => requestFrame(v, i, r, i % 2 === 0)),
      ]);
      out.push(Buffer.concat([Buffer.of(v << 1), stream]));
      // A few single frames, easier to mutate into something that parses.
      for (const r of sampleResponses(v).slice(0, 14)) out.push(Buffer.concat([Buffer.of(v << 2), responseFrame(v, 1, r)]));
    }
    // v4 compressed frames, decompressed by the decoder or (MODE_DEFER) by the caller.
    for (const r of sampleResponses(4).slice(10, 14)) {
      const plain = responseFrame(4, 3, r);
      const body = compressV4Body(lz4Compressor, plain.subarray(9));
      const frame = encodeFrame({ version: 4, isResponse: true, flags: FrameFlag.COMPRESSION, stream: 3, opcode: plain[4]! }, body);
      out.push(Buffer.concat([Buffer.of(MODE_COMPRESS), frame]), Buffer.concat([Buffer.of(MODE_COMPRESS | MODE_DEFER), frame]));
    }
    return out;
  },
  exec(input) {
    if (input.length === 0) return 'empty';
    const mode = input[0]!;
    const compressor = mode & MODE_COMPRESS ? lz4Compressor : undefined;
    const defer = (mode & MODE_DEFER) !== 0;
    const dec = new FrameDecoder({ compressor, maxFrameSize: 1 << 20, deferDecompressionFrom: defer ? 16 : undefined });
    const complete = (f: Frame): void => {
      if (compressor === undefined || (f.flags & FrameFlag.COMPRESSION) === 0 || f.version >= 5) return;
      f.body = decompressV4Body(compressor, f.body, 1 << 20);
      f.flags &= ~FrameFlag.COMPRESSION;
    };
    const seen: string[] = [];
    for (const c of chunksOf(input.subarray(1), mode >>> 1)) {
      dec.push(c);
      drain(dec, seen, defer ? complete : undefined);
    }
    return `${seen.length}:${seen[0] ?? ''}`;
  },
};

/**
 * Recompute every segment checksum of a (mutated) segment stream in place, so mutations of
 * lengths, flags and (compressed) payloads get past the CRCs to the code behind them.
 */
function reseal(input: Buffer, compressed: boolean): Buffer {
  const b = Buffer.from(input);
  const headerLength = compressed ? 8 : 6;
  const covered = compressed ? 5 : 3;
  let at = 0;
  while (at + headerLength <= b.length) {
    b.writeUIntLE(crc24(b, at, at + covered), at + covered, 3);
    const payloadLength = b[at]! | (b[at + 1]! << 8) | ((b[at + 2]! & 1) << 16);
    const end = at + headerLength + payloadLength;
    if (end + 4 > b.length) break;
    b.writeUInt32LE(segmentCrc32(b, at + headerLength, end), end);
    at = end + 4;
  }
  return b;
}

/**
 * `segment`: SegmentDecoder (v5 framing). Input: [mode][bytes]; bit 0 = LZ4 segments, bit 1 =
 * the bytes are frame bytes to be wrapped in valid segments first (reaches the frame splitting
 * behind the checksums), bit 2 = recompute the checksums of the (mutated) segments, the rest
 * seeds the chunk split.
 */
export const segmentTarget: FuzzTarget = {
  name: 'segment',
  description: 'SegmentDecoder + message decoders; [mode: bit0 lz4, bit1 wrap bytes in valid segments, bit2 recompute CRCs, bit7 defer large frames to completeDeferredFrame, rest split seed][bytes]',
  seeds() {
    const out: Buffer[] = [];
    const frames = [
      ...sampleResponses(5).map((r, i) => responseFrame(5, i, r, i % 4 === 0)),
      ...sampleRequests(5).map((r, i) => requestFrame(5, i, r)),
    ];
    const big = responseFrame(5, 9, {
      opcode: Opcode.RESULT,
      result: rowsResultFromValues(
        { columnCount: 2, columns: ROW_COLUMNS.slice(0, 2) },
        // Over 128 KiB, so it spans segments, in few rows (cheap to decode on every case).
        Array.from({ length: 3 }, (_, i) => [i, `row ${i} `.repeat(8000)]),
      ),
    });
    for (const compress of [false, true]) {
      const compressor = compress ? lz4Compressor : undefined;
      const m = compress ? MODE_COMPRESS : 0;
      out.push(Buffer.concat([Buffer.of(m), ...encodeSegments(frames, { compressor })]));
      out.push(Buffer.concat([Buffer.of(m | 4), ...encodeSegments(frames.slice(10, 14), { compressor })]));
      out.push(Buffer.concat([Buffer.of(m | 4 | 8), ...encodeSegments([big], { compressor })]));
      out.push(Buffer.concat([Buffer.of(m | 16), ...encodeSegments([big], { compressor })]));
      out.push(Buffer.concat([Buffer.of(m | 4 | MODE_DEFER), ...encodeSegments([big], { compressor })]));
      out.push(Buffer.concat([Buffer.of(m | 2), ...frames.slice(0, 12)]));
    }
    return out;
  },
  exec(input) {
    if (input.length === 0) return 'empty';
    const mode = input[0]!;
    const compressor = mode & MODE_COMPRESS ? lz4Compressor : undefined;
    let data = input.subarray(1);
    if (mode & 2) data = Buffer.concat(encodeSegments(data, { compressor }));
    else if (mode & 4) data = reseal(data, compressor !== undefined);
    const defer = (mode & MODE_DEFER) !== 0;
    const dec = new SegmentDecoder({ compressor, maxFrameSize: 1 << 20, deferFramesFrom: defer ? 1024 : undefined });
    const complete = (f: Frame): void => {
      if (f.deferred === undefined) return;
      f.body = completeDeferredFrame(f.deferred, compressor);
      f.deferred = undefined;
    };
    const seen: string[] = [];
    for (const c of chunksOf(data, mode >>> 3)) {
      dec.push(c);
      drain(dec, seen, complete);
    }
    return `${seen.length}:${seen[0] ?? ''}:${dec.isIdle}`;
  },
};

/** Frame fields a message target takes from its input: [version byte][flags][opcode] then body. */
function messageFrame(input: Buffer): RequestFrameLike | undefined {
  if (input.length < 3) return undefined;
  return { version: input[0]!, flags: input[1]!, opcode: input[2]!, body: input.subarray(3) };
}

function messageSeed(frame: Buffer): Buffer {
  // [version][flags][opcode] from the 9-byte header, then the body.
  return Buffer.concat([Buffer.of(frame[0]!, frame[1]!, frame[4]!), frame.subarray(9)]);
}

/** `request`: decodeRequest on [version][flags][opcode][body]. */
export const requestTarget: FuzzTarget = {
  name: 'request',
  description: 'decodeRequest; [version][flags][opcode][body]',
  seeds() {
    return ([4, 5] as const).flatMap((v) => sampleRequests(v).flatMap((r) => [messageSeed(requestFrame(v, 0, r)), messageSeed(requestFrame(v, 0, r, true))]));
  },
  exec(input) {
    const f = messageFrame(input);
    if (f === undefined) return 'short';
    return `${decodeRequest(f).message.opcode}`;
  },
};

/** `response`: decodeResponse (and row decoding) on [version][flags][opcode][body]. */
export const responseTarget: FuzzTarget = {
  name: 'response',
  description: 'decodeResponse + decodeRows/AsArrays/Raw; [version][flags][opcode][body]',
  seeds() {
    const fixed = ([4, 5] as const).flatMap((v) => sampleResponses(v).flatMap((r) => [messageSeed(responseFrame(v, 0, r)), messageSeed(responseFrame(v, 0, r, true))]));
    // Rows of every kind of column type, so mutations reach each compiled value decoder.
    const typed = sampleTypedValues(40).map(({ type, value }, i) => {
      const columns: ColumnSpec[] = [
        { keyspace: 'ks', table: 't', name: 'k', type: DataTypes.int },
        { keyspace: 'ks', table: 't', name: 'c', type },
      ];
      const rows = rowsResultFromValues({ columnCount: 2, columns, globalTableSpec: { keyspace: 'ks', table: 't' } }, [[i, value], [i + 1, null]]);
      return messageSeed(responseFrame(i % 2 === 0 ? 4 : 5, 0, { opcode: Opcode.RESULT, result: rows }));
    });
    return [...fixed, ...typed];
  },
  exec(input) {
    const f = messageFrame(input);
    if (f === undefined) return 'short';
    return consumeResponse(decodeResponse(f));
  },
};

/** Sampled typed values (deterministic), the seeds of the `value` target. */
function sampleTypedValues(n: number): { type: DataType; value: unknown }[] {
  return fc.sample(typedValueArb({ maxDepth: 3 }), { numRuns: n, seed: 42 });
}

/**
 * `value`: [option] then value bytes. Reads the type with readTypeOption, then decodes the rest
 * as one value of it (mode: low bit of the first byte picks the int64FromBits decoder).
 */
export const valueTarget: FuzzTarget = {
  name: 'value',
  description: 'readTypeOption + compileDecoder/decodeValue; [mode][type option][value bytes]',
  seeds() {
    const out: Buffer[] = [];
    for (const { type, value } of sampleTypedValues(120)) {
      const bytes = encodeValue(type, value);
      if (!Buffer.isBuffer(bytes)) continue;
      const w = new Writer(64);
      writeTypeOption(w, type, 5);
      out.push(Buffer.concat([Buffer.of(out.length & 1), w.finish(), bytes]));
    }
    return out;
  },
  exec(input) {
    if (input.length === 0) return 'empty';
    const r = new Reader(input, 1);
    const type = readTypeOption(r);
    const opts = input[0]! & 1 ? { int64FromBits: (lo: number, hi: number) => [lo, hi] } : undefined;
    const value = compileDecoder(type, opts)(input, r.offset, input.length);
    return `${type.kind}:${consumeValue(value)}`;
  },
};

const OPTION_SEEDS_TEXT = [
  'map<text, frozen<list<int>>>',
  'vector<float, 3>',
  'tuple<int, text, uuid>',
  'frozen<set<timeuuid>>',
  "'org.apache.cassandra.db.marshal.DynamicCompositeType'",
];

/**
 * `type`: type descriptions. Mode 0: [option] bytes; 1: marshal class name (latin1); 2: CQL
 * type text (utf8). Parsed types are formatted back.
 */
export const typeTarget: FuzzTarget = {
  name: 'type',
  description: 'readTypeOption / parseMarshalType / parseCqlType; [mode 0 option|1 marshal|2 cql][bytes]',
  seeds() {
    const types = fc.sample(dataTypeArb({ maxDepth: 3 }), { numRuns: 40, seed: 7 });
    const out: Buffer[] = [];
    for (const t of types) {
      const w = new Writer(64);
      writeTypeOption(w, t, 5);
      out.push(Buffer.concat([Buffer.of(0), w.finish()]));
      out.push(Buffer.concat([Buffer.of(1), Buffer.from(toMarshalType(t), 'latin1')]));
    }
    for (const t of types.slice(0, 20)) {
      if (t.kind === 'udt') continue;
      out.push(Buffer.concat([Buffer.of(2), Buffer.from(formatCqlType(t))]));
    }
    for (const s of OPTION_SEEDS_TEXT) out.push(Buffer.concat([Buffer.of(2), Buffer.from(s)]));
    return out;
  },
  exec(input) {
    if (input.length === 0) return 'empty';
    const mode = input[0]! % 3;
    const rest = input.subarray(1);
    let t: DataType;
    if (mode === 0) t = readTypeOption(new Reader(rest));
    else if (mode === 1) t = parseMarshalType(rest.toString('latin1'));
    else t = parseCqlType(rest.toString('utf8'), (ks, name) => (name === 'known' ? DataTypes.udt(ks ?? 'ks', name, [{ name: 'f', type: DataTypes.int }]) : undefined));
    formatCqlType(t);
    toMarshalType(t);
    const w = new Writer(64);
    writeTypeOption(w, t, 4);
    return `${mode}:${t.kind}`;
  },
};

/** `lz4`: the pure-TS LZ4 block decompressor: [int declared length (capped at 1 MiB)][block]. */
export const lz4Target: FuzzTarget = {
  name: 'lz4',
  description: 'lz4Decompress; [uint32 declared length, capped at 1 MiB][block]',
  seeds() {
    const texts = ['', 'a', 'hello hello hello hello hello', 'x'.repeat(5000), Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff)).toString('latin1')];
    return texts.map((s) => {
      const src = Buffer.from(s, 'latin1');
      const c = compressV4Body(lz4Compressor, src);
      return c;
    });
  },
  exec(input) {
    if (input.length < 4) return 'short';
    const declared = input.readUInt32BE(0) % (1 << 20);
    const out = lz4Decompress(input.subarray(4), declared);
    return `${out.length === declared}`;
  },
};

/** All targets, in the order the CLI runs them. */
export const TARGETS: readonly FuzzTarget[] = [frameTarget, segmentTarget, requestTarget, responseTarget, valueTarget, typeTarget, lz4Target];
