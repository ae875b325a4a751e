import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { UNSET, Writer } from '../../protocol/buffer.js';
import { BatchType, Consistency, EventType, FrameFlag, Opcode, QueryFlag } from '../../protocol/constants.js';
import { ProtocolError, ProtocolErrorCode } from '../../protocol/errors.js';
import type { BatchStatement } from '../../protocol/messages/request/batch.js';
import { EncodedValues, type BoundValue, type QueryParameters } from '../../protocol/messages/request/query.js';
import type { ValueEncoder } from '../../protocol/types/codec.js';
import { decodeRequest, encodeRequestBody, writeRequestFrame, type Request } from '../../protocol/messages/request.js';
import { body } from './builders.js';

type Version = 4 | 5;
const VERSIONS: readonly Version[] = [4, 5];

// ------------------------------------------------------------------------------ arbitraries

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const bytes = (max = 24) => fc.uint8Array({ maxLength: max }).map((b) => Buffer.from(b));
const consistency = fc.constantFrom(...Object.values(Consistency));
const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const boundValue: fc.Arbitrary<BoundValue> = fc.oneof(bytes(), fc.constant(null), fc.constant(UNSET));
const valueList = fc.array(boundValue, { maxLength: 5 });
const namedValues = fc
  .array(fc.tuple(text, boundValue), { maxLength: 5 })
  .map((pairs) => ({ names: pairs.map((p) => p[0]), values: pairs.map((p) => p[1]) }));

function queryParameters(version: Version): fc.Arbitrary<QueryParameters> {
  const v5 = version === 5;
  return fc.record(
    {
      consistency,
      values: fc.oneof(valueList, namedValues),
      skipMetadata: fc.constant(true),
      pageSize: int32,
      pagingState: bytes(),
      serialConsistency: fc.constantFrom(Consistency.SERIAL, Consistency.LOCAL_SERIAL),
      defaultTimestamp: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      ...(v5 ? { keyspace: text, nowInSeconds: int32 } : {}),
    },
    { requiredKeys: ['consistency'] },
  );
}

function request(version: Version): fc.Arbitrary<Request> {
  const v5 = version === 5;
  const statement: fc.Arbitrary<BatchStatement> = fc.oneof(
    fc.record({ kind: fc.constant('query' as const), query: text, values: valueList }),
    fc.record({ kind: fc.constant('prepared' as const), id: bytes(16), values: valueList }),
  );
  return fc.oneof(
    fc.record({
      opcode: fc.constant(Opcode.STARTUP),
      options: fc.dictionary(text, text, { maxKeys: 4 }),
    }),
    fc.constant({ opcode: Opcode.OPTIONS }),
    fc.record({ opcode: fc.constant(Opcode.QUERY), query: text, params: queryParameters(version) }),
    fc.record(
      { opcode: fc.constant(Opcode.PREPARE), query: text, ...(v5 ? { keyspace: text } : {}) },
      { requiredKeys: ['opcode', 'query'] },
    ),
    v5
      ? fc.record({
          opcode: fc.constant(Opcode.EXECUTE),
          queryId: bytes(16),
          resultMetadataId: bytes(16),
          params: queryParameters(version),
        })
      : fc.record({ opcode: fc.constant(Opcode.EXECUTE), queryId: bytes(16), params: queryParameters(version) }),
    fc.record(
      {
        opcode: fc.constant(Opcode.BATCH),
        type: fc.constantFrom(...Object.values(BatchType)),
        statements: fc.array(statement, { maxLength: 4 }),
        consistency,
        serialConsistency: fc.constantFrom(Consistency.SERIAL, Consistency.LOCAL_SERIAL),
        timestamp: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        ...(v5 ? { keyspace: text, nowInSeconds: int32 } : {}),
      },
      { requiredKeys: ['opcode', 'type', 'statements', 'consistency'] },
    ),
    fc.record({
      opcode: fc.constant(Opcode.REGISTER),
      events: fc.subarray(Object.values(EventType)),
    }),
    fc.record({ opcode: fc.constant(Opcode.AUTH_RESPONSE), token: fc.option(bytes(), { nil: null }) }),
  ) as fc.Arbitrary<Request>;
}

