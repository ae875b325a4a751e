// The driver against the real node: protocol version negotiation and LZ4 compression (checked
// on the wire through the connection's byte counters), large results and writes spanning
// several v5 segments, what the handshake tells the server, keyspaces, and the client
// lifecycle (await using, close drains, destroy rejects, no handles left behind).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, ClientClosedError, ConnectionClosedError, ConstantReconnectionPolicy, DRIVER_NAME, DRIVER_VERSION, NoHostAvailableError, type ClientOptions } from '../../src/index.js';
import { clientsRowOf, connect, createKeyspace, ddl, dropKeyspace, firstHost, uniqueKeyspace } from './helpers.js';
import { Connection, poolOf } from '../internals.js';

const KS = uniqueKeyspace('it_conn');
const KS2 = uniqueKeyspace('it_conn_other');
const BIG = 300 * 1024; // > 128 KiB: more than two v5 segments of payload

let admin: Client;

beforeAll(async () => {
  admin = await connect();
  await createKeyspace(admin, KS);
  await createKeyspace(admin, KS2);
  await ddl(
    admin,
    `CREATE TABLE ${KS}.blobs (k text PRIMARY KEY, v blob)`,
    `CREATE TABLE ${KS}.wide (p int, c int, v text, PRIMARY KEY (p, c))`,
    `CREATE TABLE ${KS}.marker (k int PRIMARY KEY, where_am_i text)`,
    `CREATE TABLE ${KS2}.marker (k int PRIMARY KEY, where_am_i text)`,
  );
  await admin.execute(`INSERT INTO ${KS}.marker (k, where_am_i) VALUES (1, ?)`, [KS]);
  await admin.execute(`INSERT INTO ${KS2}.marker (k, where_am_i) VALUES (1, ?)`, [KS2]);
  // One partition of 400 rows x ~1 KiB of compressible text: a ~400 KiB single-page result.
  const insert = await admin.prepare(`INSERT INTO ${KS}.wide (p, c, v) VALUES (?, ?, ?)`);
  await Promise.all(Array.from({ length: 400 }, (_, c) => admin.execute(insert, [1, c, rowText(c)])));
});

afterAll(async () => {
  if (!admin) return;
  await dropKeyspace(admin, KS);
  await dropKeyspace(admin, KS2);
  await admin.close();
});

function rowText(c: number): string {
  return `row ${c} `.padEnd(1024, 'abcdefgh');
}

/** The single connection of a one-host, one-connection client. */
function connectionOf(client: Client): Connection {
  const host = client.hosts[0];
  expect(host).toBeDefined();
  const c = poolOf(host).borrow();
  expect(c).toBeInstanceOf(Connection);
  return c as Connection;
}

/** A blob that LZ4 shrinks a lot: a repeated 64-byte random pattern. */
function compressibleBlob(size: number): Buffer {
  const pattern = randomBytes(64);
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i += 64) pattern.copy(b, i);
  return b;
}

const combos: { name: string; options: Partial<ClientOptions>; version: 4 | 5; lz4: boolean }[] = [
  { name: 'default (v5, no compression)', options: {}, version: 5, lz4: false },
  { name: 'v5 + lz4', options: { compression: 'lz4' }, version: 5, lz4: true },
  { name: 'pinned v4, no compression', options: { protocolVersion: 4 }, version: 4, lz4: false },
  { name: 'pinned v4 + lz4', options: { protocolVersion: 4, compression: 'lz4' }, version: 4, lz4: true },
];

