// Prepared statements against the real node, on protocol v5 and v4: explicit prepare() and
// `prepare: true`, the bounded cache, named parameters, automatic re-prepare after the server
// forgot a statement (UNPREPARED), and result metadata changes (v5 METADATA_CHANGED).
import diagnosticsChannel from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, CqlwireError, InvalidArgumentError, PreparedStatement, channelNames, type RequestStartMessage } from '../../src/index.js';
import { connect, createKeyspace, ddl, dropKeyspace, uniqueKeyspace } from './helpers.js';

const KS = uniqueKeyspace('it_prepared');
let admin: Client;

/** Request starts by kind and CQL text, from the diagnostics channel. */
const starts: RequestStartMessage[] = [];
const onStart = (m: unknown): void => {
  starts.push(m as RequestStartMessage);
};
function count(kind: RequestStartMessage['kind'], query: string): number {
  return starts.filter((s) => s.kind === kind && s.query === query).length;
}

beforeAll(async () => {
  admin = await connect();
  await createKeyspace(admin, KS);
  await admin.useKeyspace(KS);
  diagnosticsChannel.subscribe(channelNames.requestStart, onStart);
}, 120_000);

afterAll(async () => {
  diagnosticsChannel.unsubscribe(channelNames.requestStart, onStart);
  if (admin) {
    await dropKeyspace(admin, KS);
    await admin.close();
  }
});

