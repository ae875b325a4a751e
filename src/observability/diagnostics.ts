import diagnosticsChannel from 'node:diagnostics_channel';

/**
 * `node:diagnostics_channel` channels cqlwire publishes to. Subscribe with
 * `diagnostics_channel.subscribe(name, fn)`; nothing is computed for a channel without
 * subscribers. Messages never contain bound values or credentials.
 */
export const channels = {
  /** A request is sent: {@link RequestStartMessage}. */
  requestStart: diagnosticsChannel.channel('cqlwire:request:start'),
  /** A request completed: {@link RequestEndMessage}. */
  requestEnd: diagnosticsChannel.channel('cqlwire:request:end'),
  /** A request failed: {@link RequestErrorMessage}. */
  requestError: diagnosticsChannel.channel('cqlwire:request:error'),
  /** The server attached warnings to a response: {@link WarningMessage}. */
  warning: diagnosticsChannel.channel('cqlwire:warning'),
  /** A connection became ready: {@link ConnectionMessage}. */
  connectionOpen: diagnosticsChannel.channel('cqlwire:connection:open'),
  /** A connection closed: {@link ConnectionMessage}. */
  connectionClose: diagnosticsChannel.channel('cqlwire:connection:close'),
  /** A host went up or down: {@link HostStatusMessage}. */
  hostStatus: diagnosticsChannel.channel('cqlwire:host:status'),
} as const;

/** Names of the channels, for documentation and tests. */
export const channelNames = {
  requestStart: 'cqlwire:request:start',
  requestEnd: 'cqlwire:request:end',
  requestError: 'cqlwire:request:error',
  warning: 'cqlwire:warning',
  connectionOpen: 'cqlwire:connection:open',
  connectionClose: 'cqlwire:connection:close',
  hostStatus: 'cqlwire:host:status',
} as const;

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
