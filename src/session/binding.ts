import { EncodedValues, UNSET, encodeValue, guessDataType, type BoundValues } from '../../protocol/index.js';
import { compositeKey } from '../cluster/murmur3.js';
import { InvalidArgumentError } from '../errors/driver-errors.js';
import type { RoutingInfo } from '../policies/index.js';
import type { ExecuteOptions, Params } from './options.js';
import type { PreparedStatement } from './prepared.js';

// Values to bytes, and the routing key a request's partition hashes to.

/** Values of a statement that is not prepared: typed by `hints`, else guessed from the value. */
export function encodeSimpleValues(params: Params | undefined, hints: ExecuteOptions['hints']): BoundValues | undefined {
  if (params === undefined) return undefined;
  if (Array.isArray(params)) {
    const list = params as readonly unknown[];
    return list.map((v, i) => {
      if (v === undefined || v === UNSET) return UNSET;
      if (v === null) return null;
      const type = hints?.[i] ?? guessDataType(v);
      if (type === null) throw new InvalidArgumentError(`cannot infer the CQL type of parameter ${i}; pass options.hints or prepare the statement`);
      return encodeValue(type, v);
    });
  }
  const names = Object.keys(params);
  const obj = params as Readonly<Record<string, unknown>>;
  return {
    names,
    values: names.map((n) => {
      const v = obj[n];
      if (v === undefined || v === UNSET) return UNSET;
      if (v === null) return null;
      const type = guessDataType(v);
      if (type === null) throw new InvalidArgumentError(`cannot infer the CQL type of parameter "${n}"; prepare the statement`);
      return encodeValue(type, v);
    }),
  };
}

/** Values of a prepared statement, in marker order; encoded lazily by its compiled encoders. */
export function bindPrepared(ps: PreparedStatement, params: Params | undefined): EncodedValues {
  const n = ps.variables.length;
  if (params === undefined) {
    if (n !== 0) throw new InvalidArgumentError(`statement has ${n} bind markers but no values were given`);
    return new EncodedValues(ps.encoders, []);
  }
  if (Array.isArray(params)) {
    if (params.length !== n) throw new InvalidArgumentError(`statement has ${n} bind markers but ${params.length} values were given`);
    // Use the caller's array as is unless it holds `undefined` (sent as unset).
    const list = params as readonly unknown[];
    return new EncodedValues(ps.encoders, list.includes(undefined) ? list.map((v) => (v === undefined ? UNSET : v)) : list);
  }
  const obj = params as Readonly<Record<string, unknown>>;
  const values = new Array<unknown>(n).fill(UNSET);
  for (const [name, v] of Object.entries(obj)) {
    const i = ps.markerIndex.get(name) ?? ps.markerIndex.get(name.toLowerCase());
    if (i === undefined) throw new InvalidArgumentError(`statement has no bind marker named "${name}"`);
    values[i] = v === undefined ? UNSET : v;
  }
  return new EncodedValues(ps.encoders, values);
}

/** Routing from `options.routingKey` (statements that are not prepared). */
export function explicitRouting(options: ExecuteOptions, sessionKeyspace: string | undefined): RoutingInfo | undefined {
  const key = options.routingKey;
  const keyspace = options.routingKeyspace ?? options.keyspace ?? sessionKeyspace;
  if (key === undefined || keyspace === undefined) return undefined;
  return { keyspace, routingKey: key instanceof Uint8Array ? compositeKey([key]) : compositeKey(key) };
}

/**
 * Keyspace and routing key of a prepared statement's partition (token-aware routing), or
 * undefined when a value of the key is missing; a bad value is left for the bind step to report.
 */
export function preparedRouting(ps: PreparedStatement, params: Params | undefined, options: ExecuteOptions, sessionKeyspace: string | undefined): RoutingInfo | undefined {
  const pk = ps.pkIndexes;
  if (pk.length === 0 || params === undefined) return undefined;
  const keyspace = ps.tableKeyspace ?? options.keyspace ?? sessionKeyspace;
  if (keyspace === undefined) return undefined;
  const named = !Array.isArray(params);
  const parts: Uint8Array[] = [];
  for (const i of pk) {
    const v = named ? (params as Readonly<Record<string, unknown>>)[ps.variables[i]!.name] : (params as readonly unknown[])[i];
    if (v === null || v === undefined || v === UNSET) return undefined;
    try {
      const bytes = encodeValue(ps.variables[i]!.type, v);
      if (bytes === null || bytes === UNSET) return undefined;
      parts.push(bytes);
    } catch {
      return undefined;
    }
  }
  return { keyspace, routingKey: compositeKey(parts) };
}

/** The custom payload with DSE proxy execution: the user to run as, under "ProxyExecute". */
export function withExecuteAs(payload: Readonly<Record<string, Uint8Array | null>> | undefined, executeAs: string | undefined): Readonly<Record<string, Uint8Array | null>> | undefined {
  if (executeAs === undefined) return payload;
  return { ...payload, ProxyExecute: Buffer.from(executeAs, 'utf8') };
}
