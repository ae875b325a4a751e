import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Writer } from '../../protocol/buffer.js';
import { Consistency, ErrorCode, EventType, FrameFlag, Opcode, RowsFlag } from '../../protocol/constants.js';
import { ProtocolError, ProtocolErrorCode } from '../../protocol/errors.js';
import type { DataType } from '../../protocol/types/datatype.js';
import {
  decodeResponse,
  decodeRows,
  decodeRowsAsArrays,
  decodeRowsRaw,
  RowReader,
  encodeResponseBody,
  encodeResponseFrame,
  errorKindOf,
  rowsByteLength,
  rowsResult,
  rowsResultFromValues,
  type ColumnSpec,
  type PreparedMetadata,
  type Response,
  type RowsMetadata,
  type RowsResult,
  type SchemaChange,
  type ServerErrorInfo,
  type TableSpec,
} from '../../protocol/messages/index.js';
import { body } from './builders.js';
import { typedValueArb } from './types-arbitraries.js';

type Version = 4 | 5;
const VERSIONS: readonly Version[] = [4, 5];

// ------------------------------------------------------------------------------ arbitraries

const text = fc.string({ unit: 'grapheme', maxLength: 10 });
const bytes = (max = 24) => fc.uint8Array({ maxLength: max }).map((b) => Buffer.from(b));
const short = fc.nat(0xffff);
const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const inet = fc.record({ address: ipv4, port: int32 });

const simpleKinds = [
  'ascii', 'bigint', 'blob', 'boolean', 'counter', 'date', 'decimal', 'double', 'duration', 'float',
  'inet', 'int', 'smallint', 'text', 'time', 'timestamp', 'timeuuid', 'tinyint', 'uuid', 'varint',
] as const;
const dataType: fc.Arbitrary<DataType> = fc.letrec<{ t: DataType }>((tie) => ({
  t: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...simpleKinds).map((kind) => ({ kind })),
    fc.record({ kind: fc.constant('list' as const), element: tie('t') }),
    fc.record({ kind: fc.constant('set' as const), element: tie('t') }),
    fc.record({ kind: fc.constant('map' as const), key: tie('t'), value: tie('t') }),
    fc.record({ kind: fc.constant('tuple' as const), elements: fc.array(tie('t'), { maxLength: 3 }) }),
    fc.record({
      kind: fc.constant('udt' as const),
      keyspace: text,
      name: text,
      fields: fc.array(fc.record({ name: text, type: tie('t') }), { maxLength: 3 }),
    }),
  ),
})).t;

const tableSpec: fc.Arbitrary<TableSpec> = fc.record({ keyspace: text, table: text });
const columnSpec = (t: TableSpec | null): fc.Arbitrary<ColumnSpec> =>
  t === null
    ? fc.record({ keyspace: text, table: text, name: text, type: dataType })
    : fc.record({ name: text, type: dataType }).map((c) => ({ ...t, ...c }));

/** Columns with either a global table spec or per-column specs. */
const columnsWithSpec = fc.oneof(
  fc.array(columnSpec(null), { maxLength: 4 }).map((columns) => ({ columns, globalTableSpec: undefined })),
  tableSpec.chain((t) => fc.array(columnSpec(t), { maxLength: 4 }).map((columns) => ({ columns, globalTableSpec: t }))),
);

function rowsMetadata(version: Version): fc.Arbitrary<RowsMetadata> {
  return fc
    .record({
      spec: fc.option(columnsWithSpec, { nil: undefined }),
      columnCount: fc.nat(6),
      pagingState: fc.option(bytes(), { nil: undefined }),
      newMetadataId: version === 5 ? fc.option(bytes(16), { nil: undefined }) : fc.constant(undefined),
    })
    .map(({ spec, columnCount, pagingState, newMetadataId }) => {
      const m: { -readonly [K in keyof RowsMetadata]: RowsMetadata[K] } = {
        columnCount: spec ? spec.columns.length : columnCount,
      };
      if (spec) {
        m.columns = spec.columns;
        if (spec.globalTableSpec) m.globalTableSpec = spec.globalTableSpec;
      }
      if (pagingState) m.pagingState = pagingState;
      if (newMetadataId) m.newMetadataId = newMetadataId;
      return m;
    });
}

