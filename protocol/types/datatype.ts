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
