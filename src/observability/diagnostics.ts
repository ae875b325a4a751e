import diagnosticsChannel from 'node:diagnostics_channel';

/**
 * Names of the `node:diagnostics_channel` channels cqlwire publishes to. Subscribe with
 * `diagnostics_channel.subscribe(channelNames.requestEnd, fn)`; nothing is computed for a
 * channel without subscribers. Messages never contain bound values or credentials.
 */
export const channelNames = {
  /** A request is sent: {@link RequestStartMessage}. */
  requestStart: 'cqlwire:request:start',
  /** A request completed: {@link RequestEndMessage}. */
  requestEnd: 'cqlwire:request:end',
  /** A request failed: {@link RequestErrorMessage}. */
  requestError: 'cqlwire:request:error',
  /** The server attached warnings to a response: {@link WarningMessage}. */
  warning: 'cqlwire:warning',
  /** A connection became ready: {@link ConnectionMessage}. */
  connectionOpen: 'cqlwire:connection:open',
  /** A connection closed: {@link ConnectionMessage}. */
  connectionClose: 'cqlwire:connection:close',
  /** A host went up or down: {@link HostStatusMessage}. */
  hostStatus: 'cqlwire:host:status',
} as const;

/** @internal The channels themselves, by the same keys as {@link channelNames}. */
export const channels = Object.fromEntries(Object.entries(channelNames).map(([key, name]) => [key, diagnosticsChannel.channel(name)])) as {
  readonly [K in keyof typeof channelNames]: diagnosticsChannel.Channel;
};

/** Published on `cqlwire:request:start`. */
export interface RequestStartMessage {
  /** Client-unique request id, shared with the end/error message. */
  readonly requestId: number;
  /** Kind of request. */
  readonly kind: 'query' | 'execute' | 'batch' | 'prepare';
  /** CQL text (no bound values). */
  readonly query: string;
  /** Host the request is sent to. */
  readonly host: string;
}

/** Published on `cqlwire:request:end`. */
export interface RequestEndMessage {
  /** Id from the start message. */
  readonly requestId: number;
  /** Host that answered. */
  readonly host: string;
  /** Latency in milliseconds. */
  readonly durationMs: number;
}

/** Published on `cqlwire:request:error`. */
export interface RequestErrorMessage {
  /** Id from the start message. */
  readonly requestId: number;
  /** Host tried last. */
  readonly host: string;
  /** The error given to the caller. */
  readonly error: Error;
  /** Latency in milliseconds. */
  readonly durationMs: number;
}

/** Published on `cqlwire:warning`. */
export interface WarningMessage {
  /** CQL text (no bound values). */
  readonly query: string;
  /** Host that sent the warnings. */
  readonly host: string;
  /** The warnings. */
  readonly warnings: readonly string[];
}

/** Published on `cqlwire:connection:open` and `:close`. */
export interface ConnectionMessage {
  /** `address:port`. */
  readonly host: string;
  /** Negotiated protocol version. */
  readonly protocolVersion: number;
  /** Why it closed (close only). */
  readonly reason?: string;
}

/** Published on `cqlwire:host:status`. */
export interface HostStatusMessage {
  /** `address:port`. */
  readonly host: string;
  /** New state. */
  readonly up: boolean;
}

/**
 * Names of the two `TracingChannel`s (`diagnostics_channel.tracingChannel(name)`): each
 * publishes on `tracing:<name>:start`, `:end`, `:asyncStart`, `:asyncEnd` and `:error`, one
 * context object per operation or attempt, the same object on every event of it (fields are
 * filled in as they become known). Subscribe with `diagnostics_channel.tracingChannel(name).subscribe({...})`,
 * or bind an `AsyncLocalStorage` to `:start` with `bindStore`: the store is active for the
 * whole operation (its attempts, their events and the operation's `asyncStart`/`asyncEnd`).
 */
export const tracingChannelNames = {
  /** One user call: `execute`, `batch`, `prepare`, or one page of a stream: {@link OperationContext}. */
  operation: 'cqlwire:operation',
  /** One attempt of an operation on one host (first try, retry or speculative execution): {@link AttemptContext}. */
  attempt: 'cqlwire:attempt',
} as const;

/** @internal The tracing channels, by the same keys as {@link tracingChannelNames}. */
export const tracing = {
  operation: diagnosticsChannel.tracingChannel<string, OperationContext>(tracingChannelNames.operation),
  attempt: diagnosticsChannel.tracingChannel<string, AttemptContext>(tracingChannelNames.attempt),
};

/** What an operation is: the request kind (`query` is an unprepared statement). */
export type OperationKind = 'query' | 'execute' | 'batch' | 'prepare';

/**
 * The context of one operation on `tracing:cqlwire:operation:*`. Fields marked "set at the
 * end" are filled in before `asyncStart`/`error`. Names follow the OpenTelemetry database
 * semantic conventions where one exists (noted as `db.*`). No bound values, no credentials.
 */