describe.each([5, 4] as const)('protocol v%i', (version) => {
  let client: Client;
  const t = `kv_v${version}`;

  beforeAll(async () => {
    await ddl(admin, `CREATE TABLE ${t} (k int PRIMARY KEY, v text, n bigint)`);
    client = await connect({ protocolVersion: version, keyspace: KS });
    expect(client.protocolVersion).toBe(version);
  });
  afterAll(async () => {
    await client?.close();
  });

  it('prepare() returns a statement with its bind markers; execute() runs it by id', async () => {
    const insert = await client.prepare(`INSERT INTO ${t} (k, v, n) VALUES (?, ?, ?)`);
    expect(insert).toBeInstanceOf(PreparedStatement);
    expect(insert.variables.map((v) => [v.name, v.type.kind])).toStrictEqual([
      ['k', 'int'],
      ['v', 'text'],
      ['n', 'bigint'],
    ]);
    expect(insert.pkIndexes).toStrictEqual([0]);
    expect(insert.id.length).toBeGreaterThan(0);
    // the same text is prepared once
    expect(await client.prepare(`INSERT INTO ${t} (k, v, n) VALUES (?, ?, ?)`)).toBe(insert);
    expect(count('prepare', insert.query)).toBe(1);
    // numbers are encoded by the server's types: 5 becomes a bigint without a hint
    await client.execute(insert, [1, 'one', 5]);
    await client.execute(insert, [2, 'two', 9007199254740993n]);
    expect(count('execute', insert.query)).toBe(2);
    const select = await client.prepare(`SELECT k, v, n FROM ${t} WHERE k = ?`);
    expect(select.resultColumns.map((c) => c.name)).toStrictEqual(['k', 'v', 'n']);
    expect((await client.execute(select, [1])).rows).toStrictEqual([{ k: 1, v: 'one', n: 5n }]);
    expect((await client.execute(select, [2])).rows).toStrictEqual([{ k: 2, v: 'two', n: 9007199254740993n }]);
  });

  it('prepare: true prepares once (concurrent callers share one PREPARE) and reuses the statement', async () => {
    const q = `SELECT v FROM ${t} WHERE k = ? /* shared ${version} */`;
    const results = await Promise.all(Array.from({ length: 20 }, () => client.execute(q, [1], { prepare: true })));
    for (const r of results) expect(r.rows).toStrictEqual([{ v: 'one' }]);
    expect(count('prepare', q)).toBe(1);
    expect(count('execute', q)).toBe(20);
    await client.execute(q, [2], { prepare: true });
    expect(count('prepare', q)).toBe(1);
  });

  it('named parameters with prepared statements (any order, case-insensitive, missing = unset)', async () => {
    const q = `UPDATE ${t} SET v = :value, n = :myNum WHERE k = :key`;
    await client.execute(q, { key: 3, value: 'three', myNum: 33 }, { prepare: true });
    await client.execute(q, { mynum: 34, key: 3 }, { prepare: true }); // v left unchanged
    const row = (await client.execute(`SELECT v, n FROM ${t} WHERE k = :k`, { k: 3 }, { prepare: true })).one();
    expect(row).toStrictEqual({ v: 'three', n: 34n });
    const err = await client.execute(q, { key: 3, nope: 1 }, { prepare: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as CqlwireError).code).toBe('ERR_INVALID_ARGUMENT');
    const err2 = await client.execute(q, [3], { prepare: true }).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(InvalidArgumentError);
  });

  it('a failed PREPARE is a typed server error and is not cached', async () => {
    const q = `SELECT nope FROM ${t} WHERE k = ?`;
    const e1 = await client.execute(q, [1], { prepare: true }).catch((e: unknown) => e);
    expect(CqlwireError.is(e1)).toBe(true);
    expect((e1 as CqlwireError).code).toBe('ERR_SERVER_INVALID');
    const e2 = await client.prepare(q).catch((e: unknown) => e);
    expect((e2 as CqlwireError).code).toBe('ERR_SERVER_INVALID');
    expect(count('prepare', q)).toBe(2);
  });

  it('re-prepares automatically after the server forgot the statement (table dropped and recreated)', async () => {
    const table = `forget_v${version}`;
    await ddl(admin, `CREATE TABLE ${table} (k int PRIMARY KEY, v text)`);
    const insert = await client.prepare(`INSERT INTO ${table} (k, v) VALUES (?, ?)`);
    const select = await client.prepare(`SELECT k, v FROM ${table} WHERE k = ?`);
    await client.execute(insert, [1, 'before']);
    expect((await client.execute(select, [1])).rows).toStrictEqual([{ k: 1, v: 'before' }]);
    // Another client drops and recreates the table: Cassandra evicts its prepared statements.
    await ddl(admin, `DROP TABLE ${table}`, `CREATE TABLE ${table} (k int PRIMARY KEY, v text)`);
    const hostId = client.hosts[0]!.id;
    const unprepared = (): number => client.metrics().hosts[hostId]!.errors['ERR_SERVER_UNPREPARED'] ?? 0;
    const failedBefore = client.metrics().session.failed;
    const unpreparedBefore = unprepared();
    await client.execute(insert, [2, 'after']);
    expect((await client.execute(select, [2])).rows).toStrictEqual([{ k: 2, v: 'after' }]);
    expect((await client.execute(select, [1])).rows).toStrictEqual([]);
    // The server did answer UNPREPARED (once per statement); the caller saw no error.
    expect(unprepared() - unpreparedBefore).toBe(2);
    expect(client.metrics().session.failed).toBe(failedBefore);
  });

  it('re-prepares SELECT * after the table was recreated with other columns: rows use the new columns', async () => {
    const table = `recreate_v${version}`;
    await ddl(admin, `CREATE TABLE ${table} (k int PRIMARY KEY, a text)`);
    await admin.execute(`INSERT INTO ${table} (k, a) VALUES (1, 'x')`);
    const q = `SELECT * FROM ${table} WHERE k = ?`;
    expect((await client.execute(q, [1], { prepare: true })).rows).toStrictEqual([{ k: 1, a: 'x' }]);
    await ddl(admin, `DROP TABLE ${table}`, `CREATE TABLE ${table} (k int PRIMARY KEY, b int, c text)`);
    await admin.execute(`INSERT INTO ${table} (k, b, c) VALUES (1, 2, 'y')`);
    const page = await client.execute(q, [1], { prepare: true });
    expect(page.rows).toStrictEqual([{ k: 1, b: 2, c: 'y' }]);
    expect(page.columns.map((c) => c.name)).toStrictEqual(['k', 'b', 'c']);
    expect((await client.prepare(q)).resultColumns.map((c) => c.name)).toStrictEqual(['k', 'b', 'c']);
  });

  it('re-prepares inside a batch too', async () => {
    const table = `forget_batch_v${version}`;
    await ddl(admin, `CREATE TABLE ${table} (k int PRIMARY KEY, v text)`);
    const insert = await client.prepare(`INSERT INTO ${table} (k, v) VALUES (?, ?)`);
    await client.batch([{ query: insert, params: [1, 'a'] }]);
    await ddl(admin, `DROP TABLE ${table}`, `CREATE TABLE ${table} (k int PRIMARY KEY, v text)`);
    await client.batch([
      { query: insert, params: [2, 'b'] },
      { query: insert, params: [3, 'c'] },
    ]);
    expect((await client.execute(`SELECT k, v FROM ${table}`)).rows.sort((a, b) => (a['k'] as number) - (b['k'] as number))).toStrictEqual([
      { k: 2, v: 'b' },
      { k: 3, v: 'c' },
    ]);
  });

  it('SELECT * prepared, then ALTER TABLE ADD: the new column appears in the rows', async () => {
    const table = `meta_v${version}`;
    await ddl(admin, `CREATE TABLE ${table} (k int PRIMARY KEY, v text)`);
    await client.execute(`INSERT INTO ${table} (k, v) VALUES (1, 'x')`);
    const q = `SELECT * FROM ${table} WHERE k = ?`;
    const first = await client.execute(q, [1], { prepare: true });
    expect(first.rows).toStrictEqual([{ k: 1, v: 'x' }]);
    expect(first.columns.map((c) => c.name)).toStrictEqual(['k', 'v']);
    const ps = await client.prepare(q);
    const idBefore = ps.resultMetadataId;
    // v5 sends the result metadata id (and skips metadata in results); v4 has none
    if (version === 5) expect(idBefore?.length).toBeGreaterThan(0);
    else expect(idBefore).toBeUndefined();
    await ddl(admin, `ALTER TABLE ${table} ADD w int`);
    await admin.execute(`UPDATE ${table} SET w = 7 WHERE k = 1`);
    const second = await client.execute(q, [1], { prepare: true });
    expect(second.rows).toStrictEqual([{ k: 1, v: 'x', w: 7 }]);
    expect(second.columns.map((c) => c.name)).toStrictEqual(['k', 'v', 'w']);
    if (version === 5) {
      // METADATA_CHANGED: the statement adopted the server's new metadata id and columns
      expect(ps.resultMetadataId).not.toStrictEqual(idBefore);
      expect(ps.resultColumns.map((c) => c.name)).toStrictEqual(['k', 'v', 'w']);
    }
    // and it stays right on later executions (new metadata id adopted)
    const third = await client.execute(q, [1], { prepare: true });
    expect(third.rows).toStrictEqual([{ k: 1, v: 'x', w: 7 }]);
    // a column dropped disappears as well
    await ddl(admin, `ALTER TABLE ${table} DROP v`);
    const fourth = await client.execute(q, [1], { prepare: true });
    expect(fourth.rows).toStrictEqual([{ k: 1, w: 7 }]);
  });
});

