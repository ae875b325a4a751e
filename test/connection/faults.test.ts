import { describe, expect, it } from 'vitest';
import { ErrorCode, Opcode, ProtocolError, lz4Compressor, type ServerErrorInfo } from '../../protocol/index.js';
import { Client } from '../../src/index.js';
import { ConnectionClosedError, RequestTimeoutError } from '../../src/errors/driver-errors.js';
import {
  AlreadyExistsError,
  CasWriteUnknownError,
  FunctionFailureError,
  ReadFailureError,
  ReadTimeoutError,
  ServerError,
  UnavailableError,
  UnpreparedError,
  WriteFailureError,
  WriteTimeoutError,
} from '../../src/errors/server-errors.js';
import { errorInfo, errorReply } from '../../src/testing/index.js';
import { connect, defer, query, rejectionOf, sleep, startServer } from './helpers.js';

describe('faults a real server does not produce on demand', () => {
  it('detects a silent server with the heartbeat: the connection closes and in-flight requests fail', async () => {
    const server = await startServer();
    let closeError: Error | undefined;
    let closed = false;
    const conn = await connect(server, {
      heartbeatIntervalMs: 100,
      onClose: (_c, e) => {
        closed = true;
        closeError = e;
      },
    });
    server.addRule({ action: { kind: 'noReply' } }); // the node hangs
    const t0 = performance.now();
    const pending = conn.send(query('stuck'), { timeoutMs: 0 });
    const err = await rejectionOf(pending);
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect(err.message).toMatch(/heartbeat failed/);
    expect(closed).toBe(true);
    expect(closeError).toBeInstanceOf(ConnectionClosedError);
    expect((closeError!.cause as Error & { code: string }).code).toBe('ERR_REQUEST_TIMEOUT');
    // One heartbeat OPTIONS went out after the handshake's.
    expect(server.requestsOf(Opcode.OPTIONS).length).toBe(2);
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it('a heartbeat keeps an idle connection open when the server answers', async () => {
    const server = await startServer();
    const conn = await connect(server, { heartbeatIntervalMs: 60 });
    await sleep(500); // ~4 heartbeats (one per ~100 ms: 60 ms idle, checked every 50 ms)
    expect(conn.isOpen).toBe(true);
    expect(server.requestsOf(Opcode.OPTIONS).length).toBeGreaterThanOrEqual(3);
  });

  it.each(['close', 'reset', 'halfFrame'] as const)('server %s mid-request: exactly the in-flight requests fail with ConnectionClosedError', async (kind) => {
    const server = await startServer();
    server.addRule({ query: /^slow/, action: { kind: 'delay', ms: 200 } });
    server.addRule({ query: 'boom', action: { kind } });
    const conn = await connect(server);
    const done = await conn.send(query('answered'));
    expect(done.message.opcode).toBe(Opcode.RESULT);
    const inFlight = [conn.send(query('slow1')), conn.send(query('slow2')), conn.send(query('boom'))];
    for (const p of inFlight) {
      const e = await rejectionOf(p);
      expect(e).toBeInstanceOf(ConnectionClosedError);
      expect(e.code).toBe('ERR_CONNECTION_CLOSED');
    }
    expect(conn.isOpen).toBe(false);
    expect(conn.inFlight).toBe(0);
    const after = await rejectionOf(conn.send(query('later')));
    expect(after).toBeInstanceOf(ConnectionClosedError);
  });

  it('a corrupted v5 CRC closes the connection with a typed protocol error', async () => {
    for (const compressor of [null, lz4Compressor]) {
      const server = await startServer();
      server.addRule({ query: 'bad', action: { kind: 'corruptCrc' } });
      const conn = await connect(server, { compressor });
      expect(conn.version).toBe(5);
      const e = await rejectionOf(conn.send(query('bad')));
      expect(e).toBeInstanceOf(ConnectionClosedError);
      expect((e.cause as Error & { code: string }).code).toBe('ERR_PROTOCOL_CHECKSUM');
      expect(conn.isOpen).toBe(false);
    }
  });

  it.each([4, 5] as const)('an absurd body length (2 GiB) on v%i fails with FRAME_TOO_LARGE without allocating it', async (version) => {
    const server = await startServer();
    server.addRule({ query: 'huge', action: { kind: 'hugeLength' } });
    const conn = await connect(server, { protocolVersion: version });
    const before = process.memoryUsage().arrayBuffers;
    const other = conn.send(query('other'), { timeoutMs: 0 });
    server.addRule({ query: 'other', action: { kind: 'noReply' } });
    const e = await rejectionOf(conn.send(query('huge')));
    // The request whose answer is too large learns why; the others that shared the connection
    // see it closed, with that error as the cause.
    expect(e).toBeInstanceOf(ProtocolError);
    expect(e.code).toBe('ERR_PROTOCOL_FRAME_TOO_LARGE');
    const closed = await rejectionOf(other);
    expect(closed).toBeInstanceOf(ConnectionClosedError);
    expect((closed.cause as Error & { code: string }).code).toBe('ERR_PROTOCOL_FRAME_TOO_LARGE');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('a frame larger than maxFrameSize is refused the same way', async () => {
    const server = await startServer();
    server.addRule({ query: 'big', action: { kind: 'hugeLength', length: 1025 } });
    const conn = await connect(server, { maxFrameSize: 1024 });
    const e = await rejectionOf(conn.send(query('big')));
    expect(e.code).toBe('ERR_PROTOCOL_FRAME_TOO_LARGE');
    expect(e.message).toMatch(/1025 bytes exceeds the maximum of 1024/);
  });

  it.each([4, 5] as const)('client.execute of a query whose answer exceeds maxFrameSize rejects with ERR_PROTOCOL_FRAME_TOO_LARGE (v%i)', async (version) => {
    const server = await startServer();
    server.addRule({ query: 'SELECT big FROM t', action: { kind: 'hugeLength', length: 70_000 } });
    const client = await Client.connect({ contactPoints: [server.address], port: server.port, localDataCenter: 'datacenter1', protocolVersion: version, maxFrameSize: 65_536 });
    defer(() => client.close());
    const e = await rejectionOf(client.execute('SELECT big FROM t'));
    expect(e).toBeInstanceOf(ProtocolError);
    expect(e.code).toBe('ERR_PROTOCOL_FRAME_TOO_LARGE');
    // The pool replaces the dropped connection: the client goes on.
    await expect(client.execute('SELECT small FROM t')).resolves.toBeDefined();
  });

  it.each([4, 5] as const)('a malformed response body on v%i fails only its request with a ProtocolError; the stream stays in sync', async (version) => {
    const server = await startServer();
    // RESULT kind ROWS, then a metadata column count of a billion and nothing else.
    server.addRule({ query: 'garbled', action: { kind: 'rawBody', body: Buffer.from([0, 0, 0, 2, 0, 0, 0, 1, 0x3b, 0x9a, 0xca, 0x00]) } });
    server.addRule({ query: 'unknown-opcode', action: { kind: 'rawBody', body: Buffer.alloc(0), opcode: 0x7f } });
    const conn = await connect(server, { protocolVersion: version });
    const e = await rejectionOf(conn.send(query('garbled')));
    expect(e.code).toMatch(/^ERR_PROTOCOL_(TRUNCATED|MALFORMED)$/);
    const e2 = await rejectionOf(conn.send(query('unknown-opcode')));
    expect(e2.code).toBe('ERR_PROTOCOL_UNSUPPORTED');
    expect(conn.isOpen).toBe(true);
    expect(conn.inFlight).toBe(0);
    expect((await conn.send(query('fine'))).message.opcode).toBe(Opcode.RESULT);
  });

  it('a malformed EVENT is dropped; the connection and its requests carry on', async () => {
    const server = await startServer();
    server.addRule({ query: 'slow', action: { kind: 'delay', ms: 40 } });
    const events: unknown[] = [];
    const conn = await connect(server, { onEvent: (e) => events.push(e) });
    const pending = conn.send(query('slow'));
    server.connections[0]!.sendFrame(-1, Opcode.EVENT, Buffer.from([0, 12, 0x42])); // truncated [string]
    server.connections[0]!.sendEvent({ opcode: Opcode.EVENT, event: { type: 'STATUS_CHANGE', change: 'UP', address: { address: '10.1.1.1', port: 9042 } } });
    expect((await pending).message.opcode).toBe(Opcode.RESULT);
    expect(conn.isOpen).toBe(true);
    expect(events).toHaveLength(1);
  });

  it('an answer on a stream id nobody waits for is ignored; the request times out, the connection lives on', async () => {
    for (const version of [4, 5] as const) {
      const server = await startServer();
      server.addRule({ query: 'lost', action: { kind: 'wrongStream', stream: 3000 } });
      server.addRule({ query: 'event-like', action: { kind: 'wrongStream', stream: -5 } });
      const conn = await connect(server, { protocolVersion: version });
      const e = await rejectionOf(conn.send(query('lost'), { timeoutMs: 50 }));
      expect(e).toBeInstanceOf(RequestTimeoutError);
      const e2 = await rejectionOf(conn.send(query('event-like'), { timeoutMs: 50 }));
      expect(e2).toBeInstanceOf(RequestTimeoutError);
      expect(conn.isOpen).toBe(true);
      expect((await conn.send(query('fine'))).message.opcode).toBe(Opcode.RESULT);
    }
  });

  it('a duplicate answer resolves the request once and is dropped', async () => {
    const server = await startServer();
    server.addRule({ query: 'twice', action: { kind: 'duplicateStream' } });
    const conn = await connect(server, { maxRequestsPerConnection: 1 });
    const r = await conn.send(query('twice'));
    expect(r.message.opcode).toBe(Opcode.RESULT);
    await sleep(20); // the duplicate has arrived by now
    expect(conn.inFlight).toBe(0);
    expect(conn.isOpen).toBe(true);
    const next = await conn.send(query('next'));
    expect(next.message.opcode).toBe(Opcode.RESULT);
  });
});

describe('server errors map to typed error classes', () => {
  const host = '127.0.0.1';
  const cases: { info: ServerErrorInfo; code: string; cls?: abstract new (...args: never[]) => ServerError; fields?: Record<string, unknown>; v5only?: boolean }[] = [
    { info: errorInfo(ErrorCode.SERVER_ERROR, 'boom'), code: 'ERR_SERVER_ERROR' },
    { info: errorInfo(ErrorCode.OVERLOADED, 'too busy'), code: 'ERR_SERVER_OVERLOADED' },
    { info: errorInfo(ErrorCode.IS_BOOTSTRAPPING, 'starting'), code: 'ERR_SERVER_IS_BOOTSTRAPPING' },
    { info: errorInfo(ErrorCode.TRUNCATE_ERROR, 'trunc'), code: 'ERR_SERVER_TRUNCATE' },
    { info: errorInfo(ErrorCode.SYNTAX_ERROR, 'line 1:0 no viable alternative'), code: 'ERR_SERVER_SYNTAX' },
    { info: errorInfo(ErrorCode.UNAUTHORIZED, 'no'), code: 'ERR_SERVER_UNAUTHORIZED' },
    { info: errorInfo(ErrorCode.INVALID, 'bad'), code: 'ERR_SERVER_INVALID' },
    { info: errorInfo(ErrorCode.CONFIG_ERROR, 'cfg'), code: 'ERR_SERVER_CONFIG' },
    { info: errorInfo(ErrorCode.PROTOCOL_ERROR, 'proto'), code: 'ERR_SERVER_PROTOCOL' },
    { info: errorInfo(ErrorCode.CDC_WRITE_FAILURE, 'cdc'), code: 'ERR_SERVER_CDC_WRITE_FAILURE', v5only: true },
    {
      info: { kind: 'unavailable', code: ErrorCode.UNAVAILABLE, message: 'Cannot achieve consistency level QUORUM', consistency: 4, required: 2, alive: 1 },
      code: 'ERR_SERVER_UNAVAILABLE',
      cls: UnavailableError,
      fields: { consistency: 4, required: 2, alive: 1 },
    },
    {
      info: { kind: 'readTimeout', code: ErrorCode.READ_TIMEOUT, message: 'rt', consistency: 1, received: 0, blockFor: 1, dataPresent: false },
      code: 'ERR_SERVER_READ_TIMEOUT',
      cls: ReadTimeoutError,
      fields: { consistency: 1, received: 0, blockFor: 1, dataPresent: false },
    },
    {
      info: { kind: 'writeTimeout', code: ErrorCode.WRITE_TIMEOUT, message: 'wt', consistency: 6, received: 1, blockFor: 2, writeType: 'BATCH_LOG' },
      code: 'ERR_SERVER_WRITE_TIMEOUT',
      cls: WriteTimeoutError,
      fields: { consistency: 6, received: 1, blockFor: 2, writeType: 'BATCH_LOG' },
    },
    {
      info: { kind: 'writeTimeout', code: ErrorCode.WRITE_TIMEOUT, message: 'cas', consistency: 8, received: 0, blockFor: 2, writeType: 'CAS', contentions: 3 },
      code: 'ERR_SERVER_WRITE_TIMEOUT',
      cls: WriteTimeoutError,
      fields: { writeType: 'CAS', contentions: 3 },
      v5only: true,
    },
    {
      info: { kind: 'readFailure', code: ErrorCode.READ_FAILURE, message: 'rf', consistency: 1, received: 0, blockFor: 1, numFailures: 1, reasonMap: [{ endpoint: '10.0.0.2', code: 1 }], dataPresent: true },
      code: 'ERR_SERVER_READ_FAILURE',
      cls: ReadFailureError,
      fields: { failures: 1, reasons: { '10.0.0.2': 1 }, dataPresent: true },
      v5only: true,
    },
    {
      info: { kind: 'writeFailure', code: ErrorCode.WRITE_FAILURE, message: 'wf', consistency: 1, received: 0, blockFor: 1, numFailures: 2, reasonMap: [{ endpoint: '10.0.0.2', code: 0 }, { endpoint: '10.0.0.3', code: 0 }], writeType: 'SIMPLE' },
      code: 'ERR_SERVER_WRITE_FAILURE',
      cls: WriteFailureError,
      fields: { failures: 2, writeType: 'SIMPLE' },
    },
    {
      info: { kind: 'functionFailure', code: ErrorCode.FUNCTION_FAILURE, message: 'ff', keyspace: 'ks', function: 'f', argTypes: ['int', 'text'] },
      code: 'ERR_SERVER_FUNCTION_FAILURE',
      cls: FunctionFailureError,
      fields: { keyspace: 'ks', functionName: 'f', argTypes: ['int', 'text'] },
    },
    {
      info: { kind: 'alreadyExists', code: ErrorCode.ALREADY_EXISTS, message: 'ae', keyspace: 'ks', table: 't' },
      code: 'ERR_SERVER_ALREADY_EXISTS',
      cls: AlreadyExistsError,
      fields: { keyspace: 'ks', table: 't' },
    },
    {
      info: { kind: 'unprepared', code: ErrorCode.UNPREPARED, message: 'up', id: Buffer.from('c0ffee', 'hex') },
      code: 'ERR_SERVER_UNPREPARED',
      cls: UnpreparedError,
      fields: { statementId: Buffer.from('c0ffee', 'hex') },
    },
    {
      info: { kind: 'casWriteUnknown', code: ErrorCode.CAS_WRITE_UNKNOWN, message: 'cwu', consistency: 8, received: 1, blockFor: 2 },
      code: 'ERR_SERVER_CAS_WRITE_UNKNOWN',
      cls: CasWriteUnknownError,
      fields: { consistency: 8, received: 1, blockFor: 2 },
      v5only: true,
    },
  ];

  for (const version of [4, 5] as const) {
    it(`v${version}: every error code reaches the caller as its typed class with its fields`, async () => {
      const server = await startServer();
      const conn = await connect(server, { protocolVersion: version });
      for (const [i, c] of cases.entries()) {
        if (c.v5only && version === 4) continue;
        server.when(`q${i}`, errorReply(c.info));
        const e = await rejectionOf(conn.send(query(`q${i}`)));
        expect(e, c.code).toBeInstanceOf(ServerError);
        expect(e.code).toBe(c.code);
        expect((e as ServerError).cqlCode).toBe(c.info.code);
        expect(e.message).toBe(c.info.message);
        expect((e as ServerError).host).toBe(`${host}:${server.port}`);
        if (c.cls) expect(e, c.code).toBeInstanceOf(c.cls);
        if (c.fields) expect(e).toMatchObject(c.fields);
      }
      expect(conn.isOpen).toBe(true);
      expect(conn.inFlight).toBe(0);
    });
  }
});
