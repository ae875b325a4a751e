// Mapper misuse the types cannot catch (casts, plain JS callers) fails with InvalidArgumentError
// before anything is sent.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, type Client } from '../../src/index.js';
import { Mapper, type TableSchema } from '../../src/mapper/index.js';

interface Row {
  id: number;
  name: string | null;
}
const table: TableSchema<Row, 'id'> = {
  keyspace: 'ks',
  table: 't',
  partitionKey: ['id'],
  clusteringKey: [],
  columns: { id: { name: 'id', type: 'int', kind: 'partition_key' }, name: { name: 'name', type: 'text', kind: 'regular' } },
};
// Nothing may reach the client.
const client = new Proxy({}, { get: () => () => Promise.reject(new Error('sent')) }) as unknown as Client;

describe('mapper arguments', () => {
  const m = new Mapper(client).forTable(table);
  it('an update that sets nothing, a missing key, an unknown property, a condition on a regular column', async () => {
    await expect(m.update({ id: 1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(m.get({} as { id: number })).rejects.toThrow(/key property id is missing/);
    await expect(m.insert({ id: 1, nope: 1 } as unknown as Row)).rejects.toThrow(/nope is not a property of ks.t/);
    await expect(m.find({ id: 1, name: 'x' } as unknown as { id: number })).rejects.toThrow(/name is not a key column/);
    // An inherited property is never a column: only own properties are read.
    await expect(m.insert(Object.create({ name: 'inherited' }) as Row)).rejects.toThrow(/key property id is missing/);
  });
});
