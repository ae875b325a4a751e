// An error raised on the event loop (a server ERROR read from the socket) carries the caller's
// async stack: the user's function that awaited execute() shows in it.
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/index.js';
import { Client } from '../../src/index.js';
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
});
