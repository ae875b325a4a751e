// An error raised on the event loop (a server ERROR read from the socket) carries the caller's
// async stack: the user's function that awaited execute() shows in it.
import { describe, expect, it } from 'vitest';
import { ErrorCode, Opcode } from '../../protocol/index.js';
import { Client, UnexpectedResponseError } from '../../src/index.js';
import { errorInfo, errorReply } from '../../src/testing/index.js';
import { defer, startServer } from '../connection/helpers.js';

describe('caller stacks', () => {
  it('a server error rejecting execute() names the function that awaited it', async () => {
    const server = await startServer();
    server.when('SELECT bad', errorReply(errorInfo(ErrorCode.INVALID, 'nope')));
    const client = await Client.connect({ contactPoints: [server.address], port: server.port, localDataCenter: 'datacenter1' });
    defer(() => client.close());
    async function aUserFunctionThatQueries(): Promise<void> {
      await client.execute('SELECT bad');
    }
    const err = await aUserFunctionThatQueries().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toBe('nope');
    expect(err?.stack).toMatch(/--- awaited at ---[\s\S]*aUserFunctionThatQueries/);
  });

  it('the same for a prepared statement, on its first run (prepared then) and on later ones (cached)', async () => {
    const server = await startServer();
    server.when('SELECT bad', errorReply(errorInfo(ErrorCode.OVERLOADED, 'too busy')));
    const client = await Client.connect({ contactPoints: [server.address], port: server.port, localDataCenter: 'datacenter1', retryPolicy: { onError: () => ({ action: 'rethrow' }) } });
    defer(() => client.close());
    async function aUserFunctionThatExecutes(): Promise<void> {
      await client.execute('SELECT bad', [], { prepare: true });
    }
    for (let i = 0; i < 2; i++) {
      const err = await aUserFunctionThatExecutes().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err?.message).toBe('too busy');
      expect(err?.stack).toMatch(/--- awaited at ---[\s\S]*aUserFunctionThatExecutes/);
    }
  });

  it('an answer that cannot be made into a page (a READY to a QUERY) rejects with the caller\'s stack too', async () => {
    const server = await startServer();
    server.addRule({ query: 'SELECT odd', action: { kind: 'rawBody', body: Buffer.alloc(0), opcode: Opcode.READY } });
    const client = await Client.connect({ contactPoints: [server.address], port: server.port, localDataCenter: 'datacenter1' });
    defer(() => client.close());
    async function aUserFunctionThatGetsAnOddAnswer(): Promise<void> {
      await client.execute('SELECT odd');
    }
    const err = await aUserFunctionThatGetsAnOddAnswer().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(UnexpectedResponseError);
    expect(err?.stack).toMatch(/--- awaited at ---[\s\S]*aUserFunctionThatGetsAnOddAnswer/);
    // The client goes on.
    await expect(client.execute('SELECT 1')).resolves.toBeDefined();
  });
});
