/**
 * cqlwire/mapper — an object mapper over tables described by {@link TableSchema} (generated
 * from the live schema by `cqlwire generate`, or written by hand), and the type generator.
 * @packageDocumentation
 */
export { Mapper, MappedPage, ModelMapper } from './mapper.js';
export type {
  FindOptions,
  FindWhere,
  IfConditions,
  InsertOptions,
  Insertable,
  MapperBatchItem,
  MapperBatchOptions,
  MapperExecuteOptions,
  PrimaryKey,
  ReadOptions,
  RemoveKey,
  RemoveOptions,
  Updatable,
  UpdateOptions,
  WriteOptions,
  WriteResult,
} from './mapper.js';
export { Condition, UpdateOperation, q } from './conditions.js';
export type { ConditionOperator, UpdateOperationKind } from './conditions.js';
export type { ColumnKind, ColumnSchema, TableSchema } from './schema.js';
export { generateFromMetadata, generateTypes } from './generate.js';
export type { GenerateOptions } from './generate.js';
