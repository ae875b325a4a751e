// The `logger` option and the cqlwire:log channel: validated, lifecycle records, the codec in
// use, a dropped background error logged with its cause, and no credentials or bound values.
import diagnosticsChannel from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { ErrorCode, Opcode } from '../../protocol/index.js';
import { Client, InvalidArgumentError, logChannelName, type ClientOptions, type LogRecord, type Logger } from '../../src/index.js';
import { FakeServer, errorInfo, errorReply, type ReceivedRequest } from '../../src/testing/index.js';
import { defer, rejectionOf } from '../connection/helpers.js';

/** A logger that keeps every call. */
function memoryLogger(): Logger & { readonly lines: { level: string; message: string; record: LogRecord | undefined }[] } {
  const lines: { level: string; message: string; record: LogRecord | undefined }[] = [];
  const at = (level: string) => (message: string, record?: LogRecord) => void lines.push({ level, message, record });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

async function connect(servers: readonly FakeServer[], options: Partial<ClientOptions>): Promise<Client> {
  const c = await Client.connect({ contactPoints: [servers[0]!.contactPoint], heartbeatIntervalMs: 0, ...options });
  defer(() => c.close());
  return c;
}

describe('logger option and cqlwire:log', () => {
  it('a logger without the four methods is an InvalidArgumentError naming the option', async () => {
    const e = await rejectionOf(Client.connect({ contactPoints: ['127.0.0.1:1'], logger: { info() {} } as unknown as Logger }));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e.message).toMatch(/logger/);
  });

  it('connection open and close at debug, the LZ4 codec at info; close stops forwarding', async () => {
    const server = await FakeServer.start();
    defer(() => server.close());
    const logger = memoryLogger();
    const c = await Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0, controlConnection: false, compression: 'lz4', logger });
    expect(logger.lines.find((l) => l.record?.event === 'codec.lz4')).toMatchObject({ level: 'info', message: 'cqlwire: LZ4 compression with the native lz4-napi codec' });
    expect(logger.lines.find((l) => l.record?.event === 'connection.open')).toMatchObject({ level: 'debug', record: { host: server.contactPoint } });
    await c.close();
    expect(logger.lines.find((l) => l.record?.event === 'connection.close')).toMatchObject({ level: 'debug', record: { host: server.contactPoint } });
    const count = logger.lines.length;
    const other = await Client.connect({ contactPoints: [server.contactPoint], heartbeatIntervalMs: 0, controlConnection: false });
    await other.close();
    expect(logger.lines).toHaveLength(count);
  });

  it('a background prepare that fails is logged once at debug with its cause; nothing holds credentials or values', async () => {
    const servers = await FakeServer.startCluster(2, () => ({ credentials: { username: 'app', password: 'hunter2' } }));
    for (const s of servers) defer(() => s.close());
    servers[1]!.handler = (r: ReceivedRequest) => (r.opcode === Opcode.PREPARE ? errorReply(errorInfo(ErrorCode.OVERLOADED)) : undefined);
    const logger = memoryLogger();
    const onChannel: LogRecord[] = [];
    const sub = (m: unknown): void => void onChannel.push(m as LogRecord);
    diagnosticsChannel.subscribe(logChannelName, sub);
    defer(() => diagnosticsChannel.unsubscribe(logChannelName, sub));
    const c = await connect(servers, { logger, credentials: { username: 'app', password: 'hunter2' } });
    await expect.poll(() => c.hosts.filter((h) => h.isUp).length).toBe(2);
    await c.prepare('SELECT v FROM t WHERE k = ?', { host: servers[0]!.contactPoint });
    await c.execute('SELECT v FROM t WHERE k = ?', ['secret-value']);
    await expect.poll(() => logger.lines.filter((l) => l.record?.event === 'prepare.background')).toHaveLength(1);
    const line = logger.lines.find((l) => l.record?.event === 'prepare.background')!;
    expect(line.level).toBe('debug');
    expect(line.record).toMatchObject({ host: servers[1]!.contactPoint, error: expect.objectContaining({ code: 'ERR_SERVER_OVERLOADED' }) });
    expect(line.message).toMatch(/^cqlwire: background prepare on .* failed .*: SELECT v FROM t WHERE k = \?: /);
    expect(onChannel).toContain(line.record);
    const everything = JSON.stringify(logger.lines, (_k, v: unknown) => (v instanceof Error ? { message: v.message, stack: v.stack } : v));
    expect(everything).not.toContain('hunter2');
    expect(everything).not.toContain('secret-value');
  });

  it('a logger that throws does not break the client', async () => {
    const server = await FakeServer.start();
    defer(() => server.close());
    const boom = (): never => {
      throw new Error('logger down');
    };
    const c = await connect([server], { controlConnection: false, logger: { debug: boom, info: boom, warn: boom, error: boom } });
    expect((await c.execute('SELECT 1')).rows).toBeDefined();
  });
});
