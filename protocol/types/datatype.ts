/**
 * Description of a CQL type, as read from an [option] in result / prepared metadata or
 * built by hand. A discriminated union on `kind`.
 */
export type DataType =
  | { readonly kind: SimpleKind }
  | { readonly kind: 'custom'; readonly className: string }
  | { readonly kind: 'list'; readonly element: DataType }
  | { readonly kind: 'set'; readonly element: DataType }
  | { readonly kind: 'map'; readonly key: DataType; readonly value: DataType }
  | { readonly kind: 'tuple'; readonly elements: readonly DataType[] }
  | {
      readonly kind: 'udt';
      readonly keyspace: string;
      readonly name: string;
      readonly fields: readonly UdtField[];
    }
  | { readonly kind: 'vector'; readonly element: DataType; readonly dimension: number };

/** One field of a user-defined type. */
export interface UdtField {
  /** Field name. */
  readonly name: string;
  /** Field type. */
  readonly type: DataType;
}

/** Kinds of the types that take no parameters. */
export type SimpleKind =
  | 'ascii'
  | 'bigint'
  | 'blob'
  | 'boolean'
  | 'counter'
  | 'date'
  | 'decimal'
  | 'double'
  | 'duration'
  | 'float'
  | 'inet'
  | 'int'
  | 'smallint'
  | 'text'
  | 'time'
  | 'timestamp'
  | 'timeuuid'
  | 'tinyint'
  | 'uuid'
  | 'varint';

/** Every `kind` a {@link DataType} can have. */
export type DataTypeKind = DataType['kind'];

/** True when two type descriptions denote the same CQL type (structural comparison). */
export function sameDataType(a: DataType, b: DataType): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'custom':
      return a.className === (b as typeof a).className;
    case 'list':
    case 'set':
      return sameDataType(a.element, (b as typeof a).element);
    case 'map':
      return sameDataType(a.key, (b as typeof a).key) && sameDataType(a.value, (b as typeof a).value);
    case 'tuple': {
      const e = (b as typeof a).elements;
      return a.elements.length === e.length && a.elements.every((t, i) => sameDataType(t, e[i]!));
    }
    case 'udt': {
      const u = b as typeof a;
      return (
        a.keyspace === u.keyspace &&
        a.name === u.name &&
        a.fields.length === u.fields.length &&
        a.fields.every((f, i) => f.name === u.fields[i]!.name && sameDataType(f.type, u.fields[i]!.type))
      );
    }
    case 'vector': {
      const v = b as typeof a;
      return a.dimension === v.dimension && sameDataType(a.element, v.element);
    }
    default:
      return true;
  }
}
