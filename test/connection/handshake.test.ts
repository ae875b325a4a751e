import { describe, expect, it } from 'vitest';
import { ErrorCode, Opcode, lz4Compressor } from '../../protocol/index.js';
import { errorInfo, errorReply } from '../../src/testing/index.js';
import { PlainTextAuthProvider } from '../../src/connection/auth.js';
import { Connection } from '../../src/connection/connection.js';
import { ConnectError } from '../../src/errors/driver-errors.js';
import { ServerError } from '../../src/errors/server-errors.js';
import { connect, query, rejectionOf, startServer } from './helpers.js';

describe('handshake against the fake server', () => {
  it('negotiates v5 and switches to segments after READY', async () => {
    const server = await startServer();
    const conn = await connect(server);
    expect(conn.version).toBe(5);
    expect(server.connections).toHaveLength(1);
    expect(server.requests.map((r) => r.opcode)).toEqual([Opcode.OPTIONS, Opcode.STARTUP]);
    expect(server.requests[1]!.message).toMatchObject({ options: { CQL_VERSION: '3.0.0', DRIVER_NAME: 'cqlwire' } });
    const r = await conn.send(query('SELECT 1'));
    expect(r.message).toMatchObject({ opcode: Opcode.RESULT, result: { kind: 'void' } });
    expect(server.connections[0]!.segments).toBe(true);
    expect(server.requests[2]!.version).toBe(5);
  });

  it('falls back to v4 when the server refuses v5 with a PROTOCOL_ERROR', async () => {
    const server = await startServer({ versions: [4] });
    const conn = await connect(server);
    expect(conn.version).toBe(4);
    // First connection: v5 OPTIONS refused; second connection speaks v4 from the start.
    expect(server.connections).toHaveLength(2);
    expect(server.requests.every((r) => r.version === 4)).toBe(true);
    expect(server.requests.filter((r) => r.connection === 1).map((r) => r.opcode)).toEqual([Opcode.OPTIONS, Opcode.STARTUP]);
    const r = await conn.send(query('SELECT 1'));
    expect(r.message.opcode).toBe(Opcode.RESULT);
  });

  it('falls back to v4 when v5 is refused at STARTUP as a beta version (Cassandra 3.x)', async () => {
    const server = await startServer();
    server.addRule({
      connection: 0,
      opcode: Opcode.STARTUP,
      action: { kind: 'reply', reply: errorReply(errorInfo(ErrorCode.PROTOCOL_ERROR, 'Beta version of the protocol used (5/v5-beta), but USE_BETA flag is unset')) },
    });
    const conn = await connect(server);
    expect(conn.version).toBe(4);
    expect(server.connections.map((c) => c.version)).toEqual([5, 4]);
  });

  it('does not fall back on a protocol error unrelated to the version', async () => {
    const server = await startServer();
    server.addRule({ opcode: Opcode.STARTUP, action: { kind: 'reply', reply: errorReply(errorInfo(ErrorCode.PROTOCOL_ERROR, 'Unknown compression algorithm')) } });
    const err = await rejectionOf(Connection.open({ host: server.address, port: server.port, heartbeatIntervalMs: 0 }));
    expect(err.code).toBe('ERR_SERVER_PROTOCOL');
    expect(server.connections).toHaveLength(1);
  });

  it('keeps a pinned version: v4 on a v5 server, no fallback for a pinned v5', async () => {
    const both = await startServer();
    const v4 = await connect(both, { protocolVersion: 4 });
    expect(v4.version).toBe(4);
    expect(both.connections).toHaveLength(1);

    const v4only = await startServer({ versions: [4] });
    const err = await rejectionOf(Connection.open({ host: v4only.address, port: v4only.port, protocolVersion: 5, heartbeatIntervalMs: 0 }));
    expect(err).toBeInstanceOf(ServerError);
    expect(err.code).toBe('ERR_SERVER_PROTOCOL');
    expect(err.message).toMatch(/Invalid or unsupported protocol version \(5\)/);
    expect(v4only.connections).toHaveLength(1);
  });

  it.each([4, 5] as const)('compresses with LZ4 on v%i in both directions', async (version) => {
    const server = await startServer();
    const conn = await connect(server, { protocolVersion: version, compressor: lz4Compressor });
    expect(server.requests[1]!.message).toMatchObject({ options: { COMPRESSION: 'lz4' } });
    const long = `SELECT ${'x, '.repeat(2000)}y FROM t`;
    const r = await conn.send(query(long));
    expect(r.message.opcode).toBe(Opcode.RESULT);
    expect(server.requests[2]!.query).toBe(long);
    // The compressed request is much smaller on the wire than its text.
    const wire = server.connections[0]!.chunks.reduce((n, c) => n + c.bytes, 0);
    expect(wire).toBeLessThan(long.length / 4);
  });

  it('refuses to start when the server does not offer the requested compression', async () => {
    const server = await startServer({ compression: [] });
    const err = await rejectionOf(Connection.open({ host: server.address, port: server.port, compressor: lz4Compressor, heartbeatIntervalMs: 0 }));
    expect(err).toBeInstanceOf(ConnectError);
    expect(err.message).toMatch(/does not support lz4/);
    expect(server.requests.map((r) => r.opcode)).toEqual([Opcode.OPTIONS]);
  });

  it('authenticates with SASL PLAIN and rejects bad credentials with a typed error', async () => {
    const server = await startServer({ credentials: { username: 'alice', password: 's3cret' } });
    const conn = await connect(server, { authProvider: new PlainTextAuthProvider('alice', 's3cret') });
    expect(server.requests.map((r) => r.opcode)).toEqual([Opcode.OPTIONS, Opcode.STARTUP, Opcode.AUTH_RESPONSE]);
    expect((await conn.send(query('SELECT 1'))).message.opcode).toBe(Opcode.RESULT);

    const bad = await rejectionOf(Connection.open({ host: server.address, port: server.port, authProvider: new PlainTextAuthProvider('alice', 'nope'), heartbeatIntervalMs: 0 }));
    expect(bad.code).toBe('ERR_SERVER_AUTHENTICATION');
    const none = await rejectionOf(Connection.open({ host: server.address, port: server.port, heartbeatIntervalMs: 0 }));
    expect(none.code).toBe('ERR_AUTH');
  });

  it.each([
    ['never answers OPTIONS', Opcode.OPTIONS, 'noReply', 'ERR_REQUEST_TIMEOUT'],
    ['closes on STARTUP', Opcode.STARTUP, 'close', 'ERR_CONNECTION_CLOSED'],
    ['resets on STARTUP', Opcode.STARTUP, 'reset', 'ERR_CONNECTION_CLOSED'],
  ] as const)('a server that %s fails the open with ConnectError (cause kept)', async (_name, opcode, kind, causeCode) => {
    const server = await startServer({ rules: [{ opcode, action: { kind } }] });
    const t0 = performance.now();
    const err = await rejectionOf(Connection.open({ host: server.address, port: server.port, connectTimeoutMs: 80, heartbeatIntervalMs: 0 }));
    expect(err).toBeInstanceOf(ConnectError);
    expect(err.code).toBe('ERR_CONNECT_FAILED');
    expect((err.cause as { code?: string }).code).toBe(causeCode);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(server.connections).toHaveLength(1); // no v4 retry for a non-version failure
  });

  it('reports connection refused as ConnectError', async () => {
    const server = await startServer();
    const port = server.port;
    await server.close();
    const err = await rejectionOf(Connection.open({ host: '127.0.0.1', port, heartbeatIntervalMs: 0 }));
    expect(err.code).toBe('ERR_CONNECT_FAILED');
  });
});