describe.each(combos)('$name', ({ options, version, lz4 }) => {
  let client: Client;
  let conn: Connection;

  beforeAll(async () => {
    client = await connect({ ...options, keyspace: KS, connectionsPerHost: 1 });
    conn = connectionOf(client);
  });
  afterAll(async () => {
    await client?.close();
  });

  it(`negotiates protocol v${version} ${lz4 ? 'with' : 'without'} lz4`, async () => {
    expect(client.protocolVersion).toBe(version);
    expect(conn.version).toBe(version);
    expect(conn.compression).toBe(lz4 ? 'lz4' : null);
    const r = await client.execute('SELECT release_version FROM system.local');
    expect(r.info.protocolVersion).toBe(version);
    expect(r.one()?.['release_version']).toMatch(/^5\.0\./);
    // The server agrees about the version of this very connection.
    expect(await clientsRowOf(client, conn.localPort, ['protocol_version', 'driver_name'])).toEqual({ protocol_version: version, driver_name: DRIVER_NAME });
  });

  it('runs simple, parameterised and prepared statements', async () => {
    expect((await client.execute('SELECT where_am_i FROM marker WHERE k = 1')).one()).toEqual({ where_am_i: KS });
    expect((await client.execute('SELECT where_am_i FROM marker WHERE k = ?', [1])).one()).toEqual({ where_am_i: KS });
    expect((await client.execute('SELECT where_am_i FROM marker WHERE k = ?', [1], { prepare: true })).one()).toEqual({ where_am_i: KS });
    expect((await client.execute('SELECT where_am_i FROM marker WHERE k = ?', [2], { prepare: true })).rows).toEqual([]);
    const many = await Promise.all(Array.from({ length: 50 }, (_, c) => client.execute('SELECT v FROM wide WHERE p = 1 AND c = ?', [c], { prepare: true })));
    expect(many.map((r) => r.one()?.['v'])).toEqual(Array.from({ length: 50 }, (_, c) => rowText(c)));
  });

  it('writes and reads back a 300 KiB blob; lz4 shrinks it on the wire both ways', async () => {
    const key = `blob-v${version}-${lz4}`;
    const blob = compressibleBlob(BIG);
    const w0 = conn.bytesWritten;
    await client.execute('INSERT INTO blobs (k, v) VALUES (?, ?)', [key, blob], { prepare: true });
    const written = conn.bytesWritten - w0;
    const r0 = conn.bytesRead;
    const back = await client.execute('SELECT v FROM blobs WHERE k = ?', [key], { prepare: true });
    const read = conn.bytesRead - r0;
    expect(Buffer.compare(back.one()?.['v'] as Buffer, blob)).toBe(0);
    if (lz4) {
      expect(written).toBeLessThan(BIG / 4);
      expect(read).toBeLessThan(BIG / 4);
    } else {
      expect(written).toBeGreaterThan(BIG);
      expect(read).toBeGreaterThan(BIG);
    }
  });

  it('writes and reads back an incompressible 300 KiB blob', async () => {
    const key = `random-v${version}-${lz4}`;
    const blob = randomBytes(BIG);
    await client.execute('INSERT INTO blobs (k, v) VALUES (?, ?)', [key, blob]);
    const back = await client.execute('SELECT v FROM blobs WHERE k = ?', [key]);
    expect(Buffer.compare(back.one()?.['v'] as Buffer, blob)).toBe(0);
  });

  it('reads a ~400 KiB single-page result (several v5 segments)', async () => {
    const r0 = conn.bytesRead;
    const page = await client.execute('SELECT c, v FROM wide WHERE p = 1', undefined, { fetchSize: 1000 });
    const read = conn.bytesRead - r0;
    expect(page.hasMorePages).toBe(false);
    expect(page.rows).toEqual(Array.from({ length: 400 }, (_, c) => ({ c, v: rowText(c) })));
    const payload = 400 * 1024;
    if (lz4) expect(read).toBeLessThan(payload / 4);
    else expect(read).toBeGreaterThan(payload);
  });
});

