// The prepare-time check of typed statements, on metadata as the server sends it: matching
// columns pass; a changed type, an undeclared result column or a declared column missing from
// a SELECT * fail with SchemaMismatchError naming the column; markers that are not columns pass.
import { describe, expect, it } from 'vitest';
import { DataTypes, type ColumnSpec, type DataType } from '../../protocol/index.js';
import { SchemaMismatchError } from '../../src/index.js';
import { checkDeclared, type DeclaredTable } from '../../src/session/schema-check.js';

const items: DeclaredTable = {
  keyspace: 'shop',
  table: 'items',
  columns: {
    id: { name: 'id', type: 'int' },
    name: { name: 'name', type: 'text' },
    tags: { name: 'tags', type: 'frozen<map<text, frozen<list<int>>>>' },
  },
};
const spec = (name: string, type: DataType, table = 'items'): ColumnSpec => ({ keyspace: 'shop', table, name, type });
const all = [spec('id', DataTypes.int), spec('name', DataTypes.text), spec('tags', DataTypes.map(DataTypes.text, DataTypes.list(DataTypes.int)))];

describe('checkDeclared', () => {
  it('passes matching metadata, other tables and markers that are not columns', () => {
    expect(() => checkDeclared('SELECT * FROM shop.items WHERE id = ? LIMIT ?', [items], [spec('id', DataTypes.int), spec('[limit]', DataTypes.int)], all)).not.toThrow();
    expect(() => checkDeclared('SELECT x FROM shop.other', [items], [], [spec('x', DataTypes.uuid, 'other')])).not.toThrow();
  });

  it('rejects a changed type of a bind marker or a result column', () => {
    const err = (() => {
      try {
        checkDeclared('SELECT name FROM shop.items WHERE id = ?', [items], [spec('id', DataTypes.bigint)], [spec('name', DataTypes.text)]);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SchemaMismatchError);
    expect(err).toMatchObject({ code: 'ERR_SCHEMA_MISMATCH', column: 'id', declared: 'int', actual: 'bigint' });
    expect(() => checkDeclared('SELECT tags FROM shop.items', [items], [], [spec('tags', DataTypes.map(DataTypes.text, DataTypes.set(DataTypes.int)))])).toThrow(/column "tags" is map<text,set<int>>, declared map<text,list<int>>/);
  });

  it('rejects an undeclared result column, and a declared column a SELECT * no longer returns', () => {
    expect(() => checkDeclared('SELECT * FROM shop.items', [items], [], [...all, spec('stock', DataTypes.int)])).toThrow(expect.objectContaining({ column: 'stock', declared: null }) as Error);
    expect(() => checkDeclared('select  *  from shop.items', [items], [], all.slice(0, 2))).toThrow(expect.objectContaining({ column: 'tags', actual: null }) as Error);
    // An explicit selection may leave declared columns out.
    expect(() => checkDeclared('SELECT id FROM shop.items', [items], [], all.slice(0, 1))).not.toThrow();
  });
});