function decode(version: Version, req: Request, flags = 0, b = encodeRequestBody(req, version)) {
  return decodeRequest({ version, flags, opcode: req.opcode, body: b });
}

// ------------------------------------------------------------------------------ round trips

describe.each(VERSIONS)('requests v%i', (version) => {
  test('every request round-trips through encodeRequestBody / decodeRequest', () => {
    fc.assert(
      fc.property(request(version), (req) => {
        const decoded = decode(version, req);
        expect(decoded.message).toEqual(req);
        expect(decoded.tracing).toBe(false);
        expect(decoded.customPayload).toBeUndefined();
      }),
      { numRuns: 400 },
    );
  });

  test('writeRequestFrame = header + custom payload + body, several frames in one writer', () => {
    const payload = fc.dictionary(text, fc.option(bytes(), { nil: null }), { maxKeys: 3 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(request(version), fc.integer({ min: 0, max: 32767 }), fc.boolean(), fc.option(payload, { nil: undefined })), {
          minLength: 1,
          maxLength: 4,
        }),
        (frames) => {
          const w = new Writer(16);
          for (const [req, stream, tracing, customPayload] of frames) {
            writeRequestFrame(w, version, stream, req, { tracing, customPayload });
          }
          const out = w.finish();
          let at = 0;
          for (const [req, stream, tracing, customPayload] of frames) {
            expect(out[at]).toBe(version);
            const flags = out[at + 1]!;
            expect((flags & FrameFlag.TRACING) !== 0).toBe(tracing);
            expect((flags & FrameFlag.CUSTOM_PAYLOAD) !== 0).toBe(customPayload !== undefined);
            expect(out.readInt16BE(at + 2)).toBe(stream);
            expect(out[at + 4]).toBe(req.opcode);
            const length = out.readInt32BE(at + 5);
            const b = out.subarray(at + 9, at + 9 + length);
            const decoded = decodeRequest({ version, flags, opcode: req.opcode, body: b });
            expect(decoded.message).toEqual(req);
            expect(decoded.tracing).toBe(tracing);
            if (customPayload !== undefined) expect(decoded.customPayload).toEqual(customPayload);
            at += 9 + length;
          }
          expect(at).toBe(out.length);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('EncodedValues write the same bytes as pre-encoded values', () => {
    const intEncoder: ValueEncoder = (w, v) => {
      if (v === null) w.int(-1);
      else w.int(4).int(v as number);
    };
    fc.assert(
      fc.property(fc.array(fc.option(int32, { nil: null }), { maxLength: 6 }), (ints) => {
        const encoded = ints.map((v) => (v === null ? null : Buffer.from([v >>> 24, v >>> 16, v >>> 8, v].map((x) => x & 0xff))));
        const values = new EncodedValues(ints.map(() => intEncoder), ints);
        const a = encodeRequestBody({ opcode: Opcode.EXECUTE, queryId: Buffer.of(1), resultMetadataId: version === 5 ? Buffer.of(2) : undefined, params: { consistency: 1, values } }, version);
        const b = encodeRequestBody({ opcode: Opcode.EXECUTE, queryId: Buffer.of(1), resultMetadataId: version === 5 ? Buffer.of(2) : undefined, params: { consistency: 1, values: encoded } }, version);
        expect(a).toEqual(b);
        const batchA = encodeRequestBody({ opcode: Opcode.BATCH, type: 0, consistency: 1, statements: [{ kind: 'prepared', id: Buffer.of(7), values }] }, version);
        const batchB = encodeRequestBody({ opcode: Opcode.BATCH, type: 0, consistency: 1, statements: [{ kind: 'prepared', id: Buffer.of(7), values: encoded }] }, version);
        expect(batchA).toEqual(batchB);
      }),
    );
  });

  test('a failing encoder leaves the writer exactly as it was', () => {
    const w = new Writer(8);
    writeRequestFrame(w, version, 1, { opcode: Opcode.OPTIONS });
    const before = Buffer.from(w.finish());
    const boom: ValueEncoder = () => {
      throw new ProtocolError(ProtocolErrorCode.ENCODE, 'bad value');
    };
    const req: Request = {
      opcode: Opcode.QUERY,
      query: 'x'.repeat(300),
      params: { consistency: 1, values: new EncodedValues([boom], [1]) },
    };
    expect(() => writeRequestFrame(w, version, 2, req)).toThrow(ProtocolError);
    expect(w.finish()).toEqual(before);
    writeRequestFrame(w, version, 3, { opcode: Opcode.OPTIONS });
    expect(w.finish().subarray(before.length)).toEqual(Buffer.from([version, 0, 0, 3, Opcode.OPTIONS, 0, 0, 0, 0]));
  });

  test('arbitrary bytes decode to a request or raise ProtocolError, nothing else', () => {
    const opcodes = [Opcode.STARTUP, Opcode.OPTIONS, Opcode.QUERY, Opcode.PREPARE, Opcode.EXECUTE, Opcode.BATCH, Opcode.REGISTER, Opcode.AUTH_RESPONSE, Opcode.RESULT];
    fc.assert(
      fc.property(fc.constantFrom(...opcodes), fc.nat(0xff), fc.uint8Array({ maxLength: 64 }), (opcode, flags, b) => {
        try {
          const d = decodeRequest({ version, flags, opcode, body: Buffer.from(b) });
          expect(d.message.opcode).toBe(opcode);
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('truncating a valid body anywhere gives ProtocolError or a shorter valid message', () => {
    fc.assert(
      fc.property(request(version), fc.nat(), (req, cut) => {
        const b = encodeRequestBody(req, version);
        if (b.length === 0) return;
        const truncatedBody = b.subarray(0, cut % b.length);
        try {
          decodeRequest({ version, flags: 0, opcode: req.opcode, body: truncatedBody });
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

// ------------------------------------------------------------------------------ golden vectors

describe('golden vectors', () => {
  test('STARTUP body is a [string map]', () => {
    const b = encodeRequestBody({ opcode: Opcode.STARTUP, options: { CQL_VERSION: '3.0.0', COMPRESSION: 'lz4' } }, 4);
    const expected = body().short(2).string('CQL_VERSION').string('3.0.0').string('COMPRESSION').string('lz4').build();
    expect(b).toEqual(expected);
    expect(b.toString('hex')).toBe(
      '0002' + '000b' + Buffer.from('CQL_VERSION').toString('hex') + '0005' + Buffer.from('3.0.0').toString('hex') +
        '000b' + Buffer.from('COMPRESSION').toString('hex') + '0003' + Buffer.from('lz4').toString('hex'),
    );
  });

  test('STARTUP frame header: version, flags, stream, opcode, length', () => {
    const w = new Writer();
    writeRequestFrame(w, 5, 0x0102, { opcode: Opcode.STARTUP, options: { CQL_VERSION: '3.0.0' } }, { beta: true });
    const out = w.finish();
    expect(out.subarray(0, 9).toString('hex')).toBe('05' + '10' + '0102' + '01' + '00000016');
    expect(out.length).toBe(9 + 0x16);
  });

  const id = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
  const params: QueryParameters = {
    consistency: Consistency.LOCAL_QUORUM,
    values: [Buffer.of(0, 0, 0, 42), null, UNSET],
    skipMetadata: true,
    pageSize: 5000,
    pagingState: Buffer.from('cafe', 'hex'),
    serialConsistency: Consistency.LOCAL_SERIAL,
    defaultTimestamp: 1_700_000_000_000_000n,
  };
  const tail = () =>
    body()
      .short(3)
      .bytes('0000002a')
      .int(-1)
      .int(-2)
      .int(5000)
      .bytes('cafe')
      .short(0x0009)
      .long(1_700_000_000_000_000n);

  test('EXECUTE v4: <id><consistency><flags: byte>...', () => {
    const b = encodeRequestBody({ opcode: Opcode.EXECUTE, queryId: id, params }, 4);
    const flags = QueryFlag.VALUES | QueryFlag.SKIP_METADATA | QueryFlag.PAGE_SIZE | QueryFlag.WITH_PAGING_STATE | QueryFlag.WITH_SERIAL_CONSISTENCY | QueryFlag.WITH_DEFAULT_TIMESTAMP;
    expect(flags).toBe(0x3f);
    const expected = body().shortBytes(id).short(0x0006).byte(0x3f).raw(tail().build()).build();
    expect(b).toEqual(expected);
  });

  test('EXECUTE v5: <id><result_metadata_id><consistency><flags: int>...[keyspace][now_in_seconds]', () => {
    const metaId = Buffer.from('fedcba9876543210fedcba9876543210', 'hex');
    const b = encodeRequestBody(
      { opcode: Opcode.EXECUTE, queryId: id, resultMetadataId: metaId, params: { ...params, keyspace: 'ks', nowInSeconds: 1234 } },
      5,
    );
    const expected = body()
      .shortBytes(id)
      .shortBytes(metaId)
      .short(0x0006)
      .int(0x01bf)
      .raw(tail().build())
      .string('ks')
      .int(1234)
      .build();
    expect(b).toEqual(expected);
  });

  test('QUERY with named values sets 0x40 and prefixes names', () => {
    const b = encodeRequestBody(
      { opcode: Opcode.QUERY, query: 'SELECT', params: { consistency: 1, values: { names: ['a'], values: [null] } } },
      4,
    );
    expect(b).toEqual(body().longString('SELECT').short(1).byte(0x41).short(1).string('a').int(-1).build());
  });

  test('PREPARE v5 carries an [int] flags and the keyspace; v4 just the query', () => {
    expect(encodeRequestBody({ opcode: Opcode.PREPARE, query: 'q', keyspace: 'ks' }, 5)).toEqual(
      body().longString('q').int(1).string('ks').build(),
    );
    expect(encodeRequestBody({ opcode: Opcode.PREPARE, query: 'q' }, 5)).toEqual(body().longString('q').int(0).build());
    expect(encodeRequestBody({ opcode: Opcode.PREPARE, query: 'q' }, 4)).toEqual(body().longString('q').build());
  });

  test('BATCH v4: flags [byte] after the consistency', () => {
    const b = encodeRequestBody(
      {
        opcode: Opcode.BATCH,
        type: BatchType.UNLOGGED,
        statements: [
          { kind: 'query', query: 'INSERT', values: [] },
          { kind: 'prepared', id: Buffer.of(0xaa), values: [Buffer.of(1)] },
        ],
        consistency: Consistency.ONE,
        timestamp: 7n,
      },
      4,
    );
    const expected = body()
      .byte(1)
      .short(2)
      .byte(0).longString('INSERT').short(0)
      .byte(1).shortBytes('aa').short(1).bytes('01')
      .short(1)
      .byte(0x20)
      .long(7n)
      .build();
    expect(b).toEqual(expected);
  });

  test('REGISTER and AUTH_RESPONSE', () => {
    expect(encodeRequestBody({ opcode: Opcode.REGISTER, events: ['STATUS_CHANGE'] }, 4)).toEqual(
      body().stringList(['STATUS_CHANGE']).build(),
    );
    expect(encodeRequestBody({ opcode: Opcode.AUTH_RESPONSE, token: null }, 4)).toEqual(body().int(-1).build());
  });
});

// ------------------------------------------------------------------------------ edge cases

describe('encoding errors and strictness', () => {
  test('v5-only fields are refused in v4 rather than dropped', () => {
    const cases: Request[] = [
      { opcode: Opcode.QUERY, query: 'q', params: { consistency: 1, keyspace: 'ks' } },
      { opcode: Opcode.QUERY, query: 'q', params: { consistency: 1, nowInSeconds: 1 } },
      { opcode: Opcode.PREPARE, query: 'q', keyspace: 'ks' },
      { opcode: Opcode.BATCH, type: 0, statements: [], consistency: 1, keyspace: 'ks' },
    ];
    for (const req of cases) {
      expect(() => encodeRequestBody(req, 4)).toThrow(expect.objectContaining({ code: ProtocolErrorCode.ENCODE }));
    }
  });

  test('v5 EXECUTE without resultMetadataId is an encode error; v4 ignores one', () => {
    expect(() => encodeRequestBody({ opcode: Opcode.EXECUTE, queryId: Buffer.of(1), params: { consistency: 1 } }, 5)).toThrow(
      expect.objectContaining({ code: ProtocolErrorCode.ENCODE }),
    );
    const b = encodeRequestBody({ opcode: Opcode.EXECUTE, queryId: Buffer.of(1), resultMetadataId: Buffer.of(2), params: { consistency: 1 } }, 4);
    expect(b).toEqual(body().shortBytes('01').short(1).byte(0).build());
  });

  test('mismatched names / values and EncodedValues arity are encode errors', () => {
    expect(() =>
      encodeRequestBody({ opcode: Opcode.QUERY, query: 'q', params: { consistency: 1, values: { names: ['a', 'b'], values: [null] } } }, 4),
    ).toThrow(expect.objectContaining({ code: ProtocolErrorCode.ENCODE }));
    expect(() => new EncodedValues([], [1])).toThrow(expect.objectContaining({ code: ProtocolErrorCode.ENCODE }));
  });

  test('decoding rejects unknown consistency, batch type, statement kind, event type; BATCH names flag unsupported', () => {
    const bad = (opcode: number, b: Buffer, code: string = ProtocolErrorCode.MALFORMED) =>
      expect(() => decodeRequest({ version: 4, flags: 0, opcode, body: b })).toThrow(expect.objectContaining({ code }));
    bad(Opcode.QUERY, body().longString('q').short(0x00ff).byte(0).build());
    bad(Opcode.BATCH, body().byte(3).short(0).short(1).byte(0).build());
    bad(Opcode.BATCH, body().byte(0).short(1).byte(2).raw('00000000000000').build());
    bad(Opcode.REGISTER, body().stringList(['NOPE']).build());
    bad(Opcode.BATCH, body().byte(0).short(0).short(1).byte(0x40).build(), ProtocolErrorCode.UNSUPPORTED);
    bad(Opcode.READY, Buffer.alloc(0), ProtocolErrorCode.UNSUPPORTED);
    expect(() => decodeRequest({ version: 3, flags: 0, opcode: Opcode.OPTIONS, body: Buffer.alloc(0) })).toThrow(
      expect.objectContaining({ code: ProtocolErrorCode.VERSION }),
    );
  });

  test('a huge value count with few bytes is refused before allocating', () => {
    const b = body().longString('q').short(1).byte(QueryFlag.VALUES).short(0xffff).int(-1).build();
    expect(() => decodeRequest({ version: 4, flags: 0, opcode: Opcode.QUERY, body: b })).toThrow(
      expect.objectContaining({ code: ProtocolErrorCode.TRUNCATED }),
    );
  });

  test('trailing bytes after a request are ignored', () => {
    const b = Buffer.concat([body().int(3).raw('010203').build(), Buffer.of(9, 9)]);
    expect(decodeRequest({ version: 4, flags: 0, opcode: Opcode.AUTH_RESPONSE, body: b }).message).toEqual({
      opcode: Opcode.AUTH_RESPONSE,
      token: Buffer.of(1, 2, 3),
    });
  });
});