describe('handshake', () => {
  it('STARTUP carries DRIVER_NAME and DRIVER_VERSION (system_views.clients)', async () => {
    const client = await connect({ connectionsPerHost: 1 });
    try {
      const conn = connectionOf(client);
      const row = await clientsRowOf(client, conn.localPort, ['driver_name', 'driver_version', 'client_options', 'connection_stage']);
      expect(row['driver_name']).toBe('cqlwire');
      expect(row['driver_version']).toBe(DRIVER_VERSION);
      expect(row['connection_stage']).toBe('ready');
      const opts = row['client_options'] as Map<string, string>;
      expect(opts.get('DRIVER_NAME')).toBe('cqlwire');
      expect(opts.get('CQL_VERSION')).toBe('3.0.0');
    } finally {
      await client.close();
    }
  });

  it('uses the keyspace given at connect, and switches with useKeyspace', async () => {
    const client = await connect({ keyspace: KS, connectionsPerHost: 1 });
    try {
      expect(client.keyspace).toBe(KS);
      const conn = connectionOf(client);
      const whereAmI = async (): Promise<unknown> => (await client.execute('SELECT where_am_i FROM marker WHERE k = 1')).one()?.['where_am_i'];
      const serverSide = async (): Promise<unknown> => (await clientsRowOf(client, conn.localPort, ['keyspace_name']))['keyspace_name'];
      expect(await whereAmI()).toBe(KS);
      expect(await serverSide()).toBe(KS);
      await client.useKeyspace(KS2);
      expect(client.keyspace).toBe(KS2);
      expect(conn.keyspace).toBe(KS2);
      expect(await whereAmI()).toBe(KS2);
      expect(await serverSide()).toBe(KS2);
      // Prepared statements are per keyspace: the same text prepared after the switch reads KS2.
      expect((await client.execute('SELECT where_am_i FROM marker WHERE k = ?', [1], { prepare: true })).one()?.['where_am_i']).toBe(KS2);
    } finally {
      await client.close();
    }
  });

  it('a case-sensitive keyspace name is quoted at connect and in useKeyspace', async () => {
    const mixed = `Mixed_${KS}`;
    await admin.execute(`CREATE KEYSPACE "${mixed}" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`, undefined, { timeoutMs: 60_000 });
    try {
      await admin.execute(`CREATE TABLE "${mixed}".marker (k int PRIMARY KEY, where_am_i text)`, undefined, { timeoutMs: 60_000 });
      await admin.execute(`INSERT INTO "${mixed}".marker (k, where_am_i) VALUES (1, 'mixed')`);
      const atConnect = await connect({ keyspace: mixed });
      try {
        expect((await atConnect.execute('SELECT where_am_i FROM marker WHERE k = 1')).one()).toEqual({ where_am_i: 'mixed' });
      } finally {
        await atConnect.close();
      }
      const later = await connect({ keyspace: KS });
      try {
        await later.useKeyspace(mixed);
        expect(later.keyspace).toBe(mixed);
        expect((await later.execute('SELECT where_am_i FROM marker WHERE k = 1')).one()).toEqual({ where_am_i: 'mixed' });
      } finally {
        await later.close();
      }
    } finally {
      await admin.execute(`DROP KEYSPACE IF EXISTS "${mixed}"`, undefined, { timeoutMs: 60_000 });
    }
  });

  it('connecting to an unknown keyspace fails with a typed error', async () => {
    const err = await connect({ keyspace: 'no_such_keyspace_cqlwire' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_NO_HOST_AVAILABLE' });
    const cause = (err as { errors: ReadonlyMap<string, Error> }).errors.values().next().value;
    expect(cause).toMatchObject({ code: 'ERR_SERVER_INVALID' });
    expect((cause as Error).message).toContain('no_such_keyspace_cqlwire');
  });
});

/** Live handles of the kinds a client owns. */
function handles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) if (r === 'TCPSocketWrap' || r === 'TLSWrap' || r === 'Timeout') out[r] = (out[r] ?? 0) + 1;
  return out;
}

