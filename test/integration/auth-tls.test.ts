// Authentication against the PasswordAuthenticator node (127.0.0.4) and TLS against the main
// node, through the driver. With CI=true a missing auth node or TLS endpoint fails these tests
// instead of skipping them.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { AuthError, AuthenticationError, Client, ConnectError, NoHostAvailableError, type AuthProvider, type ClientOptions } from '../../src/index.js';
import { authContactPoint, authCredentials, contactPoints, splitHostPort, tlsCaPath } from './env.js';
import { Connection, poolOf } from '../internals.js';

const CI = process.env.CI === 'true' || process.env.CI === '1';
// Outside CI a developer without the auth node / TLS gets skips; in CI these must run.
const haveAuth = authContactPoint() !== undefined;
const haveTls = tlsCaPath() !== undefined;

function requireAuthNode(): { point: string; username: string; password: string } {
  const point = authContactPoint();
  const creds = authCredentials();
  expect(point, 'the auth node (127.0.0.4, PasswordAuthenticator) is required (CI=true)').toBeDefined();
  expect(creds).toBeDefined();
  return { point: point!, ...creds! };
}

function requireCa(): Buffer {
  const path = tlsCaPath();
  expect(path, 'the main node must serve TLS with the launcher CA (CI=true)').toBeDefined();
  return readFileSync(path!);
}

/** The one per-host error inside the NoHostAvailableError a failed connect gives. */
async function connectFailure(options: ClientOptions): Promise<Error> {
  const err = await Client.connect(options).then(
    async (c) => {
      await c.close();
      return null;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NoHostAvailableError);
  const errors = (err as NoHostAvailableError).errors;
  expect(errors.size).toBe(1);
  return [...errors.values()][0]!;
}

async function whoAmI(client: Client): Promise<Record<string, unknown>> {
  const conn = poolOf(client.hosts[0]).borrow();
  expect(conn).toBeInstanceOf(Connection);
  const port = (conn as Connection).localPort;
  // The row of this very connection (the client address may differ from the node's, e.g. 127.0.0.1 -> 127.0.0.4).
  const r = await client.execute('SELECT port, username, ssl_enabled, ssl_protocol, driver_name FROM system_views.clients');
  const mine = r.rows.filter((row) => row['port'] === port);
  expect(mine).toHaveLength(1);
  return mine[0]!;
}

describe.skipIf(!haveAuth && !CI)('authentication (PasswordAuthenticator node)', () => {
  it('good credentials connect; the server sees the user', async () => {
    const { point, username, password } = requireAuthNode();
    for (const protocolVersion of [undefined, 4] as const) {
      const client = await Client.connect({ contactPoints: [point], credentials: { username, password }, protocolVersion, controlConnection: false });
      try {
        expect(client.protocolVersion).toBe(protocolVersion ?? 5);
        expect(await whoAmI(client)).toMatchObject({ username, driver_name: 'cqlwire', ssl_enabled: false });
      } finally {
        await client.close();
      }
    }
  });

  it('a bad password fails with AuthenticationError (ERR_SERVER_AUTHENTICATION); the password appears nowhere', async () => {
    const { point, username } = requireAuthNode();
    const password = 'Wr0ng-Pa55word-xyz';
    const e = await connectFailure({ contactPoints: [point], credentials: { username, password } });
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e).toMatchObject({ code: 'ERR_SERVER_AUTHENTICATION', cqlCode: 0x0100, host: point });
    expect(e.message).toContain(username);
    for (const text of [e.message, String(e.stack), JSON.stringify(e)]) expect(text).not.toContain(password);
  });

  it('no credentials against the auth node fails with AuthError (ERR_AUTH) naming the authenticator', async () => {
    const { point } = requireAuthNode();
    const e = await connectFailure({ contactPoints: [point] });
    expect(e).toBeInstanceOf(AuthError);
    expect(e).toMatchObject({ code: 'ERR_AUTH' });
    expect(e.message).toContain('PasswordAuthenticator');
  });

  it('a custom AuthProvider drives the SASL exchange (async initial response, onSuccess)', async () => {
    const { point, username, password } = requireAuthNode();
    const calls: string[] = [];
    const provider: AuthProvider = {
      newAuthenticator(host, authenticator) {
        calls.push(`new ${host} ${authenticator}`);
        return {
          async initialResponse() {
            calls.push('initial');
            await new Promise((r) => setTimeout(r, 5)); // e.g. fetching a secret
            return Buffer.from(`\0${username}\0${password}`);
          },
          evaluateChallenge() {
            calls.push('challenge');
            return null;
          },
          onSuccess() {
            calls.push('success');
          },
        };
      },
    };
    const client = await Client.connect({ contactPoints: [point], authProvider: provider, connectionsPerHost: 1, controlConnection: false });
    try {
      expect(await whoAmI(client)).toMatchObject({ username });
    } finally {
      await client.close();
    }
    expect(calls).toEqual([`new ${point} org.apache.cassandra.auth.PasswordAuthenticator`, 'initial', 'success']);
  });

  it('an AuthProvider that throws gives AuthError with the cause kept', async () => {
    const { point } = requireAuthNode();
    const boom = new Error('secret store unreachable');
    const e = await connectFailure({
      contactPoints: [point],
      authProvider: {
        newAuthenticator: () => ({
          initialResponse: () => {
            throw boom;
          },
          evaluateChallenge: () => null,
        }),
      },
    });
    expect(e).toBeInstanceOf(AuthError);
    expect(e).toMatchObject({ code: 'ERR_AUTH' });
    expect(e.cause).toBe(boom);
  });

  it('credentials sent to a node without auth are not needed and do no harm', async () => {
    const client = await Client.connect({ contactPoints: contactPoints(), credentials: { username: 'cassandra', password: 'cassandra' } });
    try {
      expect((await client.execute('SELECT key FROM system.local')).one()).toEqual({ key: 'local' });
    } finally {
      await client.close();
    }
  });
});

