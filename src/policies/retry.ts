import type { Consistency } from '../../protocol/index.js';
import { CqlwireError } from '../errors/driver-errors.js';
import { WriteTimeoutError } from '../errors/server-errors.js';

/** What the retry policy decides. */
export type RetryDecision =
  | { readonly action: 'rethrow' }
  | { readonly action: 'retry'; readonly sameHost: boolean; /** Retry at this consistency instead. */ readonly consistency?: Consistency }
  | { readonly action: 'ignore' };

/** What a retry policy sees of a failed attempt. */
export interface RetryContext {
  /** The error of this attempt. */
  readonly error: Error;
  /** Whether the request is marked idempotent. */
  readonly idempotent: boolean;
  /** Retries already made for this request. */
  readonly retryCount: number;
  /** Consistency the attempt used. */
  readonly consistency: Consistency;
}

/** Decides whether a failed request is retried, and where. */
export interface RetryPolicy {
  /** Called for every failed attempt whose error might be retried. */
  onError(context: RetryContext): RetryDecision;
}

const RETHROW: RetryDecision = { action: 'rethrow' };
/** Write types whose replay cannot apply a write twice in a way an idempotent statement would not. */
const SAFE_WRITE_TYPES: ReadonlySet<string> = new Set(['SIMPLE', 'BATCH', 'UNLOGGED_BATCH', 'BATCH_LOG']);

/**
 * The default policy, as async-cassandra's: read timeout → retry once on the same host when
 * enough replicas answered but data was missing; write timeout → retry once on the same host,
 * only an idempotent statement and only a write type that is safe to replay (SIMPLE, BATCH,
 * UNLOGGED_BATCH, BATCH_LOG: not a CAS, counter, view or CDC write); unavailable → next host, once; overloaded / bootstrapping / truncate / server
 * error and connection loss → next host, only if idempotent; never more than `maxRetries`.
 */
export class DefaultRetryPolicy implements RetryPolicy {
  /** Most retries for one request. */
  readonly maxRetries: number;

  constructor(options: { readonly maxRetries?: number } = {}) {
    this.maxRetries = options.maxRetries ?? 3;
  }

  /** @inheritDoc */
  onError(ctx: RetryContext): RetryDecision {
    if (ctx.retryCount >= this.maxRetries) return RETHROW;
    const e = ctx.error;
    const code = CqlwireError.is(e) ? e.code : '';
    switch (code) {
      case 'ERR_SERVER_READ_TIMEOUT': {
        const f = e as unknown as { received: number; blockFor: number; dataPresent: boolean };
        if (ctx.retryCount > 0) return RETHROW;
        return f.received >= f.blockFor && !f.dataPresent ? { action: 'retry', sameHost: true } : RETHROW;
      }
      case 'ERR_SERVER_WRITE_TIMEOUT':
        if (!ctx.idempotent || ctx.retryCount > 0) return RETHROW;
        return e instanceof WriteTimeoutError && SAFE_WRITE_TYPES.has(e.writeType) ? { action: 'retry', sameHost: true } : RETHROW;
      case 'ERR_SERVER_UNAVAILABLE':
        return ctx.retryCount === 0 ? { action: 'retry', sameHost: false } : RETHROW;
      case 'ERR_SERVER_OVERLOADED':
      case 'ERR_SERVER_IS_BOOTSTRAPPING':
      case 'ERR_SERVER_TRUNCATE':
      case 'ERR_SERVER_ERROR':
      case 'ERR_CONNECTION_CLOSED':
      case 'ERR_REQUEST_TIMEOUT':
        return ctx.idempotent ? { action: 'retry', sameHost: false } : RETHROW;
      default:
        return RETHROW;
    }
  }
}

/** Never retries. */
export class FallthroughRetryPolicy implements RetryPolicy {
  /** @inheritDoc */
  onError(): RetryDecision {
    return RETHROW;
  }
}