const preparedMetadata: fc.Arbitrary<PreparedMetadata> = columnsWithSpec.chain(({ columns, globalTableSpec }) =>
  fc
    .array(fc.nat(Math.max(0, columns.length - 1)), { maxLength: columns.length })
    .map((pkIndexes) => (globalTableSpec ? { columns, pkIndexes, globalTableSpec } : { columns, pkIndexes })),
);

/** Rows with random raw cells that fit the metadata. */
function rows(version: Version): fc.Arbitrary<RowsResult> {
  return rowsMetadata(version).chain((metadata) =>
    fc
      .array(fc.array(fc.option(bytes(8), { nil: null }), { minLength: metadata.columnCount, maxLength: metadata.columnCount }), {
        maxLength: metadata.columnCount === 0 ? 0 : 4,
      })
      .map((cells) => rowsResult(metadata, cells)),
  );
}

const schemaChange: fc.Arbitrary<SchemaChange> = fc.oneof(
  fc.record({ change: fc.constantFrom('CREATED', 'UPDATED', 'DROPPED'), target: fc.constant('KEYSPACE' as const), keyspace: text }),
  fc.record({ change: fc.constantFrom('CREATED', 'UPDATED', 'DROPPED'), target: fc.constantFrom('TABLE' as const, 'TYPE' as const), keyspace: text, name: text }),
  fc.record({
    change: fc.constantFrom('CREATED', 'UPDATED', 'DROPPED'),
    target: fc.constantFrom('FUNCTION' as const, 'AGGREGATE' as const),
    keyspace: text,
    name: text,
    argTypes: fc.array(text, { maxLength: 3 }),
  }),
);

function serverError(version: Version): fc.Arbitrary<ServerErrorInfo> {
  const base = { message: text };
  const timing = { consistency: short, received: int32, blockFor: int32 };
  const reasonMap = fc.array(fc.record({ endpoint: ipv4, code: short }), { maxLength: 3 });
  const failure =
    version === 5
      ? reasonMap.map((m) => ({ numFailures: m.length, reasonMap: m }))
      : int32.map((numFailures) => ({ numFailures }));
  const generic = fc
    .oneof(
      fc.constantFrom(
        ErrorCode.SERVER_ERROR, ErrorCode.PROTOCOL_ERROR, ErrorCode.AUTHENTICATION_ERROR, ErrorCode.OVERLOADED,
        ErrorCode.IS_BOOTSTRAPPING, ErrorCode.TRUNCATE_ERROR, ErrorCode.SYNTAX_ERROR, ErrorCode.UNAUTHORIZED,
        ErrorCode.INVALID, ErrorCode.CONFIG_ERROR, ErrorCode.CDC_WRITE_FAILURE,
      ),
      int32.filter((c) => errorKindOf(c) === 'generic'),
    )
    .chain((code) => fc.record({ kind: fc.constant('generic' as const), code: fc.constant(code), ...base }));
  return fc.oneof(
    generic,
    fc.record({ kind: fc.constant('unavailable' as const), code: fc.constant(ErrorCode.UNAVAILABLE), ...base, consistency: short, required: int32, alive: int32 }),
    fc.record({ kind: fc.constant('writeTimeout' as const), code: fc.constant(ErrorCode.WRITE_TIMEOUT), ...base, ...timing, writeType: fc.constantFrom('SIMPLE', 'BATCH', 'COUNTER', 'BATCH_LOG') }),
    version === 5
      ? fc.record({ kind: fc.constant('writeTimeout' as const), code: fc.constant(ErrorCode.WRITE_TIMEOUT), ...base, ...timing, writeType: fc.constant('CAS'), contentions: short })
      : fc.record({ kind: fc.constant('writeTimeout' as const), code: fc.constant(ErrorCode.WRITE_TIMEOUT), ...base, ...timing, writeType: fc.constant('CAS') }),
    fc.record({ kind: fc.constant('readTimeout' as const), code: fc.constant(ErrorCode.READ_TIMEOUT), ...base, ...timing, dataPresent: fc.boolean() }),
    fc.tuple(fc.record({ kind: fc.constant('readFailure' as const), code: fc.constant(ErrorCode.READ_FAILURE), ...base, ...timing, dataPresent: fc.boolean() }), failure).map(([a, b]) => ({ ...a, ...b })),
    fc.tuple(fc.record({ kind: fc.constant('writeFailure' as const), code: fc.constant(ErrorCode.WRITE_FAILURE), ...base, ...timing, writeType: text }), failure).map(([a, b]) => ({ ...a, ...b })),
    fc.record({ kind: fc.constant('functionFailure' as const), code: fc.constant(ErrorCode.FUNCTION_FAILURE), ...base, keyspace: text, function: text, argTypes: fc.array(text, { maxLength: 3 }) }),
    fc.record({ kind: fc.constant('alreadyExists' as const), code: fc.constant(ErrorCode.ALREADY_EXISTS), ...base, keyspace: text, table: text }),
    fc.record({ kind: fc.constant('unprepared' as const), code: fc.constant(ErrorCode.UNPREPARED), ...base, id: bytes(16) }),
    fc.record({ kind: fc.constant('casWriteUnknown' as const), code: fc.constant(ErrorCode.CAS_WRITE_UNKNOWN), ...base, ...timing }),
  );
}

