import type { DataType, SimpleKind, UdtField } from './datatype.js';

type Simple<K extends SimpleKind> = { readonly kind: K };

function simple<K extends SimpleKind>(kind: K): Simple<K> {
  return Object.freeze({ kind });
}

/**
 * Shared, frozen {@link DataType} objects for the parameterless types, plus builders for the
 * parameterised ones. {@link readTypeOption} returns these singletons for simple types, so
 * codecs compiled for them are cached once per process.
 *
 * @example
 * ```ts
 * const t = DataTypes.map(DataTypes.text, DataTypes.list(DataTypes.int));
 * ```
 */
export const DataTypes = {
  ascii: simple('ascii'),
  bigint: simple('bigint'),
  blob: simple('blob'),
  boolean: simple('boolean'),
  counter: simple('counter'),
  date: simple('date'),
  decimal: simple('decimal'),
  double: simple('double'),
  duration: simple('duration'),
  float: simple('float'),
  inet: simple('inet'),
  int: simple('int'),
  smallint: simple('smallint'),
  text: simple('text'),
  time: simple('time'),
  timestamp: simple('timestamp'),
  timeuuid: simple('timeuuid'),
  tinyint: simple('tinyint'),
  uuid: simple('uuid'),
  varint: simple('varint'),
  /** `list<element>`. */
  list: (element: DataType): DataType => ({ kind: 'list', element }),
  /** `set<element>`. */
  set: (element: DataType): DataType => ({ kind: 'set', element }),
  /** `map<key, value>`. */
  map: (key: DataType, value: DataType): DataType => ({ kind: 'map', key, value }),
  /** `tuple<...elements>`. */
  tuple: (...elements: DataType[]): DataType => ({ kind: 'tuple', elements }),
  /** A user-defined type `keyspace.name` with its fields in declaration order. */
  udt: (keyspace: string, name: string, fields: readonly UdtField[]): DataType => ({
    kind: 'udt',
    keyspace,
    name,
    fields,
  }),
  /** `vector<element, dimension>` (Cassandra 5.0). */
  vector: (element: DataType, dimension: number): DataType => ({ kind: 'vector', element, dimension }),
  /** A custom type known only by its server-side (Java) class name. */
  custom: (className: string): DataType => ({ kind: 'custom', className }),
} as const;

const SIMPLE_KINDS: ReadonlySet<string> = new Set<SimpleKind>([
  'ascii',
  'bigint',
  'blob',
  'boolean',
  'counter',
  'date',
  'decimal',
  'double',
  'duration',
  'float',
  'inet',
  'int',
  'smallint',
  'text',
  'time',
  'timestamp',
  'timeuuid',
  'tinyint',
  'uuid',
  'varint',
]);

/** True if `kind` names a type without parameters (`int`, `text`, ...). */
export function isSimpleKind(kind: string): kind is SimpleKind {
  return SIMPLE_KINDS.has(kind);
}

/** The shared singleton for a simple kind. */
export function simpleType(kind: SimpleKind): DataType {
  return DataTypes[kind];
}
