// Compile-time checks of the mapper and typed statements: every `@ts-expect-error` line must be
// an error (tsc fails on an unused one), every other line must compile. Never run; type-checked
// by test/mapper/typecheck.test.ts (and by the project's typecheck).
import type { BigDecimal, Client } from '../../../src/index.js';
import { Mapper, q, type TableSchema } from '../../../src/mapper/index.js';

interface ItemRow {
  shopId: number;
  sku: string;
  name: string | null;
  price: BigDecimal | null;
  stock: number | null;
  tags: string[] | null;
  views: bigint | null;
}
declare const items: TableSchema<ItemRow, 'shopId', 'sku'>;
declare const client: Client;

export async function checks(): Promise<void> {
  const m = new Mapper(client).forTable(items);

  // get: the full primary key, nothing else.
  const row = await m.get({ shopId: 1, sku: 'a' });
  const name: string | null | undefined = row?.name;
  void name;
  // @ts-expect-error a clustering column of the key is missing
  await m.get({ shopId: 1 });
  // @ts-expect-error name is not a key column
  await m.get({ shopId: 1, sku: 'a', name: 'x' });
  // @ts-expect-error wrong key value type
  await m.get({ shopId: '1', sku: 'a' });
  // @ts-expect-error no such column
  await m.get({ shopId: 1, sku: 'a' }, { fields: ['nope'] });
  const picked = await m.get({ shopId: 1, sku: 'a' }, { fields: ['name'] });
  // @ts-expect-error a column that was not selected
  void picked?.price;

  // find: partition key required, clustering conditions typed.
  await m.find({ shopId: 1, sku: q.and(q.gte('a'), q.lt('m')) }, { orderBy: { sku: 'desc' }, limit: 10 });
  // @ts-expect-error the partition key is missing
  await m.find({ sku: 'a' });
  // @ts-expect-error a condition of the wrong type (number for a text column)
  await m.find({ shopId: 1, sku: q.gt(5) });
  // @ts-expect-error conditions on a regular column are not allowed
  await m.find({ shopId: 1, stock: q.gt(5) });
  // @ts-expect-error order by a regular column
  await m.find({ shopId: 1 }, { orderBy: { stock: 'asc' } });

  // insert: key required, values typed.
  await m.insert({ shopId: 1, sku: 'a', name: 'kettle', stock: 3 }, { ifNotExists: true, ttl: 60 });
  // @ts-expect-error wrong value type
  await m.insert({ shopId: 1, sku: 'a', stock: '3' });
  // @ts-expect-error unknown column
  await m.insert({ shopId: 1, sku: 'a', colour: 'red' });
  // @ts-expect-error the key is incomplete
  await m.insert({ shopId: 1, name: 'x' });

  // update: values or operations of the column's type.
  await m.update({ shopId: 1, sku: 'a', views: q.incr(1n), tags: q.append(['new']) }, { if: { stock: q.gt(0) } });
  // @ts-expect-error appending numbers to a list<text>
  await m.update({ shopId: 1, sku: 'a', tags: q.append([1]) });
  // @ts-expect-error incrementing a text column
  await m.update({ shopId: 1, sku: 'a', name: q.incr(1) });
  // @ts-expect-error an IF condition of the wrong type
  await m.update({ shopId: 1, sku: 'a', stock: 1 }, { if: { name: 5 } });

  // remove: partition key and a clustering prefix.
  await m.remove({ shopId: 1 });
  // @ts-expect-error the partition key is missing
  await m.remove({ sku: 'a' });

  // Typed statements: execute accepts only the declared parameters and returns typed rows.
  const byShop = await client.prepare<{ shopId: number }, ItemRow>('SELECT * FROM shop.items WHERE "shopId" = :shopId', { expect: items });
  const page = await client.execute(byShop, { shopId: 1 });
  const first: ItemRow | null = page.one();
  void first;
  // @ts-expect-error wrong parameter type
  await client.execute(byShop, { shopId: 'one' });
  // @ts-expect-error missing parameter
  await client.execute(byShop, {});
  // @ts-expect-error rows are ItemRow, not strings
  const wrong: string | null = page.one();
  void wrong;
  const positional = await client.prepare<[number, string], ItemRow>('SELECT * FROM shop.items WHERE "shopId" = ? AND sku = ?');
  await client.execute(positional, [1, 'a']);
  // @ts-expect-error positional parameters of the wrong types
  await client.execute(positional, ['a', 1]);
  for await (const r of client.stream(positional, [1, 'a'])) void (r.sku satisfies string);
  // Untyped use is unchanged.
  const plain = await client.prepare('SELECT * FROM shop.items');
  await client.execute(plain, [1, 'anything']);
}
