import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/client.js';
import { ConnectError, ConnectionClosedError, NoHostAvailableError } from '../../src/errors/driver-errors.js';
import { defer, rejectionOf, startServer } from './helpers.js';

// A throwaway self-signed certificate for 127.0.0.1, made with the openssl CLI when present.
let dir = '';
let cert: Buffer | undefined;
let key: Buffer | undefined;
beforeAll(() => {
  try {
    dir = mkdtempSync(join(tmpdir(), 'cqlwire-tls-'));
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=cqlwire-fake', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'));
    key = readFileSync(join(dir, 'key.pem'));
  } catch {
    cert = key = undefined;
  }
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('TLS against the fake server', () => {
  it('connects with the server certificate as CA and runs queries', async (ctx) => {
    if (!cert || !key) return ctx.skip();
    const server = await startServer({ tls: { key, cert } });
    const client = await Client.connect({ contactPoints: [server.contactPoint], tls: { ca: cert }, heartbeatIntervalMs: 0 });
    defer(() => client.close());
    const page = await client.execute('SELECT 1');
    expect(page.info.coordinator).toBe(server.contactPoint);
    expect(client.protocolVersion).toBe(5);
  });

  it('refuses an untrusted certificate by default with a typed ConnectError', async (ctx) => {
    if (!cert || !key) return ctx.skip();
    const server = await startServer({ tls: { key, cert } });
    const err = await rejectionOf(Client.connect({ contactPoints: [server.contactPoint], tls: true, heartbeatIntervalMs: 0 }));
    expect(err).toBeInstanceOf(NoHostAvailableError);
    const cause = (err as NoHostAvailableError).errors.get(server.contactPoint);
    expect(cause).toBeInstanceOf(ConnectError);
    expect(cause!.message).toMatch(/self[- ]signed/i);
    expect(server.requests).toHaveLength(0);
  });
});

describe('faults over TLS', () => {
  it.for(['reset', 'close', 'halfFrame'] as const)('%s mid-request fails the request with ConnectionClosedError', async (kind, ctx) => {
    if (!cert || !key) return ctx.skip();
    const server = await startServer({ tls: { key, cert } });
    server.addRule({ query: 'boom', action: { kind } });
    const client = await Client.connect({ contactPoints: [server.contactPoint], tls: { ca: cert }, heartbeatIntervalMs: 0 });
    defer(() => client.close());
    const e = await rejectionOf(client.execute('boom'));
    expect(e).toBeInstanceOf(ConnectionClosedError);
  });
});
