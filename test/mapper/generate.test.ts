// The generator without a server: CQL type strings parsed, metadata in any order giving the same
// text, names that would clash with the types the module uses, and the canonical spellings the
// prepare-time check compares.
import { describe, expect, it } from 'vitest';
import type { ColumnMetadata, KeyspaceMetadata, TableMetadata, UserTypeMetadata } from '../../src/cluster/metadata.js';
import { generateFromMetadata } from '../../src/mapper/index.js';
import { canonicalCqlType, canonicalDataType, parseCqlType } from '../../src/session/cql-type.js';
import { DataTypes } from '../../protocol/index.js';

const col = (name: string, type: string, kind: ColumnMetadata['kind'] = 'regular', position = -1): ColumnMetadata => ({
  name,
  type,
  kind,
  position,
  clusteringOrder: kind === 'clustering' ? 'asc' : 'none',
});

function table(name: string, cols: ColumnMetadata[]): TableMetadata {
  return {
    keyspace: 'ks',
    name,
    isView: false,
    columns: new Map(cols.map((c) => [c.name, c])),
    indexes: new Map(),
    partitionKey: cols.filter((c) => c.kind === 'partition_key'),
    clusteringKey: cols.filter((c) => c.kind === 'clustering').sort((x, y) => x.position - y.position),
  };
}

function keyspace(tables: TableMetadata[], types: UserTypeMetadata[]): KeyspaceMetadata {
  return { name: 'ks', durableWrites: true, replication: { class: 'SimpleStrategy' }, tables: new Map(tables.map((t) => [t.name, t])), userTypes: new Map(types.map((u) => [u.name, u])) };
}

describe('CQL type strings', () => {
  it('parse nested, frozen, quoted, vector and custom types', () => {
    expect(canonicalCqlType(parseCqlType('frozen<map<text, frozen<list<int>>>>'))).toBe('map<text,list<int>>');
    expect(canonicalCqlType(parseCqlType('frozen<"Mixed""Type">'))).toBe('"Mixed""Type"');
    expect(parseCqlType('address')).toEqual({ kind: 'udt', name: 'address' });
    expect(parseCqlType('vector<float, 3>')).toEqual({ kind: 'vector', element: { kind: 'simple', name: 'float' }, dimension: 3 });
    expect(parseCqlType("'org.apache.cassandra.db.marshal.BytesType'")).toEqual({ kind: 'custom', className: 'org.apache.cassandra.db.marshal.BytesType' });
    expect(canonicalCqlType(parseCqlType('varchar'))).toBe('text');
    expect(canonicalCqlType(parseCqlType('tuple<int, frozen<set<timeuuid>>, duration>'))).toBe('tuple<int,set<timeuuid>,duration>');
    expect(() => parseCqlType('map<int>')).toThrow(/2 type arguments/);
    expect(() => parseCqlType('list<int')).toThrow();
  });

  it('the server type and the declared string meet in one canonical spelling', () => {
    expect(canonicalDataType(DataTypes.map(DataTypes.text, DataTypes.list(DataTypes.int)))).toBe(canonicalCqlType(parseCqlType('map<text, frozen<list<int>>>')));
    expect(canonicalDataType({ kind: 'vector', element: DataTypes.float, dimension: 3 })).toBe(canonicalCqlType(parseCqlType('vector<float, 3>')));
    expect(canonicalDataType({ kind: 'udt', keyspace: 'ks', name: 'MixedType', fields: [] })).toBe(canonicalCqlType(parseCqlType('frozen<"MixedType">')));
  });
});

describe('generateFromMetadata', () => {
  const udts: UserTypeMetadata[] = [
    { keyspace: 'ks', name: 'map', fields: [{ name: 'k', type: 'text' }] },
    { keyspace: 'ks', name: 'date', fields: [{ name: '__proto__', type: 'int' }, { name: 'inner', type: 'frozen<map>' }] },
  ];
  const tables = [
    table('t_b', [col('id', 'int', 'partition_key', 0), col('d', 'frozen<date>'), col('m', 'map<text, frozen<map>>')]),
    table('t_a', [col('id', 'uuid', 'partition_key', 0), col('c2', 'int', 'clustering', 1), col('c1', 'text', 'clustering', 0), col('z', 'text'), col('s', 'int', 'static'), col('a_b', 'int'), col('aB', 'int')]),
  ];

  it('is deterministic: the same schema in any order gives the same text', () => {
    const one = generateFromMetadata(keyspace(tables, udts), { keyspace: 'ks' });
    const two = generateFromMetadata(keyspace([...tables].reverse(), [...udts].reverse()), { keyspace: 'ks' });
    expect(two).toBe(one);
  });

  it('never shadows the types it uses (a UDT named map or date), orders columns by role and position', () => {
    const text = generateFromMetadata(keyspace(tables, udts), { keyspace: 'ks', naming: 'camelCase' });
    expect(text).toContain('export interface MapUdt {');
    expect(text).toContain('export interface DateUdt {');
    expect(text).toContain("  '__proto__': number | null;");
    expect(text).toContain('  inner: MapUdt | null;');
    expect(text).toContain('  m: Map<string, MapUdt> | null;');
    // Partition key, clustering by position, static, then regular by name.
    const a = text.slice(text.indexOf('export interface TA'), text.indexOf('export const tATable'));
    expect([...a.matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1])).toEqual(['id', 'c1', 'c2', 's', 'aB', 'a_b', 'z']);
    // camelCase where it collides with nothing: a_b stays, its camel form aB is a column already.
    expect(text).toContain("a_b: { name: 'a_b'");
  });

  it('rejects an unknown table', () => {
    expect(() => generateFromMetadata(keyspace(tables, udts), { keyspace: 'ks', tables: ['nope'] })).toThrow(/not found/);
  });
});