describe('lifecycle', () => {
  it('await using closes the client at the end of the block', async () => {
    let conn: Connection;
    let escaped: Client;
    {
      await using client = await connect();
      escaped = client;
      conn = connectionOf(client);
      expect(conn.isOpen).toBe(true);
      expect((await client.execute('SELECT key FROM system.local')).one()).toEqual({ key: 'local' });
    }
    expect(conn.isOpen).toBe(false);
    await expect(escaped.execute('SELECT key FROM system.local')).rejects.toBeInstanceOf(ClientClosedError);
  });

  it('close() lets in-flight requests finish, then closes', async () => {
    const client = await connect({ connectionsPerHost: 1 });
    const conn = connectionOf(client);
    const inflight = Array.from({ length: 200 }, (_, c) => client.execute(`SELECT c, v FROM ${KS}.wide WHERE p = 1 AND c = ?`, [c % 400]));
    expect(conn.inFlight).toBeGreaterThan(0);
    let closed = false;
    const closing = client.close().then(() => (closed = true));
    const results = await Promise.all(inflight);
    expect(results.map((r) => r.one()?.['c'])).toEqual(Array.from({ length: 200 }, (_, c) => c % 400));
    await closing;
    expect(closed).toBe(true);
    expect(conn.isOpen).toBe(false);
    expect(conn.inFlight).toBe(0);
    const after = await client.execute('SELECT key FROM system.local').catch((e: unknown) => e);
    expect(after).toBeInstanceOf(ClientClosedError);
    expect(after).toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
  });

  it('destroy() rejects in-flight requests with ConnectionClosedError', async () => {
    const client = await connect({ connectionsPerHost: 1 });
    const conn = connectionOf(client);
    const inflight = Array.from({ length: 20 }, () => client.execute(`SELECT * FROM ${KS}.wide WHERE p = 1`).then(() => 'resolved', (e: unknown) => e));
    expect(conn.inFlight).toBe(20);
    client.destroy();
    const outcomes = await Promise.all(inflight);
    for (const o of outcomes) {
      expect(o).toBeInstanceOf(ConnectionClosedError);
      expect(o).toMatchObject({ code: 'ERR_CONNECTION_CLOSED', host: firstHost() });
    }
    expect(conn.isOpen).toBe(false);
    await expect(client.execute('SELECT key FROM system.local')).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
  });

  it('close() also waits for requests still queued for a stream id', async () => {
    const client = await connect({ connectionsPerHost: 1, maxRequestsPerConnection: 2 });
    const conn = connectionOf(client);
    const all = Array.from({ length: 60 }, (_, c) => client.execute(`SELECT c FROM ${KS}.wide WHERE p = 1 AND c = ?`, [c]));
    expect(conn.queued).toBe(58);
    await client.close();
    expect((await Promise.all(all)).map((r) => r.one()?.['c'])).toEqual(Array.from({ length: 60 }, (_, c) => c));
  });

  it('a lost connection: in-flight requests fail typed, the host is down with its cause, then reconnects', async () => {
    const client = await connect({ connectionsPerHost: 1, reconnectionPolicy: new ConstantReconnectionPolicy(300) });
    try {
      const host = client.hosts[0]!;
      const conn = connectionOf(client);
      const inflight = client.execute(`SELECT * FROM ${KS}.wide WHERE p = 1`).catch((e: unknown) => e);
      const cause = new Error('simulated network failure');
      conn.destroy(cause);
      const lost = await inflight;
      expect(lost).toBeInstanceOf(ConnectionClosedError);
      expect(lost).toMatchObject({ code: 'ERR_CONNECTION_CLOSED', host: host.id });
      expect(host.isUp).toBe(false);
      // While it is down: NoHostAvailableError that says why the host is down (not "none to try").
      const down = await client.execute('SELECT key FROM system.local').catch((e: unknown) => e);
      expect(down).toBeInstanceOf(NoHostAvailableError);
      expect((down as NoHostAvailableError).errors.get(host.id)).toBe(cause);
      // The reconnection policy brings it back.
      await expect.poll(() => host.isUp, { timeout: 10_000, interval: 50 }).toBe(true);
      expect((await client.execute('SELECT key FROM system.local')).one()).toEqual({ key: 'local' });
      expect(connectionOf(client)).not.toBe(conn);
    } finally {
      await client.close();
    }
  });

  it('close() twice, and destroy() after close(), are harmless', async () => {
    const client = await connect();
    await Promise.all([client.close(), client.close()]);
    client.destroy();
    await client.close();
    await expect(client.execute('SELECT key FROM system.local')).rejects.toBeInstanceOf(ClientClosedError);
  });

  it('heartbeat: an idle connection sends OPTIONS and stays open', async () => {
    const client = await connect({ connectionsPerHost: 1, heartbeatIntervalMs: 100 });
    try {
      const conn = connectionOf(client);
      const w0 = conn.bytesWritten;
      const r0 = conn.bytesRead;
      await new Promise((r) => setTimeout(r, 700));
      expect(conn.bytesWritten).toBeGreaterThan(w0); // OPTIONS went out...
      expect(conn.bytesRead).toBeGreaterThan(r0); // ...and SUPPORTED came back
      expect(conn.isOpen).toBe(true);
      expect(conn.inFlight).toBe(0);
      expect((await client.execute('SELECT key FROM system.local')).one()).toEqual({ key: 'local' });
    } finally {
      await client.close();
    }
  });

  it('`USE ks` through execute() switches the client and its connections', async () => {
    const client = await connect({ connectionsPerHost: 1 });
    try {
      const r = await client.execute(`USE ${KS2}`);
      expect(r.rows).toEqual([]);
      expect(client.keyspace).toBe(KS2);
      expect((await client.execute('SELECT where_am_i FROM marker WHERE k = 1')).one()).toEqual({ where_am_i: KS2 });
    } finally {
      await client.close();
    }
  });

  it('failed connects (TLS, auth, refused, unknown keyspace) leave no socket behind', async () => {
    await new Promise((r) => setTimeout(r, 100));
    const before = handles();
    const attempts: Partial<ClientOptions>[] = [{ tls: true }, { contactPoints: ['127.0.0.1:1'] }, { keyspace: 'no_such_keyspace_cqlwire' }, { protocolVersion: 4, keyspace: 'no_such_keyspace_cqlwire' }];
    for (const extra of attempts) {
      await expect(connect(extra)).rejects.toMatchObject({ code: 'ERR_NO_HOST_AVAILABLE' });
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(handles()['TCPSocketWrap'] ?? 0).toBe(before['TCPSocketWrap'] ?? 0);
    expect(handles()['TLSWrap'] ?? 0).toBe(before['TLSWrap'] ?? 0);
  });

  it('leaves no socket or timer behind after close()', async () => {
    // Sockets of clients destroyed by earlier tests are released asynchronously: let them go.
    await new Promise((r) => setTimeout(r, 100));
    const before = handles();
    for (const options of combos.map((c) => c.options)) {
      const client = await connect({ ...options, connectionsPerHost: 2 });
      await Promise.all(Array.from({ length: 20 }, () => client.execute('SELECT key FROM system.local')));
      // A timed-out request leaves an orphaned stream id and the timeout sweeper running.
      await client.execute(`SELECT * FROM ${KS}.wide`, undefined, { timeoutMs: 1 }).catch(() => undefined);
      expect(handles()['TCPSocketWrap'] ?? 0).toBeGreaterThan(before['TCPSocketWrap'] ?? 0);
      await client.close();
    }
    const after = handles();
    expect(after['TCPSocketWrap'] ?? 0).toBe(before['TCPSocketWrap'] ?? 0);
    expect(after['TLSWrap'] ?? 0).toBe(before['TLSWrap'] ?? 0);
    // Timers of other code may come and go; none of the closed clients' may remain.
    expect(after['Timeout'] ?? 0).toBeLessThanOrEqual(before['Timeout'] ?? 0);
  });
});
