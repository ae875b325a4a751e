// Every mapper operation against the real node, with the CQL it sends checked (from the
// cqlwire:request:start channel): get, find with clustering conditions/order/limit, findAll,
// paging and iteration, insert/update/remove with TTL, timestamp and conditions, counters and
// collections, batches, mapWithQuery, camelCase properties, awkward names, hostile values.
import diagnosticsChannel from 'node:diagnostics_channel';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BigDecimal, Client, channelNames, type RequestStartMessage } from '../../../src/index.js';
import { Mapper, q, type TableSchema } from '../../../src/mapper/index.js';
import { connect, createKeyspace, ddl, dropKeyspace, uniqueKeyspace } from '../../integration/helpers.js';

const KS = uniqueKeyspace('it_mapper');
let client: Client;
let mapper: Mapper;
let sent: string[] = [];
const onStart = (m: unknown): void => {
  const s = m as RequestStartMessage;
  if (s.kind !== 'prepare') sent.push(s.query);
};

interface Reading {
  sensorId: string;
  day: string;
  at: Date;
  value: number | null;
  unitName: string | null;
  tags: string[] | null;
}
const readings: TableSchema<Reading, 'sensorId' | 'day', 'at'> = {
  keyspace: KS,
  table: 'readings',
  partitionKey: ['sensorId', 'day'],
  clusteringKey: ['at'],
  columns: {
    sensorId: { name: 'sensor_id', type: 'text', kind: 'partition_key' },
    day: { name: 'day', type: 'text', kind: 'partition_key' },
    at: { name: 'at', type: 'timestamp', kind: 'clustering', order: 'desc' },
    value: { name: 'value', type: 'double', kind: 'regular' },
    unitName: { name: 'unit_name', type: 'text', kind: 'static' },
    tags: { name: 'tags', type: 'list<text>', kind: 'regular' },
  },
};

interface Odd {
  Key: number;
  ['__proto__']: string | null;
  then: string | null;
  constructor: string | null;
  'quo"te': string | null;
}
const odd: TableSchema<Odd, 'Key'> = {
  keyspace: KS,
  table: 'Odd',
  partitionKey: ['Key'],
  clusteringKey: [],
  columns: {
    Key: { name: 'Key', type: 'int', kind: 'partition_key' },
    ['__proto__']: { name: '__proto__', type: 'text', kind: 'regular' },
    then: { name: 'then', type: 'text', kind: 'regular' },
    constructor: { name: 'constructor', type: 'text', kind: 'regular' },
    'quo"te': { name: 'quo"te', type: 'text', kind: 'regular' },
  },
};

interface Hit {
  page: string;
  hits: bigint | null;
}
const hits: TableSchema<Hit, 'page'> = {
  keyspace: KS,
  table: 'hits',
  partitionKey: ['page'],
  clusteringKey: [],
  columns: { page: { name: 'page', type: 'text', kind: 'partition_key' }, hits: { name: 'hits', type: 'counter', kind: 'regular' } },
};

interface Item {
  id: number;
  name: string | null;
  price: BigDecimal | null;
}
const items: TableSchema<Item, 'id'> = {
  keyspace: KS,
  table: 'items',
  partitionKey: ['id'],
  clusteringKey: [],
  columns: {
    id: { name: 'id', type: 'int', kind: 'partition_key' },
    name: { name: 'name', type: 'text', kind: 'regular' },
    price: { name: 'price', type: 'decimal', kind: 'regular' },
  },
};

const T = `"${KS}"."readings"`;