describe.skipIf(!haveTls && !CI)('TLS (main node, launcher CA)', () => {
  const main = (): string => contactPoints()[0]!;

  it('tls: { ca } verifies the server and works on v5 and v4, with and without lz4', async () => {
    const ca = requireCa();
    for (const extra of [{}, { compression: 'lz4' }, { protocolVersion: 4 }, { protocolVersion: 4, compression: 'lz4' }] as const) {
      const client = await Client.connect({ contactPoints: [main()], tls: { ca }, connectionsPerHost: 1, ...extra });
      try {
        const me = await whoAmI(client);
        expect(me['ssl_enabled']).toBe(true);
        expect(me['ssl_protocol']).toMatch(/^TLSv1\.[23]$/);
        // A payload spanning several TLS records and v5 segments.
        const big = await client.execute('SELECT * FROM system_schema.columns');
        expect(big.rowCount).toBeGreaterThan(100);
      } finally {
        await client.close();
      }
    }
  });

  it('verification is on by default: tls: true without the CA fails (self-signed chain)', async () => {
    requireCa();
    const e = await connectFailure({ contactPoints: [main()], tls: true });
    expect(e).toBeInstanceOf(ConnectError);
    expect(e).toMatchObject({ code: 'ERR_CONNECT_FAILED', host: main() });
    expect((e.cause as { code?: string }).code).toBe('SELF_SIGNED_CERT_IN_CHAIN');
  });

  it('a CA that did not sign the server certificate fails', async () => {
    requireCa();
    const otherCa = tls.rootCertificates[0]!; // a public root: valid, but not our signer
    const e = await connectFailure({ contactPoints: [main()], tls: { ca: otherCa } });
    expect(e).toBeInstanceOf(ConnectError);
    expect((e.cause as { code?: string }).code).toMatch(/^(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/);
  });

  it('a host name the certificate does not cover fails', async () => {
    const ca = requireCa();
    const e = await connectFailure({ contactPoints: [main()], tls: { ca, servername: 'wrong.example' } });
    expect(e).toBeInstanceOf(ConnectError);
    expect((e.cause as { code?: string }).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(e.message).toContain('wrong.example');
  });

  it('rejectUnauthorized: false is the explicit opt-out', async () => {
    requireCa();
    const client = await Client.connect({ contactPoints: [main()], tls: { rejectUnauthorized: false }, connectionsPerHost: 1 });
    try {
      expect((await whoAmI(client))['ssl_enabled']).toBe(true);
    } finally {
      await client.close();
    }
  });

  it.skipIf(!haveAuth && !CI)('TLS and authentication together (auth node)', async () => {
    const ca = requireCa();
    const { point, username, password } = requireAuthNode();
    const { host } = splitHostPort(point);
    expect(host).toBe('127.0.0.4');
    const client = await Client.connect({ contactPoints: [point], tls: { ca }, credentials: { username, password }, compression: 'lz4', connectionsPerHost: 1, controlConnection: false });
    try {
      expect(await whoAmI(client)).toMatchObject({ username, ssl_enabled: true });
    } finally {
      await client.close();
    }
  });
});