function response(version: Version): fc.Arbitrary<Response> {
  const token = fc.option(bytes(), { nil: null });
  return fc.oneof(
    serverError(version).map((error) => ({ opcode: Opcode.ERROR, error })),
    fc.constant({ opcode: Opcode.READY }),
    fc.record({ opcode: fc.constant(Opcode.AUTHENTICATE), authenticator: text }),
    fc.record({ opcode: fc.constant(Opcode.SUPPORTED), options: fc.dictionary(text, fc.array(text, { maxLength: 3 }), { maxKeys: 3 }) }),
    fc.constant({ opcode: Opcode.RESULT, result: { kind: 'void' } }),
    rows(version).map((result) => ({ opcode: Opcode.RESULT, result })),
    text.map((keyspace) => ({ opcode: Opcode.RESULT, result: { kind: 'setKeyspace', keyspace } })),
    fc
      .record({
        id: bytes(16),
        resultMetadataId: bytes(16),
        metadata: preparedMetadata,
        resultMetadata: rowsMetadata(version),
      })
      .map(({ resultMetadataId, ...p }) => ({
        opcode: Opcode.RESULT,
        result: version === 5 ? { kind: 'prepared', resultMetadataId, ...p } : { kind: 'prepared', ...p },
      })),
    schemaChange.map((c) => ({ opcode: Opcode.RESULT, result: { kind: 'schemaChange', ...c } })),
    fc.record({ type: fc.constant(EventType.TOPOLOGY_CHANGE), change: fc.constantFrom('NEW_NODE', 'REMOVED_NODE'), address: inet }).map((event) => ({ opcode: Opcode.EVENT, event })),
    fc.record({ type: fc.constant(EventType.STATUS_CHANGE), change: fc.constantFrom('UP', 'DOWN'), address: inet }).map((event) => ({ opcode: Opcode.EVENT, event })),
    schemaChange.map((c) => ({ opcode: Opcode.EVENT, event: { type: EventType.SCHEMA_CHANGE, ...c } })),
    token.map((t) => ({ opcode: Opcode.AUTH_CHALLENGE, token: t })),
    token.map((t) => ({ opcode: Opcode.AUTH_SUCCESS, token: t })),
  ) as fc.Arbitrary<Response>;
}

const uuidText = fc.uuid();

// ------------------------------------------------------------------------------ round trips