beforeAll(async () => {
  client = await connect();
  await createKeyspace(client, KS);
  await ddl(
    client,
    `CREATE TABLE ${KS}.readings (sensor_id text, day text, at timestamp, value double, unit_name text static, tags list<text>,
       PRIMARY KEY ((sensor_id, day), at)) WITH CLUSTERING ORDER BY (at DESC)`,
    `CREATE TABLE ${KS}."Odd" ("Key" int PRIMARY KEY, "__proto__" text, "then" text, "constructor" text, "quo""te" text)`,
    `CREATE TABLE ${KS}.hits (page text PRIMARY KEY, hits counter)`,
    `CREATE TABLE ${KS}.items (id int PRIMARY KEY, name text, price decimal)`,
  );
  mapper = new Mapper(client);
  diagnosticsChannel.subscribe(channelNames.requestStart, onStart);
}, 180_000);

afterAll(async () => {
  diagnosticsChannel.unsubscribe(channelNames.requestStart, onStart);
  if (client) {
    await dropKeyspace(client, KS);
    await client.close();
  }
});

beforeEach(() => {
  sent = [];
});

const at = (minute: number): Date => new Date(Date.UTC(2026, 0, 1, 0, minute));

describe('ModelMapper', () => {
  const model = () => mapper.forTable(readings);

  it('insert, get (camelCase properties ↔ snake_case columns), with TTL and timestamp bound', async () => {
    const m = model();
    for (let i = 0; i < 10; i++) {
      const r = await m.insert({ sensorId: 's1', day: 'd1', at: at(i), value: i, unitName: 'C' });
      expect(r).toEqual({ applied: true, existing: null });
    }
    expect(sent[0]).toBe(`INSERT INTO ${T} ("sensor_id", "day", "at", "value", "unit_name") VALUES (?, ?, ?, ?, ?)`);
    await m.insert({ sensorId: 's1', day: 'd1', at: at(99), value: 1.5, tags: ['a'] }, { ttl: 3600, timestamp: 1_700_000_000_000_000n });
    expect(sent.at(-1)).toBe(`INSERT INTO ${T} ("sensor_id", "day", "at", "value", "tags") VALUES (?, ?, ?, ?, ?) USING TTL ? AND TIMESTAMP ?`);
    const meta = (await client.execute(`SELECT ttl(value) AS t, writetime(value) AS w FROM ${KS}.readings WHERE sensor_id = 's1' AND day = 'd1' AND at = ?`, [at(99)], { prepare: true })).one();
    expect(Number(meta?.['t'])).toBeGreaterThan(3500);
    expect(meta?.['w']).toBe(1_700_000_000_000_000n);

    sent = [];
    const got = await m.get({ sensorId: 's1', day: 'd1', at: at(99) });
    expect(got).toEqual({ sensorId: 's1', day: 'd1', at: at(99), value: 1.5, unitName: 'C', tags: ['a'] });
    expect(sent).toEqual([`SELECT "sensor_id", "day", "at", "value", "unit_name", "tags" FROM ${T} WHERE "sensor_id" = ? AND "day" = ? AND "at" = ?`]);
    expect(await m.get({ sensorId: 's1', day: 'd1', at: at(500) })).toBeNull();
    const some = await m.get({ sensorId: 's1', day: 'd1', at: at(99) }, { fields: ['value', 'tags'] });
    expect(some).toEqual({ value: 1.5, tags: ['a'] });
    expect(sent.at(-1)).toBe(`SELECT "value", "tags" FROM ${T} WHERE "sensor_id" = ? AND "day" = ? AND "at" = ?`);
  });

  it('find: partition key, clustering conditions (=, <, >, range, in), order, limit, fields', async () => {
    const m = model();
    const range = await m.find({ sensorId: 's1', day: 'd1', at: q.and(q.gte(at(2)), q.lt(at(5))) });
    expect(range.rows.map((r) => r.value)).toEqual([4, 3, 2]);
    expect(sent.at(-1)).toBe(`SELECT "sensor_id", "day", "at", "value", "unit_name", "tags" FROM ${T} WHERE "sensor_id" = ? AND "day" = ? AND "at" >= ? AND "at" < ?`);
    const asc = await m.find({ sensorId: 's1', day: 'd1', at: q.gt(at(6)) }, { orderBy: { at: 'asc' }, limit: 2, fields: ['at', 'value'] });
    expect(asc.rows).toEqual([{ at: at(7), value: 7 }, { at: at(8), value: 8 }]);
    expect(sent.at(-1)).toBe(`SELECT "at", "value" FROM ${T} WHERE "sensor_id" = ? AND "day" = ? AND "at" > ? ORDER BY "at" ASC LIMIT ?`);
    const lt = await m.find({ sensorId: 's1', day: 'd1', at: q.lt(at(1)) });
    expect(lt.rows.map((r) => r.value)).toEqual([0]);
    const eq = await m.find({ sensorId: 's1', day: 'd1', at: at(3) });
    expect(eq.first()?.value).toBe(3);
    expect(sent.at(-1)).toBe(`SELECT "sensor_id", "day", "at", "value", "unit_name", "tags" FROM ${T} WHERE "sensor_id" = ? AND "day" = ? AND "at" = ?`);
    const inList = await m.find({ sensorId: 's1', day: 'd1', at: q.in([at(1), at(8)]) });
    expect(inList.rows.map((r) => r.value).sort()).toEqual([1, 8]);
    expect(sent.at(-1)).toBe(`SELECT "sensor_id", "day", "at", "value", "unit_name", "tags" FROM ${T} WHERE "sensor_id" = ? AND "day" = ? AND "at" IN ?`);
    const partitions = await m.find({ sensorId: 's1', day: q.in(['d1', 'd2']) }, { limit: 3 });
    expect(partitions.rows).toHaveLength(3);
  });

  it('paging: fetchSize and pagingState, nextPage(), iterate() and findAll()', async () => {
    const m = model();
    const first = await m.find({ sensorId: 's1', day: 'd1' }, { fetchSize: 4 });
    expect(first.rows).toHaveLength(4);
    expect(first.pagingState).not.toBeNull();
    const resumed = await m.find({ sensorId: 's1', day: 'd1' }, { fetchSize: 4, pagingState: first.pagingState! });
    expect(resumed.rows[0]?.at).toEqual(at(6));
    const second = await first.nextPage();
    expect(second?.rows).toEqual(resumed.rows);
    const all: number[] = [];
    for await (const r of m.iterate({ sensorId: 's1', day: 'd1' }, { fetchSize: 3, fields: ['value'] })) all.push(r.value!);
    expect(all).toEqual([1.5, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    const everything = await m.findAll({ limit: 5 });
    expect(everything.rows).toHaveLength(5);
    expect(sent.at(-1)).toBe(`SELECT "sensor_id", "day", "at", "value", "unit_name", "tags" FROM ${T} LIMIT ?`);
  });

  it('update: values, collections, conditions (IF EXISTS, IF col = / >) returning applied and the existing values', async () => {
    const m = model();
    const key = { sensorId: 's1', day: 'd1', at: at(0) };
    expect(await m.update({ ...key, value: 10 }, { ttl: 60 })).toEqual({ applied: true, existing: null });
    expect(sent.at(-1)).toBe(`UPDATE ${T} USING TTL ? SET "value" = ? WHERE "sensor_id" = ? AND "day" = ? AND "at" = ?`);
    await m.update({ ...key, tags: q.append(['x', 'y']) });
    await m.update({ ...key, tags: q.prepend(['w']) });
    await m.update({ ...key, tags: q.remove(['x']) });
    expect(sent.slice(-3)).toEqual([
      `UPDATE ${T} SET "tags" = "tags" + ? WHERE "sensor_id" = ? AND "day" = ? AND "at" = ?`,
      `UPDATE ${T} SET "tags" = ? + "tags" WHERE "sensor_id" = ? AND "day" = ? AND "at" = ?`,
      `UPDATE ${T} SET "tags" = "tags" - ? WHERE "sensor_id" = ? AND "day" = ? AND "at" = ?`,
    ]);
    expect((await m.get(key))?.tags).toEqual(['w', 'y']);
    const failed = await m.update({ ...key, value: 11 }, { if: { value: 999 } });
    expect(failed).toEqual({ applied: false, existing: { value: 10 } });
    expect(sent.at(-1)).toBe(`UPDATE ${T} SET "value" = ? WHERE "sensor_id" = ? AND "day" = ? AND "at" = ? IF "value" = ?`);
    expect(await m.update({ ...key, value: 11 }, { if: { value: q.gt(5) } })).toEqual({ applied: true, existing: null });
    expect(sent.at(-1)).toBe(`UPDATE ${T} SET "value" = ? WHERE "sensor_id" = ? AND "day" = ? AND "at" = ? IF "value" > ?`);
    expect((await m.update({ sensorId: 'none', day: 'd1', at: at(0), value: 1 }, { ifExists: true })).applied).toBe(false);
    expect(sent.at(-1)).toBe(`UPDATE ${T} SET "value" = ? WHERE "sensor_id" = ? AND "day" = ? AND "at" = ? IF EXISTS`);
  });

  it('insert ifNotExists and remove (row, IF EXISTS, IF condition, with timestamp, whole partition)', async () => {
    const m = model();
    const key = { sensorId: 's2', day: 'd1', at: at(1) };
    expect(await m.insert({ ...key, value: 1 }, { ifNotExists: true })).toEqual({ applied: true, existing: null });
    expect(sent.at(-1)).toBe(`INSERT INTO ${T} ("sensor_id", "day", "at", "value") VALUES (?, ?, ?, ?) IF NOT EXISTS`);
    const again = await m.insert({ ...key, value: 2 }, { ifNotExists: true });
    expect(again.applied).toBe(false);
    expect(again.existing).toMatchObject({ sensorId: 's2', value: 1 });
    expect((await m.remove(key, { if: { value: 5 } })).applied).toBe(false);
    expect(sent.at(-1)).toBe(`DELETE FROM ${T} WHERE "sensor_id" = ? AND "day" = ? AND "at" = ? IF "value" = ?`);
    expect((await m.remove(key, { ifExists: true })).applied).toBe(true);
    expect(sent.at(-1)).toBe(`DELETE FROM ${T} WHERE "sensor_id" = ? AND "day" = ? AND "at" = ? IF EXISTS`);
    await m.insert({ ...key, value: 3 });
    await m.insert({ ...key, at: at(2), value: 4 });
    await m.remove({ sensorId: 's2', day: 'd1' }, { timestamp: new Date() });
    expect(sent.at(-1)).toBe(`DELETE FROM ${T} USING TIMESTAMP ? WHERE "sensor_id" = ? AND "day" = ?`);
    expect((await m.find({ sensorId: 's2', day: 'd1' })).rows).toEqual([]);
  });

  it('counters: q.incr / q.decr', async () => {
    const h = mapper.forTable(hits);
    await h.update({ page: '/', hits: q.incr(5n) });
    await h.update({ page: '/', hits: q.decr(2) });
    expect(sent).toEqual([`UPDATE "${KS}"."hits" SET "hits" = "hits" + ? WHERE "page" = ?`, `UPDATE "${KS}"."hits" SET "hits" = "hits" + ? WHERE "page" = ?`]);
    expect((await h.get({ page: '/' }))?.hits).toBe(3n);
  });

  it('batch of mapper writes, and a conditional batch reporting applied', async () => {
    const it = mapper.forTable(items);
    const r = await mapper.batch([it.batching.insert({ id: 1, name: 'kettle', price: BigDecimal.fromString('24.90') }), it.batching.update({ id: 2, name: 'mug' }), it.batching.remove({ id: 3 })]);
    expect(r.applied).toBe(true);
    expect(sent.at(-1)).toBe('BATCH(3)');
    expect((await it.get({ id: 1 }))?.name).toBe('kettle');
    expect((await it.get({ id: 2 }))?.name).toBe('mug');
    const cas = await mapper.batch([it.batching.update({ id: 1, name: 'pot' }, { if: { name: 'nope' } }), it.batching.update({ id: 1, price: null })]);
    expect(cas.applied).toBe(false);
    expect((await it.get({ id: 1 }))?.name).toBe('kettle');
  });

  it('mapWithQuery: custom CQL, rows mapped to properties', async () => {
    const byValue = mapper.forTable(readings).mapWithQuery(`SELECT sensor_id, at, value FROM ${KS}.readings WHERE sensor_id = ? AND day = ? AND at = ?`, (k: { sensorId: string; at: Date }) => [k.sensorId, 'd1', k.at]);
    const page = await byValue({ sensorId: 's1', at: at(4) });
    expect(page.rows).toEqual([{ sensorId: 's1', at: at(4), value: 4 }]);
  });

  it('statements are prepared once and cached by shape', async () => {
    const m = model();
    const before = mapper.statements.size;
    await m.get({ sensorId: 's1', day: 'd1', at: at(1) });
    await m.get({ sensorId: 's9', day: 'd9', at: at(2) });
    expect(mapper.statements.size).toBe(before);
  });
});

describe('names and values are never CQL', () => {
  it('"__proto__", "then", "constructor", a quote and mixed case round-trip as own properties', async () => {
    const m = mapper.forTable(odd);
    const row: Odd = { Key: 1, then: 'later', constructor: 'ctor', 'quo"te': 'q', ['__proto__']: null };
    Object.defineProperty(row, '__proto__', { value: 'proto', enumerable: true, writable: true, configurable: true });
    await m.insert(row);
    expect(sent.at(-1)).toBe(`INSERT INTO "${KS}"."Odd" ("Key", "then", "constructor", "quo""te", "__proto__") VALUES (?, ?, ?, ?, ?)`);
    const back = await m.get({ Key: 1 });
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.hasOwn(back!, '__proto__') && back!['__proto__']).toBe('proto');
    expect(back).toMatchObject({ Key: 1, then: 'later', constructor: 'ctor', 'quo"te': 'q' });
    // A row with a "then" string is not a thenable: awaiting get() gave the row itself.
    expect(typeof back!.then).toBe('string');
    // An object without an own __proto__ property writes nothing for it (not Object.prototype).
    // (`constructor` given: an object literal's inherited constructor would not type-check as text.)
    await m.insert({ Key: 2, then: 't', constructor: null });
    expect((await m.get({ Key: 2 }))?.['__proto__']).toBeNull();
  });

  it('hostile values are bound, never concatenated: the CQL sent is the same as with plain values', async () => {
    const m = mapper.forTable(items);
    const hostile = ["x'); DROP KEYSPACE " + KS + '; --', "' OR 1=1 --", '"; DROP TABLE items; --', '?', ':id', '\u0000', "'''", '$$ $$'];
    for (const [i, name] of hostile.entries()) {
      sent = [];
      await m.insert({ id: 100 + i, name });
      await m.update({ id: 100 + i, name }, { if: { name } });
      const got = await m.get({ id: 100 + i });
      expect(got?.name).toBe(name);
      await m.remove({ id: 100 + i }, { if: { name } });
      expect(sent).toEqual([
        `INSERT INTO "${KS}"."items" ("id", "name") VALUES (?, ?)`,
        `UPDATE "${KS}"."items" SET "name" = ? WHERE "id" = ? IF "name" = ?`,
        `SELECT "id", "name", "price" FROM "${KS}"."items" WHERE "id" = ?`,
        `DELETE FROM "${KS}"."items" WHERE "id" = ? IF "name" = ?`,
      ]);
      if (name.length > 3) for (const cql of sent) expect(cql).not.toContain(name);
    }
    // A hostile value of a key and a condition: still bound.
    const p = await mapper.forTable(readings).find({ sensorId: "s1' OR '1'='1", day: 'd1' });
    expect(p.rows).toEqual([]);
    expect(client.metadata.keyspace(KS)).toBeDefined();
  });
});
