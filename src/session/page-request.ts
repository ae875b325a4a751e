// The execution core's request for one page of a statement: an EXECUTE of a prepared statement
// or a QUERY of CQL text, each building its message per attempt (the connection's protocol
// version, the consistency a retry asks for). Hot path: plain fields, no spreads, no closure
// per request for EXECUTE.
import { Opcode, type Consistency, type EncodedValues, type ExecuteRequest as ExecuteMessage, type QueryParameters, type Request } from '../../protocol/index.js';
import { withCallerStack } from '../errors/caller-stack.js';
import type { RoutingInfo } from '../policies/index.js';
import { nextPagingState, type AnsweredRequest } from '../results/page-builder.js';
import type { ResultPage } from '../results/page.js';
import type { AnswerSink } from './answer-sink.js';
import type { ExecutionRequest } from './execution.js';
import type { ExecuteOptions, Params, ResolvedOptions } from './options.js';
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
 * An EXECUTE of a prepared statement, one object per page requested. It is also the message
 * (and its query parameters) of its first attempt: every attempt on the same protocol version
 * at the same consistency sends it as it is, so the usual request allocates no message; an
 * attempt that differs gets a message of its own, and the first one is never changed (it may
 * still be queued for a stream id).
 */
export class ExecuteRequest implements ExecutionRequest, ExecuteMessage, QueryParameters, PageRequestFields {
  readonly kind = 'execute';
  readonly opcode = Opcode.EXECUTE;
  readonly text: string;
  readonly prepared: readonly PreparedStatement[];
  readonly queryId: Buffer;
  resultMetadataId: Buffer | undefined = undefined;
  readonly params: QueryParameters = this;
  consistency: Consistency;
  skipMetadata = false;
  readonly pageSize: number | undefined;
  readonly serialConsistency: Consistency | undefined;
  readonly keyspace: string | undefined;
  readonly nowInSeconds: number | undefined;
  /** The protocol version the message was built for; 0 until the first attempt. */
  private builtFor: 0 | 4 | 5 = 0;

  constructor(
    private readonly ps: PreparedStatement,
    readonly values: EncodedValues,
    readonly settings: ResolvedOptions,
    readonly options: ExecuteOptions,
    readonly routing: RoutingInfo | undefined,
    readonly pagingState: Buffer | undefined,
    readonly defaultTimestamp: bigint | number | undefined,
    readonly page: number | undefined,
  ) {
    this.text = ps.query;
    this.prepared = ps.asList;
    this.queryId = ps.id;
    this.consistency = settings.consistency;
    this.pageSize = settings.fetchSize > 0 ? settings.fetchSize : undefined;
    this.serialConsistency = settings.serialConsistency;
    this.keyspace = options.keyspace;
    this.nowInSeconds = options.nowInSeconds;
  }

  build(version: 4 | 5, consistency: Consistency): Request {
    const ps = this.ps;
    const v5 = version === 5;
    const resultMetadataId = v5 ? ps.resultMetadataId : undefined;
    const skipMetadata = v5 && ps.resultMetadataId !== undefined;
    if (this.builtFor === 0 && this.queryId === ps.id) {
      this.builtFor = version;
      this.consistency = consistency;
      this.resultMetadataId = resultMetadataId;
      this.skipMetadata = skipMetadata;
      return this;
    }
    // The statement may have been re-prepared since (a new result metadata id): compare it too.
    if (this.builtFor === version && this.consistency === consistency && this.resultMetadataId === resultMetadataId && this.queryId === ps.id) return this;
    const params: QueryParameters = {
      consistency,
      values: this.values,
      skipMetadata,
      pageSize: this.pageSize,
      pagingState: this.pagingState,
      serialConsistency: this.serialConsistency,
      defaultTimestamp: this.defaultTimestamp,
      keyspace: this.keyspace,
      nowInSeconds: this.nowInSeconds,
    };
    return { opcode: Opcode.EXECUTE, queryId: ps.id, resultMetadataId, params };
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

/** What a page's sink needs of the session (one object per session). */
export interface PageSource {
  /** The page of an answer, after the session applied what the result asks of it. */
  pageOf<R>(answer: AnsweredRequest, ps: PreparedStatement | undefined, fetchNext: ((state: Buffer) => Promise<ResultPage<R>>) | null, undecoded: boolean): ResultPage<R> | Promise<ResultPage<R>>;
  /** Request the page at `pagingState` of the same statement. */
  executePage<R>(query: string | PreparedStatement, params: Params | undefined, options: ExecuteOptions, pagingState: Buffer): Promise<ResultPage<R>>;
}

/**
 * Makes the page of an answered request where the answer arrives (the execution core's promise
 * resolves with the page itself).
 */
export class PageSink<R> implements AnswerSink<ResultPage<R>> {
  constructor(
    private readonly source: PageSource,
    private readonly query: string | PreparedStatement,
    private readonly params: Params | undefined,
    private readonly options: ExecuteOptions,
    private readonly ps: PreparedStatement | undefined,
    /** For a stream: rows left undecoded until read (see `buildPage`). */
    private readonly undecoded: boolean,
  ) {}

  complete(answer: AnsweredRequest): ResultPage<R> | Promise<ResultPage<R>> {
    const fetchNext = nextPagingState(answer) === null ? null : (state: Buffer): Promise<ResultPage<R>> => this.source.executePage<R>(this.query, this.params, this.options, state);
    return this.source.pageOf<R>(answer, this.ps, fetchNext, this.undecoded);
  }
}

/**
 * Rethrows with the caller's stack: a rejection handler (one function, nothing per request)
 * chained onto the request's promise, whose own promise is the one the caller awaits, so V8's
 * async stack trace leads from it to the caller.
 */
export function rethrowWithCallerStack(error: unknown): never {
  throw withCallerStack(error);
}
