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
