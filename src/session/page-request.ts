// The execution core's request for one page of a statement: an EXECUTE of a prepared statement
// or a QUERY of CQL text, each building its message per attempt (the connection's protocol
// version, the consistency a retry asks for). Hot path: plain fields, no spreads, no closure
// per request for EXECUTE.
import { Opcode, type Consistency, type EncodedValues, type QueryParameters, type Request } from '../../protocol/index.js';
import type { RoutingInfo } from '../policies/index.js';
import type { ExecutionRequest } from './execution.js';
import type { ExecuteOptions, ResolvedOptions } from './options.js';
import { NO_STATEMENTS, type PreparedStatement } from './prepared.js';

/** What one page's request carries besides the statement and its values. */
export interface PageRequestFields {
  /** Rows per page; undefined: paging off. */
  readonly pageSize: number | undefined;
  /** Where the page starts; undefined for the first. */
  readonly pagingState: Buffer | undefined;
  /** The write timestamp (µs), the caller's or a client-side one; undefined: the server's. */
  readonly defaultTimestamp: bigint | number | undefined;
  /** 1-based number of the page within a `stream()`, for diagnostics. */
  readonly page: number | undefined;
}

/**
 * An EXECUTE of a prepared statement: one object per page requested, its message built per
 * attempt from its fields (no closure and no captured scope per request).
 */
export class ExecuteRequest implements ExecutionRequest {
  readonly kind = 'execute';
  readonly text: string;
  readonly prepared: readonly PreparedStatement[];
  readonly page: number | undefined;
  constructor(
    private readonly ps: PreparedStatement,
    private readonly values: EncodedValues,
    readonly settings: ResolvedOptions,
    readonly options: ExecuteOptions,
    readonly routing: RoutingInfo | undefined,
    private readonly paging: PageRequestFields,
  ) {
    this.text = ps.query;
    this.prepared = ps.asList;
    this.page = paging.page;
  }

  build(version: 4 | 5, consistency: Consistency): Request {
    const ps = this.ps;
    const v5 = version === 5;
    const options = this.options;
    const paging = this.paging;
    const params: QueryParameters = {
      consistency,
      values: this.values,
      skipMetadata: v5 && ps.resultMetadataId !== undefined,
      pageSize: paging.pageSize,
      pagingState: paging.pagingState,
      serialConsistency: this.settings.serialConsistency,
      defaultTimestamp: paging.defaultTimestamp,
      keyspace: options.keyspace,
      nowInSeconds: options.nowInSeconds,
    };
    return { opcode: Opcode.EXECUTE, queryId: ps.id, resultMetadataId: v5 ? ps.resultMetadataId : undefined, params };
  }
}

/** A QUERY of CQL text with its values encoded: the message is made once, and again only for a retry at another consistency. */
export function queryRequest(
  text: string,
  values: QueryParameters['values'],
  settings: ResolvedOptions,
  options: ExecuteOptions,
  routing: RoutingInfo | undefined,
  paging: PageRequestFields,
): ExecutionRequest {
  const message = {
    opcode: Opcode.QUERY,
    query: text,
    params: {
      consistency: settings.consistency,
      values,
      pageSize: paging.pageSize,
      pagingState: paging.pagingState,
      serialConsistency: settings.serialConsistency,
      defaultTimestamp: paging.defaultTimestamp,
      keyspace: options.keyspace,
      nowInSeconds: options.nowInSeconds,
    },
  } as const;
  return {
    kind: 'query',
    text,
    build: (_version, consistency) => (consistency === message.params.consistency ? message : { ...message, params: { ...message.params, consistency } }),
    settings,
    options,
    routing,
    prepared: NO_STATEMENTS,
    page: paging.page,
  };
}
