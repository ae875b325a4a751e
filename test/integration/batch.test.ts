// Batches against the real node on protocol v5 and v4: logged, unlogged, counter; prepared
// and simple statements mixed; statements without params; named params; conditional batches;
// and every failure typed (server errors, bad arguments, encoding failures).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchType, Consistency, DataTypes, Opcode } from '../../protocol/index.js';
import { Client, CqlwireError, InvalidArgumentError, type Row } from '../../src/index.js';
import { connect, createKeyspace, ddl, dropKeyspace, uniqueKeyspace } from './helpers.js';
import { poolOf } from '../internals.js';

const KS = uniqueKeyspace('it_batch');
let admin: Client;

beforeAll(async () => {
  admin = await connect();
  await createKeyspace(admin, KS);
  await admin.useKeyspace(KS);
}, 120_000);

afterAll(async () => {
  if (admin) {
    await dropKeyspace(admin, KS);
    await admin.close();
  }
});

const byK = (a: Row, b: Row): number => (a['k'] as number) - (b['k'] as number);

describe.each([5, 4] as const)('protocol v%i', (version) => {
  let client: Client;
  const t = `items_v${version}`;
  const other = `other_v${version}`;
  const counters = `counters_v${version}`;

  beforeAll(async () => {
    await ddl(
      admin,
      `CREATE TABLE ${t} (k int PRIMARY KEY, v text, n int)`,
      `CREATE TABLE ${other} (id text PRIMARY KEY, k int)`,
      `CREATE TABLE ${counters} (k int PRIMARY KEY, c counter, d counter)`,
    );
    client = await connect({ protocolVersion: version, keyspace: KS });
    expect(client.protocolVersion).toBe(version);
  });
  afterAll(async () => {
    await client?.close();
  });

  async function rows(table: string, where = ''): Promise<Row[]> {
    return (await client.execute(`SELECT * FROM ${table} ${where}`)).rows.sort(byK);
  }

  it('logged batch (default) of statements without params, across tables', async () => {
    const page = await client.batch([
      { query: `INSERT INTO ${t} (k, v, n) VALUES (1, 'a', 10)` },
      { query: `INSERT INTO ${t} (k, v, n) VALUES (2, 'b', 20)` },
      { query: `INSERT INTO ${other} (id, k) VALUES ('x', 1)` },
    ]);
    expect(page.rows).toStrictEqual([]);
    expect(page.wasApplied()).toBe(true);
    expect(page.info.coordinator).toBe(client.hosts[0]!.id);
    expect(await rows(t, 'WHERE k IN (1, 2)')).toStrictEqual([
      { k: 1, v: 'a', n: 10 },
      { k: 2, v: 'b', n: 20 },
    ]);
    expect(await rows(other)).toStrictEqual([{ id: 'x', k: 1 }]);
  });

  it('unlogged batch mixing prepared statements, simple statements with params and without', async () => {
    const insert = await client.prepare(`INSERT INTO ${t} (k, v, n) VALUES (?, ?, ?)`);
    await client.batch(
      [
        { query: insert, params: [3, 'c', 30] },
        { query: `INSERT INTO ${t} (k, v, n) VALUES (?, ?, ?)`, params: [4, 'd', 40] },
        { query: `INSERT INTO ${t} (k, v) VALUES (5, 'e')` },
        { query: insert, params: [6, null, undefined] }, // null and unset
        { query: `UPDATE ${t} SET n = ? WHERE k = ?`, params: [50, 5] },
      ],
      { type: 'unlogged' },
    );
    expect(await rows(t, 'WHERE k IN (3, 4, 5, 6)')).toStrictEqual([
      { k: 3, v: 'c', n: 30 },
      { k: 4, v: 'd', n: 40 },
      { k: 5, v: 'e', n: 50 },
      { k: 6, v: null, n: null },
    ]);
  });

  it('prepare: true prepares every text statement; named params bind by name', async () => {
    const q = `INSERT INTO ${t} (k, v, n) VALUES (:k, :v, :n)`;
    await client.batch(
      [
        { query: q, params: { k: 7, v: 'g', n: 70 } },
        { query: q, params: { n: 80, k: 8 } }, // v unset
        { query: `UPDATE ${t} SET v = :v WHERE k = :k`, params: { v: 'h', k: 8 } },
      ],
      { prepare: true },
    );
    const ps = await client.prepare(`DELETE n FROM ${t} WHERE k = :key`);
    await client.batch([{ query: ps, params: { key: 7 } }]);
    expect(await rows(t, 'WHERE k IN (7, 8)')).toStrictEqual([
      { k: 7, v: 'g', n: null },
      { k: 8, v: 'h', n: 80 },
    ]);
  });

  it('hints give unprepared batch statements the types guessing cannot', async () => {
    await ddl(admin, `CREATE TABLE IF NOT EXISTS hinted_v${version} (k int PRIMARY KEY, f float, s smallint, ip inet)`);
    const q = `INSERT INTO hinted_v${version} (k, f, s, ip) VALUES (?, ?, ?, ?)`;
    // guessed as double / int / text: the server refuses
    const err = await client.batch([{ query: q, params: [1, 1.5, 2, '::1'] }]).catch((e: unknown) => e);
    expect((err as CqlwireError).code).toBe('ERR_SERVER_INVALID');
    await client.batch([{ query: q, params: [1, 1.5, 2, '::1'], hints: [null, DataTypes.float, DataTypes.smallint, DataTypes.inet] }]);
    expect(await rows(`hinted_v${version}`)).toStrictEqual([{ k: 1, f: 1.5, s: 2, ip: '::1' }]);
  });

  it('counter batch', async () => {
    const inc = await client.prepare(`UPDATE ${counters} SET c = c + ? WHERE k = ?`);
    await client.batch(
      [
        { query: inc, params: [5n, 1] },
        { query: inc, params: [7, 1] },
        { query: `UPDATE ${counters} SET d = d - 1 WHERE k = 1` },
        { query: `UPDATE ${counters} SET c = c + ?, d = d + ? WHERE k = ?`, params: [1n, 3n, 2] },
      ],
      { type: 'counter' },
    );
    expect(await rows(counters)).toStrictEqual([
      { k: 1, c: 12n, d: -1n },
      { k: 2, c: 1n, d: 3n },
    ]);
    // a counter update in a logged batch is refused by the server: a typed error
    const err = await client.batch([{ query: inc, params: [1n, 1] }]).catch((e: unknown) => e);
    expect(CqlwireError.is(err)).toBe(true);
    expect((err as CqlwireError).code).toBe('ERR_SERVER_INVALID');
    // and nothing changed
    expect((await rows(counters, 'WHERE k = 1'))[0]!['c']).toBe(12n);
  });

  it('timestamp applies to every statement of the batch', async () => {
    const ts = 1_600_000_000_000_000n;
    await client.batch(
      [
        { query: `INSERT INTO ${t} (k, v) VALUES (9, 'i')` },
        { query: `INSERT INTO ${t} (k, v) VALUES (10, 'j')` },
      ],
      { timestamp: ts, type: 'unlogged' },
    );
    const page = await client.execute(`SELECT k, writetime(v) AS wt FROM ${t} WHERE k IN (9, 10)`);
    expect(page.rows.sort(byK)).toStrictEqual([
      { k: 9, wt: ts },
      { k: 10, wt: ts },
    ]);
  });

  it('conditional batch: wasApplied() and the current values when not applied', async () => {
    const first = await client.batch([
      { query: `INSERT INTO ${t} (k, v) VALUES (11, 'k') IF NOT EXISTS` },
      { query: `UPDATE ${t} SET n = 110 WHERE k = 11` },
    ]);
    expect(first.wasApplied()).toBe(true);
    const second = await client.batch([
      { query: `INSERT INTO ${t} (k, v) VALUES (11, 'other') IF NOT EXISTS` },
      { query: `UPDATE ${t} SET n = 111 WHERE k = 11` },
    ]);
    expect(second.wasApplied()).toBe(false);
    expect(second.rows[0]).toMatchObject({ '[applied]': false, k: 11, v: 'k' });
    expect(await rows(t, 'WHERE k = 11')).toStrictEqual([{ k: 11, v: 'k', n: 110 }]);
  });

  it('batch errors are typed: syntax, invalid statement, wrong arguments, unguessable values', async () => {
    const syntax = await client.batch([{ query: `INSERT INTO ${t} (k) VALUES (12)` }, { query: 'INSERT INTO nope garbage' }]).catch((e: unknown) => e);
    expect(CqlwireError.is(syntax)).toBe(true);
    expect((syntax as CqlwireError).code).toBe('ERR_SERVER_SYNTAX');
    const select = await client.batch([{ query: `SELECT * FROM ${t}` }]).catch((e: unknown) => e);
    expect(CqlwireError.is(select)).toBe(true);
    expect((select as CqlwireError).code).toMatch(/^ERR_SERVER_(SYNTAX|INVALID)$/);
    const unknownTable = await client.batch([{ query: `INSERT INTO missing_table (k) VALUES (1)` }]).catch((e: unknown) => e);
    expect((unknownTable as CqlwireError).code).toBe('ERR_SERVER_INVALID');
    // Named values cannot travel in a BATCH for an unprepared statement (CASSANDRA-10246)
    const named = await client.batch([{ query: `INSERT INTO ${t} (k) VALUES (:k)`, params: { k: 1 } }]).catch((e: unknown) => e);
    expect(named).toBeInstanceOf(InvalidArgumentError);
    const insert = await client.prepare(`INSERT INTO ${t} (k, v, n) VALUES (?, ?, ?)`);
    const count = await client.batch([{ query: insert, params: [1, 'x'] }]).catch((e: unknown) => e);
    expect(count).toBeInstanceOf(InvalidArgumentError);
    const wrongType = await client.batch([{ query: insert, params: [1, 2, 3] }]).catch((e: unknown) => e);
    expect((wrongType as CqlwireError).code).toBe('ERR_PROTOCOL_ENCODE');
    const guess = await client.batch([{ query: `INSERT INTO ${t} (k, v) VALUES (?, ?)`, params: [1, { not: 'guessable' }] }]).catch((e: unknown) => e);
    expect((guess as CqlwireError).code).toBe('ERR_PROTOCOL_ENCODE');
    // none of them wrote anything, and the client still works
    expect(await rows(t, 'WHERE k = 12')).toStrictEqual([]);
    await client.batch([{ query: `INSERT INTO ${t} (k) VALUES (12)` }]);
    expect(await rows(t, 'WHERE k = 12')).toStrictEqual([{ k: 12, v: null, n: null }]);
  });

  it('an encoding failure inside the connection rejects only that request, with a typed error', async () => {
    const b = poolOf(client.hosts[0]).borrow();
    const conn = b instanceof Promise ? await b : b;
    const boom = {
      count: 1,
      write(): void {
        throw new TypeError('boom');
      },
    };
    const [bad, good] = await Promise.allSettled([
      conn.send({
        opcode: Opcode.BATCH,
        type: BatchType.LOGGED,
        statements: [{ kind: 'query', query: `INSERT INTO ${KS}.${t} (k, v) VALUES (13, ?)`, values: boom }],
        consistency: Consistency.ONE,
      }),
      conn.send({ opcode: Opcode.QUERY, query: 'SELECT release_version FROM system.local', params: { consistency: Consistency.ONE } }),
    ]);
    expect(bad.status).toBe('rejected');
    const reason = (bad as PromiseRejectedResult).reason as CqlwireError;
    expect(CqlwireError.is(reason)).toBe(true);
    expect(reason.code).toBe('ERR_PROTOCOL_ENCODE');
    expect((reason.cause as Error).message).toBe('boom');
    expect(good.status).toBe('fulfilled');
    // a malformed bound-values object from plain JS is refused by the codec, typed
    const malformed = await conn
      .send({
        opcode: Opcode.BATCH,
        type: BatchType.LOGGED,
        statements: [{ kind: 'query', query: 'INSERT', values: undefined as never }],
        consistency: Consistency.ONE,
      })
      .catch((e: unknown) => e);
    expect((malformed as CqlwireError).code).toBe('ERR_PROTOCOL_ENCODE');
    expect(conn.inFlight).toBe(0);
    expect(await rows(t, 'WHERE k = 13')).toStrictEqual([]);
  });

  it('a large unlogged batch of prepared statements', async () => {
    const insert = await client.prepare(`INSERT INTO ${t} (k, v, n) VALUES (?, ?, ?)`);
    const statements = Array.from({ length: 500 }, (_, i) => ({ query: insert, params: [1000 + i, `row ${i}`, i] }));
    const result = await client.batch(statements, { type: 'unlogged' });
    // Cassandra warns about the size / partition spread of such a batch; the warning reaches info
    expect(result.info.warnings.join(' ')).toMatch(/[Bb]atch/);
    const page = await client.execute(`SELECT count(*) AS c FROM ${t} WHERE k >= 1000 AND k < 1500 ALLOW FILTERING`);
    expect(page.one()?.['c']).toBe(500n);
  });
});