export interface OperationContext {
  /** Process-unique operation id. */
  readonly operationId: number;
  /** What it is (`db.operation.name`: `QUERY`, `EXECUTE`, `BATCH`, `PREPARE`, upper-cased). */
  readonly kind: OperationKind;
  /** CQL text, or a batch's summary such as `BATCH(3)` (`db.query.text`). */
  readonly query: string;
  /** Keyspace the request names or runs in, when known (`db.namespace`). */
  readonly keyspace: string | undefined;
  /** Consistency level name, e.g. `LOCAL_QUORUM` (`db.cassandra.consistency_level`). */
  readonly consistency: string;
  /** Page size asked for (`db.cassandra.page_size`); undefined when not paged. */
  readonly pageSize: number | undefined;
  /** Whether the statement was declared idempotent (`db.cassandra.idempotence`). */
  readonly idempotent: boolean;
  /** The execution profile the request names, if it names one. */
  readonly profile: string | undefined;
  /**
   * 1-based number of the page within a `client.stream()` (each page is an operation of its
   * own; `cqlwire.page` on the OpenTelemetry span); undefined for any other call.
   */
  readonly page: number | undefined;
  /**
   * Entries a subscriber adds on `start` (e.g. W3C `traceparent`) are sent in every attempt's
   * custom payload; a key the caller's own `customPayload` also has keeps the caller's value.
   */
  customPayload?: Record<string, Uint8Array>;
  /** Request frame bytes written over every attempt (header included, before compression; set at the end). */
  bytesOut: number;
  /** Response frame bytes read over every attempt (header included, after decompression; set at the end). */
  bytesIn: number;
  /** Attempts made so far, every execution counted (set at the end). */
  attempts: number;
  /** Speculative executions started (`db.cassandra.speculative_execution_count`, set at the end). */
  speculativeExecutions: number;
  /** `address:port` of the coordinator that answered (`db.cassandra.coordinator.id`, set at the end). */
  coordinator?: string;
  /** Server warnings of the answer (set at the end). */
  warnings?: readonly string[];
  /** The error given to the caller (set on `error`). */
  error?: Error;
}

/** What the retry policy (or the executor) decided after a failed attempt. */
export type AttemptDecision = 'retry' | 'retry-same-host' | 'rethrow' | 'ignore' | 'next-host' | 'reprepare';

/** The context of one attempt on `tracing:cqlwire:attempt:*`, always inside its operation's. */
export interface AttemptContext {
  /** The operation it belongs to (the same object as on the operation channel). */
  readonly operation: OperationContext;
  /** 1-based number of the attempt within the operation, counted over every execution. */
  readonly attempt: number;
  /** 0 for the first execution, n for the n-th speculative execution. */
  readonly execution: number;
  /** Whether a speculative execution made this attempt. */
  readonly speculative: boolean;
  /** Whether an earlier attempt of this execution failed (retry decision, re-prepare or a full queue). */
  readonly retry: boolean;
  /** `address:port` of the host tried (`server.address`, `server.port`). */
  readonly host: string;
  /** The host's data center, when known (`db.cassandra.coordinator.dc`). */
  readonly datacenter: string | undefined;
  /** Consistency level name sent, which a retry decision may have lowered. */
  readonly consistency: string;
  /** Page size asked for; undefined when not paged. */
  readonly pageSize: number | undefined;
  /**
   * Entries a subscriber adds on `start` go into this attempt's custom payload, over the
   * operation's ones (the caller's own keys still win).
   */
  customPayload?: Record<string, Uint8Array>;
  /** Bytes of the request frame written (header included, before compression; set once written). */
  bytesOut: number;
  /** Bytes of the response frame read (header included, after decompression; 0 when none came). */
  bytesIn: number;
  /** Server warnings of the answer (set on success). */
  warnings?: readonly string[];
  /** The attempt's error (set on `error`). */
  error?: Error;
  /** What happened next after an error (set before `asyncStart` of a failed attempt). */
  decision?: AttemptDecision;
}

const CONSISTENCY_NAMES = ['ANY', 'ONE', 'TWO', 'THREE', 'QUORUM', 'ALL', 'LOCAL_QUORUM', 'EACH_QUORUM', 'SERIAL', 'LOCAL_SERIAL', 'LOCAL_ONE'] as const;

/** @internal A consistency level's name for diagnostics (`ANY` … `LOCAL_ONE`). */
export function consistencyName(code: number): string {
  return CONSISTENCY_NAMES[code] ?? `0x${code.toString(16)}`;
}

/**
 * @internal Run `fn` as one operation on the operation tracing channel (call only when it has
 * subscribers). Like `TracingChannel.tracePromise`, except that the result object stays
 * internal: subscribers see only the context's documented fields.
 */
export function traceOperation<T>(context: OperationContext, fn: () => Promise<T>): Promise<T> {
  const ch = tracing.operation;
  return ch.start.runStores(context, () => {
    try {
      return fn().then(
        (result) => {
          ch.asyncStart.publish(context);
          ch.asyncEnd.publish(context);
          return result;
        },
        (err: unknown) => {
          context.error = err instanceof Error ? err : new Error(String(err));
          ch.error.publish(context);
          ch.asyncStart.publish(context);
          ch.asyncEnd.publish(context);
          throw err;
        },
      );
    } catch (err) {
      context.error = err instanceof Error ? err : new Error(String(err));
      ch.error.publish(context);
      throw err;
    } finally {
      ch.end.publish(context);
    }
  });
}