describe('prepared cache', () => {
  it('is bounded by preparedCacheSize (least recently used evicted) and reuses what it holds', async () => {
    await ddl(admin, 'CREATE TABLE IF NOT EXISTS cache_t (k int PRIMARY KEY, v int)');
    const client = await connect({ keyspace: KS, preparedCacheSize: 2 });
    try {
      const q = (i: number): string => `SELECT v FROM cache_t WHERE k = ? /* q${i} */`;
      const a = await client.prepare(q(1));
      const b = await client.prepare(q(2));
      expect(await client.prepare(q(1))).toBe(a); // hit; q1 is now the most recent
      expect(count('prepare', q(1))).toBe(1);
      await client.prepare(q(3)); // evicts q2, the least recently used
      expect(await client.prepare(q(1))).toBe(a);
      expect(count('prepare', q(1))).toBe(1);
      const b2 = await client.prepare(q(2)); // was evicted: prepared again (evicts q3)
      expect(b2).not.toBe(b);
      expect(b2.id).toStrictEqual(b.id); // the server's id is a digest of the text
      expect(count('prepare', q(2))).toBe(2);
      // execute with prepare: true goes through the same cache
      for (let i = 0; i < 5; i++) await client.execute(q(4), [i], { prepare: true });
      expect(count('prepare', q(4))).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('keys statements by keyspace: the same text in two keyspaces prepares twice', async () => {
    const other = uniqueKeyspace('it_prepared_other');
    await createKeyspace(admin, other);
    try {
      await ddl(admin, `CREATE TABLE ${other}.same (k int PRIMARY KEY, v text)`, 'CREATE TABLE IF NOT EXISTS same (k int PRIMARY KEY, v text)');
      await admin.execute(`INSERT INTO ${other}.same (k, v) VALUES (1, 'other')`);
      await admin.execute(`INSERT INTO ${KS}.same (k, v) VALUES (1, 'main')`);
      const client = await connect({ keyspace: KS });
      try {
        const q = 'SELECT v FROM same WHERE k = ?';
        expect((await client.execute(q, [1], { prepare: true })).one()).toStrictEqual({ v: 'main' });
        await client.useKeyspace(other);
        expect((await client.execute(q, [1], { prepare: true })).one()).toStrictEqual({ v: 'other' });
        // v5: the per-request keyspace selects it too
        expect((await client.execute(q, [1], { prepare: true, keyspace: KS })).one()).toStrictEqual({ v: 'main' });
      } finally {
        await client.close();
      }
    } finally {
      await dropKeyspace(admin, other);
    }
  });
});