describe.each(VERSIONS)('responses v%i', (version) => {
  test('every response round-trips through encodeResponseBody / decodeResponse', () => {
    fc.assert(
      fc.property(response(version), (res) => {
        const b = encodeResponseBody(res, version);
        const env = decodeResponse({ version: 0x80 | version, flags: 0, opcode: res.opcode, body: b });
        expect(env.message).toEqual(res);
        expect(env.tracingId).toBeUndefined();
      }),
      { numRuns: 400 },
    );
  });

  test('envelope: tracing id, warnings and custom payload in front of the message', () => {
    fc.assert(
      fc.property(
        response(version),
        fc.integer({ min: -1, max: 32767 }),
        fc.record(
          {
            tracingId: uuidText,
            warnings: fc.array(text, { maxLength: 3 }),
            customPayload: fc.dictionary(text, fc.option(bytes(), { nil: null }), { maxKeys: 3 }),
          },
          { requiredKeys: [] },
        ),
        (res, stream, envelope) => {
          const f = encodeResponseFrame(version, stream, res, envelope);
          expect(f[0]).toBe(0x80 | version);
          expect(f.readInt16BE(2)).toBe(stream);
          expect(f[4]).toBe(res.opcode);
          expect(f.readInt32BE(5)).toBe(f.length - 9);
          const flags = f[1]!;
          expect((flags & FrameFlag.TRACING) !== 0).toBe(envelope.tracingId !== undefined);
          expect((flags & FrameFlag.WARNING) !== 0).toBe(envelope.warnings !== undefined);
          expect((flags & FrameFlag.CUSTOM_PAYLOAD) !== 0).toBe(envelope.customPayload !== undefined);
          const env = decodeResponse({ version: f[0]!, flags, opcode: f[4]!, body: f.subarray(9) });
          expect(env.message).toEqual(res);
          expect(env.tracingId).toBe(envelope.tracingId?.toLowerCase());
          expect(env.warnings).toEqual(envelope.warnings);
          expect(env.customPayload).toEqual(envelope.customPayload);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('raw rows split back into the cells they were built from', () => {
    fc.assert(
      fc.property(
        fc.nat(5).chain((n) =>
          fc.array(fc.array(fc.option(bytes(8), { nil: null }), { minLength: n + 1, maxLength: n + 1 }), { maxLength: 5 }),
        ),
        fc.uint8Array({ maxLength: 3 }),
        (cells, trailing) => {
          const columnCount = cells[0]?.length ?? 1;
          const built = rowsResult({ columnCount }, cells);
          const b = encodeResponseBody({ opcode: Opcode.RESULT, result: built }, version);
          const env = decodeResponse({ version, flags: 0, opcode: Opcode.RESULT, body: Buffer.concat([b, trailing]) });
          if (env.message.opcode !== Opcode.RESULT || env.message.result.kind !== 'rows') throw new Error('not rows');
          const result = env.message.result;
          expect(result.rowCount).toBe(cells.length);
          expect(decodeRowsRaw(result)).toEqual(cells.map((r) => r.map((c) => (c === null ? null : Buffer.from(c)))));
          expect(rowsByteLength(result)).toBe(built.rowsContent.length);
        },
      ),
    );
  });

  test('arbitrary bytes into decodeResponse give a Response or a ProtocolError, never anything else', () => {
    const opcodes = [
      Opcode.ERROR, Opcode.READY, Opcode.AUTHENTICATE, Opcode.SUPPORTED, Opcode.RESULT, Opcode.EVENT,
      Opcode.AUTH_CHALLENGE, Opcode.AUTH_SUCCESS, Opcode.QUERY,
    ];
    const structured = fc.oneof(
      fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)),
      // Plausible prefixes reach deeper: a RESULT kind, an error code, an event type.
      fc.tuple(fc.integer({ min: 0, max: 6 }), fc.uint8Array({ maxLength: 80 })).map(([k, b]) => Buffer.concat([body().int(k).build(), b])),
      fc.tuple(fc.constantFrom(...Object.values(ErrorCode)), fc.uint8Array({ maxLength: 60 })).map(([c, b]) => Buffer.concat([body().int(c).string('m').build(), b])),
      fc.tuple(fc.constantFrom('TOPOLOGY_CHANGE', 'STATUS_CHANGE', 'SCHEMA_CHANGE'), fc.uint8Array({ maxLength: 40 })).map(([t, b]) => Buffer.concat([body().string(t).build(), b])),
    );
    fc.assert(
      fc.property(fc.constantFrom(...opcodes), fc.nat(0x1f), structured, (opcode, flags, b) => {
        try {
          const env = decodeResponse({ version, flags, opcode, body: b });
          expect(env.message.opcode).toBe(opcode);
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
        }
      }),
      { numRuns: 5000 },
    );
  });

  test('mutated and truncated valid bodies give a Response or a ProtocolError', () => {
    fc.assert(
      fc.property(response(version), fc.nat(), fc.nat(255), fc.boolean(), (res, at, byte, cut) => {
        const b = Buffer.from(encodeResponseBody(res, version));
        if (b.length === 0) return;
        const i = at % b.length;
        const input = cut ? b.subarray(0, i) : (b.writeUInt8(byte, i), b);
        try {
          decodeResponse({ version, flags: 0, opcode: res.opcode, body: input });
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
        }
      }),
      { numRuns: 1500 },
    );
  });
});

// ------------------------------------------------------------------------------ golden vectors

describe('golden vectors', () => {
  test('ERROR Unavailable: <code><message><cl><required><alive>', () => {
    const b = body().int(0x1000).string('Cannot achieve consistency level QUORUM').short(0x0004).int(2).int(1).build();
    const env = decodeResponse({ version: 0x84, flags: 0, opcode: Opcode.ERROR, body: b });
    expect(env.message).toEqual({
      opcode: Opcode.ERROR,
      error: { kind: 'unavailable', code: ErrorCode.UNAVAILABLE, message: 'Cannot achieve consistency level QUORUM', consistency: Consistency.QUORUM, required: 2, alive: 1 },
    });
    expect(encodeResponseBody(env.message, 4)).toEqual(b);
  });

  test('Rows with Global_tables_spec, two columns (int, varchar), two rows, paging state', () => {
    const b = body()
      .int(0x0002) // kind Rows
      .int(RowsFlag.GLOBAL_TABLES_SPEC | RowsFlag.HAS_MORE_PAGES)
      .int(2) // columns
      .bytes('0004abcd') // paging state
      .string('ks')
      .string('users')
      .string('id').short(0x0009)
      .string('name').short(0x000d)
      .int(2) // rows
      .bytes('00000001').bytes(Buffer.from('ann'))
      .bytes('00000002').bytes(null)
      .build();
    const env = decodeResponse({ version: 4, flags: 0, opcode: Opcode.RESULT, body: b });
    const m = env.message;
    if (m.opcode !== Opcode.RESULT || m.result.kind !== 'rows') throw new Error('not rows');
    expect(m.result.metadata).toEqual({
      columnCount: 2,
      globalTableSpec: { keyspace: 'ks', table: 'users' },
      pagingState: Buffer.from('0004abcd', 'hex'),
      columns: [
        { keyspace: 'ks', table: 'users', name: 'id', type: { kind: 'int' } },
        { keyspace: 'ks', table: 'users', name: 'name', type: { kind: 'text' } },
      ],
    });
    expect(m.result.rowCount).toBe(2);
    expect(decodeRows(m.result)).toEqual([
      { id: 1, name: 'ann' },
      { id: 2, name: null },
    ]);
    expect(Object.keys(decodeRows(m.result)[0]!)).toEqual(['id', 'name']);
    expect(decodeRowsAsArrays(m.result)).toEqual([
      [1, 'ann'],
      [2, null],
    ]);
    expect(encodeResponseBody(m, 4)).toEqual(b);
  });

  test('v5 Prepared: <id><result_metadata_id><metadata with pk indexes><result_metadata>', () => {
    const id = '00112233445566778899aabbccddeeff';
    const metaId = 'ffeeddccbbaa99887766554433221100';
    const b = body()
      .int(0x0004)
      .shortBytes(id)
      .shortBytes(metaId)
      // bind markers: global spec, 2 columns, pk = [1, 0]
      .int(0x0001).int(2).int(2).short(1).short(0)
      .string('ks').string('t')
      .string('b').short(0x0009)
      .string('a').short(0x000d)
      // result metadata: global spec, 1 column
      .int(0x0001).int(1)
      .string('ks').string('t')
      .string('v').short(0x0002)
      .build();
    const env = decodeResponse({ version: 0x85, flags: 0, opcode: Opcode.RESULT, body: b });
    expect(env.message).toEqual({
      opcode: Opcode.RESULT,
      result: {
        kind: 'prepared',
        id: Buffer.from(id, 'hex'),
        resultMetadataId: Buffer.from(metaId, 'hex'),
        metadata: {
          globalTableSpec: { keyspace: 'ks', table: 't' },
          pkIndexes: [1, 0],
          columns: [
            { keyspace: 'ks', table: 't', name: 'b', type: { kind: 'int' } },
            { keyspace: 'ks', table: 't', name: 'a', type: { kind: 'text' } },
          ],
        },
        resultMetadata: {
          columnCount: 1,
          globalTableSpec: { keyspace: 'ks', table: 't' },
          columns: [{ keyspace: 'ks', table: 't', name: 'v', type: { kind: 'bigint' } }],
        },
      },
    });
    expect(encodeResponseBody(env.message, 5)).toEqual(b);
    // The same bytes read as v4 have no result_metadata_id: they no longer parse the same way.
    expect(() => {
      const v4 = decodeResponse({ version: 4, flags: 0, opcode: Opcode.RESULT, body: b });
      expect(v4.message).not.toEqual(env.message);
    }).not.toThrow(TypeError);
  });

  test('v5 Rows with Metadata_changed and No_metadata', () => {
    const b = body().int(0x0002).int(RowsFlag.METADATA_CHANGED | RowsFlag.NO_METADATA).int(1).shortBytes('beef').int(1).bytes('00000007').build();
    const env = decodeResponse({ version: 5, flags: 0, opcode: Opcode.RESULT, body: b });
    const m = env.message;
    if (m.opcode !== Opcode.RESULT || m.result.kind !== 'rows') throw new Error('not rows');
    const result = m.result;
    expect(result.metadata).toEqual({ columnCount: 1, newMetadataId: Buffer.from('beef', 'hex') });
    expect(() => decodeRows(result)).toThrow(ProtocolError);
    const cached: ColumnSpec[] = [{ keyspace: 'ks', table: 't', name: 'n', type: { kind: 'int' } }];
    expect(decodeRows(result, cached)).toEqual([{ n: 7 }]);
    expect(() => decodeRows(result, [...cached, ...cached])).toThrow(ProtocolError);
  });

  test('tracing id, warnings and custom payload order (tracing, warnings, payload)', () => {
    const b = body()
      .raw('550e8400e29b41d4a716446655440000')
      .stringList(['careful'])
      .short(1).string('k').bytes('01')
      .build();
    const env = decodeResponse({ version: 4, flags: FrameFlag.TRACING | FrameFlag.WARNING | FrameFlag.CUSTOM_PAYLOAD, opcode: Opcode.READY, body: b });
    expect(env).toEqual({
      tracingId: '550e8400-e29b-41d4-a716-446655440000',
      warnings: ['careful'],
      customPayload: { k: Buffer.of(1) },
      message: { opcode: Opcode.READY },
    });
  });

  test('EVENT TOPOLOGY_CHANGE and SCHEMA_CHANGE FUNCTION', () => {
    const topo = body().string('TOPOLOGY_CHANGE').string('NEW_NODE').inetAddr4(10, 0, 0, 1).int(9042).build();
    expect(decodeResponse({ version: 4, flags: 0, opcode: Opcode.EVENT, body: topo }).message).toEqual({
      opcode: Opcode.EVENT,
      event: { type: 'TOPOLOGY_CHANGE', change: 'NEW_NODE', address: { address: '10.0.0.1', port: 9042 } },
    });
    const fn = body().string('SCHEMA_CHANGE').string('CREATED').string('FUNCTION').string('ks').string('f').stringList(['int', 'text']).build();
    expect(decodeResponse({ version: 5, flags: 0, opcode: Opcode.EVENT, body: fn }).message).toEqual({
      opcode: Opcode.EVENT,
      event: { type: 'SCHEMA_CHANGE', change: 'CREATED', target: 'FUNCTION', keyspace: 'ks', name: 'f', argTypes: ['int', 'text'] },
    });
  });

  test('ERROR read failure: v4 <numfailures>, v5 reason map', () => {
    const v4 = body().int(0x1300).string('m').short(1).int(0).int(1).int(3).byte(1).build();
    expect(decodeResponse({ version: 4, flags: 0, opcode: Opcode.ERROR, body: v4 }).message).toEqual({
      opcode: Opcode.ERROR,
      error: { kind: 'readFailure', code: 0x1300, message: 'm', consistency: 1, received: 0, blockFor: 1, numFailures: 3, dataPresent: true },
    });
    const v5 = body().int(0x1500).string('m').short(1).int(0).int(1).int(1).inetAddr4(127, 0, 0, 2).short(1).string('SIMPLE').build();
    expect(decodeResponse({ version: 5, flags: 0, opcode: Opcode.ERROR, body: v5 }).message).toEqual({
      opcode: Opcode.ERROR,
      error: {
        kind: 'writeFailure', code: 0x1500, message: 'm', consistency: 1, received: 0, blockFor: 1, numFailures: 1,
        reasonMap: [{ endpoint: '127.0.0.2', code: 1 }], writeType: 'SIMPLE',
      },
    });
  });

  test('an ERROR from a server speaking v3 (version negotiation) still decodes', () => {
    const b = body().int(0x000a).string('Invalid or unsupported protocol version (5)').build();
    const env = decodeResponse({ version: 0x83, flags: 0, opcode: Opcode.ERROR, body: b });
    expect(env.message).toEqual({ opcode: Opcode.ERROR, error: { kind: 'generic', code: 0x000a, message: 'Invalid or unsupported protocol version (5)' } });
    expect(() => decodeResponse({ version: 0x83, flags: 0, opcode: Opcode.READY, body: Buffer.alloc(0) })).toThrow(
      expect.objectContaining({ code: ProtocolErrorCode.VERSION }),
    );
  });
});

// ------------------------------------------------------------------------------ rows decoding

describe('rows decoding', () => {
  const cols = (names: string[], type: DataType = { kind: 'int' }): ColumnSpec[] => names.map((name) => ({ keyspace: 'ks', table: 't', name, type }));

  test('values built with compileEncoder decode back with decodeRows', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.option(int32, { nil: null }), fc.option(fc.string({ maxLength: 8 }), { nil: null })), { maxLength: 10 }), (values) => {
        const columns: ColumnSpec[] = [
          { keyspace: 'ks', table: 't', name: 'i', type: { kind: 'int' } },
          { keyspace: 'ks', table: 't', name: 's', type: { kind: 'text' } },
        ];
        const result = rowsResultFromValues({ columnCount: 2, columns }, values);
        expect(decodeRows(result)).toEqual(values.map(([i, s]) => ({ i, s })));
        expect(decodeRowsAsArrays(result)).toEqual(values);
      }),
    );
  });

  test('RowReader reads the same rows as decodeRows, one at a time, then refuses to read past the end', () => {
    fc.assert(
      fc.property(typedValueArb({ maxDepth: 2 }), fc.integer({ min: 0, max: 6 }), ({ type, value }, count) => {
        const columns: ColumnSpec[] = [
          { keyspace: 'ks', table: 't', name: 'v', type },
          { keyspace: 'ks', table: 't', name: 'n', type: { kind: 'int' } },
        ];
        const result = rowsResultFromValues({ columnCount: 2, columns }, Array.from({ length: count }, (_, i) => [i % 2 === 0 ? value : null, i]));
        const reader = new RowReader(result);
        expect(reader.count).toBe(count);
        const read: unknown[] = [];
        while (reader.remaining > 0) read.push(reader.next());
        expect(read).toEqual(decodeRows(result));
        expect(() => reader.next()).toThrow(ProtocolError);
      }),
    );
  });

  test('RowReader hands out the rows before a malformed one, then fails typed at it', () => {
    const meta = (n: number) => body().int(0x0002).int(RowsFlag.GLOBAL_TABLES_SPEC).int(n).string('k').string('t');
    // 1 int column, 3 rows announced: two good cells, then a length past the end.
    const bad = meta(1).string('a').short(0x0009).int(3).int(4).int(7).int(4).int(8).int(100).raw('0000').build();
    const env = decodeResponse({ version: 5, flags: 0, opcode: Opcode.RESULT, body: bad });
    if (env.message.opcode !== Opcode.RESULT || env.message.result.kind !== 'rows') throw new Error('not rows');
    const rowsRes = env.message.result;
    const reader = new RowReader(rowsRes);
    expect(reader.next()).toEqual({ a: 7 });
    expect(reader.next()).toEqual({ a: 8 });
    expect(() => reader.next()).toThrow(expect.objectContaining({ code: ProtocolErrorCode.TRUNCATED }));
    expect(reader.remaining).toBe(0);
    // Too few columns for the decoder: refused when the reader is made.
    expect(() => new RowReader(rowsRes, [...cols(['a']), ...cols(['b'])])).toThrow(ProtocolError);
  });

  test('a column named __proto__ becomes an own property; Object.prototype is untouched', () => {
    const result = rowsResultFromValues({ columnCount: 3, columns: cols(['__proto__', 'constructor', 'toString']) }, [[1, 2, 3]]);
    const [row] = decodeRows(result);
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(row, '__proto__')).toEqual({ value: 1, writable: true, enumerable: true, configurable: true });
    expect(Object.keys(row!)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(row!['constructor']).toBe(2);
    expect(row!['toString']).toBe(3);
    expect(({} as Record<string, unknown>)['constructor']).toBe(Object);
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'id')).toBe(false);
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('1');
  });

  test('rows with a truncated cell or impossible counts raise ProtocolError', () => {
    const meta = (n: number) => body().int(0x0002).int(RowsFlag.GLOBAL_TABLES_SPEC).int(n).string('k').string('t');
    // 1 column, 2 rows announced, one cell present.
    const short = meta(1).string('a').short(0x0009).int(2).int(-1).build();
    expect(() => decodeResponse({ version: 4, flags: 0, opcode: Opcode.RESULT, body: short })).toThrow(
      expect.objectContaining({ code: ProtocolErrorCode.TRUNCATED }),
    );
    // A cell length past the end.
    const cell = meta(1).string('a').short(0x0009).int(1).int(100).raw('0000').build();
    const env = decodeResponse({ version: 4, flags: 0, opcode: Opcode.RESULT, body: cell });
    if (env.message.opcode !== Opcode.RESULT || env.message.result.kind !== 'rows') throw new Error('not rows');
    const rowsRes = env.message.result;
    expect(() => decodeRows(rowsRes)).toThrow(expect.objectContaining({ code: ProtocolErrorCode.TRUNCATED }));
    expect(() => decodeRowsAsArrays(rowsRes)).toThrow(ProtocolError);
    expect(() => decodeRowsRaw(rowsRes)).toThrow(ProtocolError);
    // A huge column count with no bytes behind it is refused before allocating.
    const huge = meta(0x7fffffff).build();
    expect(() => decodeResponse({ version: 4, flags: 0, opcode: Opcode.RESULT, body: huge })).toThrow(
      expect.objectContaining({ code: ProtocolErrorCode.TRUNCATED }),
    );
    // Rows of zero columns would let a count size an array of empty rows.
    const zero = body().int(0x0002).int(RowsFlag.NO_METADATA).int(0).int(0x7fffffff).build();
    expect(() => decodeResponse({ version: 4, flags: 0, opcode: Opcode.RESULT, body: zero })).toThrow(ProtocolError);
  });

  test('encoding refuses inconsistent metadata and v5-only fields in v4', () => {
    const enc = (res: Response, v: Version) => () => encodeResponseBody(res, v);
    const code = expect.objectContaining({ code: ProtocolErrorCode.ENCODE });
    expect(enc({ opcode: Opcode.RESULT, result: rowsResult({ columnCount: 1, newMetadataId: Buffer.of(1) }, []) }, 4)).toThrow(code);
    expect(enc({ opcode: Opcode.RESULT, result: rowsResult({ columnCount: 2, columns: cols(['a']) }, []) }, 4)).toThrow(code);
    expect(
      enc({ opcode: Opcode.RESULT, result: rowsResult({ columnCount: 1, columns: cols(['a']), globalTableSpec: { keyspace: 'x', table: 't' } }, []) }, 4),
    ).toThrow(code);
    expect(enc({ opcode: Opcode.ERROR, error: { kind: 'generic', code: ErrorCode.UNAVAILABLE, message: '' } }, 4)).toThrow(code);
    expect(() => rowsResult({ columnCount: 2 }, [[null]])).toThrow(code);
  });
});
