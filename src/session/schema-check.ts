// The prepare-time check of typed statements: the bind markers and result columns the server
// reports, compared with the CQL types the caller declared (a generated TableSchema). Catches
// a schema that changed after the types were generated before any row is misread.
import type { ColumnSpec } from '../../protocol/index.js';
import { SchemaMismatchError } from '../errors/driver-errors.js';
import { canonicalCqlType, canonicalDataType, parseCqlType } from './cql-type.js';

/**
 * The declared columns of one table, as a typed statement expects them: what a generated (or
 * hand-written) `TableSchema` of `cqlwire/mapper` provides.
 */
export interface DeclaredTable {
  /** Keyspace name. */
  readonly keyspace: string;
  /** Table name. */
  readonly table: string;
  /** Columns by property: the CQL column name and its CQL type (as system_schema writes it). */
  readonly columns: { readonly [property: string]: { readonly name: string; readonly type: string } };
}

/** `SELECT *` (or `SELECT JSON *`): every declared column must come back. */
const SELECT_STAR = /^\s*select\s+(?:json\s+)?(?:distinct\s+)?\*/i;

/**
 * Throws SchemaMismatchError at the first column that differs from the declared tables.
 * @param columnsOnly check only the result columns (new result metadata during execution).
 */
export function checkDeclared(
  query: string,
  declared: readonly DeclaredTable[],
  variables: readonly ColumnSpec[],
  resultColumns: readonly ColumnSpec[],
  columnsOnly = false,
): void {
  for (const table of declared) {
    const types = new Map<string, string>();
    for (const c of Object.values(table.columns)) types.set(c.name, canonicalCqlType(parseCqlType(c.type)));
    const mine = (c: ColumnSpec): boolean => c.keyspace === table.keyspace && c.table === table.table;
    const fail = (column: string, declaredType: string | null, actual: string | null): never => {
      throw new SchemaMismatchError({ keyspace: table.keyspace, table: table.table, column, declared: declaredType, actual, query });
    };
    if (!columnsOnly) {
      for (const v of variables) {
        const want = types.get(v.name);
        // Markers such as [limit], in(k) or key(m) are not columns: nothing declared to compare.
        if (!mine(v) || want === undefined) continue;
        const got = canonicalDataType(v.type);
        if (got !== want) fail(v.name, want, got);
      }
    }
    const seen = new Set<string>();
    for (const c of resultColumns) {
      if (!mine(c)) continue;
      seen.add(c.name);
      const want = types.get(c.name);
      const got = canonicalDataType(c.type);
      if (want === undefined) fail(c.name, null, got);
      else if (got !== want) fail(c.name, want, got);
    }
    if (SELECT_STAR.test(query) && resultColumns.some(mine)) {
      for (const [name, type] of types) if (!seen.has(name)) fail(name, type, null);
    }
  }
}
