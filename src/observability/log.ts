import diagnosticsChannel from 'node:diagnostics_channel';
import { channels, type ConnectionMessage, type HostStatusMessage } from './diagnostics.js';

/** Severity of a log record. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * What the `logger` client option takes: `console`, pino, winston or any object with these
 * four methods. Each call gets a self-contained message (so loggers that ignore extra
 * arguments lose nothing) and the record itself as second argument.
 */
export interface Logger {
  /** Lifecycle detail (connections, background work that failed harmlessly). */
  debug(message: string, record?: LogRecord): void;
  /** Lifecycle events an operator wants to see (hosts up and down, the codec in use). */
  info(message: string, record?: LogRecord): void;
  /** Something degraded (a native codec that failed to load, a dropped server event). */
  warn(message: string, record?: LogRecord): void;
  /** Something failed that no caller was told about. */
  error(message: string, record?: LogRecord): void;
}

/**
 * A record on the `cqlwire:log` channel. Never holds bound values or credentials: messages
 * name hosts, keyspaces, CQL text and error messages only.
 */
export interface LogRecord {
  /** Severity. */
  readonly level: LogLevel;
  /** Stable identifier of what happened, e.g. `connection.close`, `codec.lz4`. */
  readonly event: string;
  /** Human-readable text, prefixed `cqlwire: `. */
  readonly message: string;
  /** `address:port` the record is about, if any. */
  readonly host?: string;
  /** The error that was caught (its `cause` chain kept). */
  readonly error?: Error;
}

/** Name of the `node:diagnostics_channel` channel every {@link LogRecord} is published on. */
export const logChannelName = 'cqlwire:log';

const logChannel = diagnosticsChannel.channel(logChannelName);

/**
 * @internal Publish one record on `cqlwire:log` (nothing is built when nobody listens). Call
 * where an error is caught and not rethrown, and at lifecycle events.
 */
export function log(level: LogLevel, event: string, message: string, host?: string, error?: unknown): void {
  if (!logChannel.hasSubscribers) return;
  const record: LogRecord = { level, event, message: `cqlwire: ${message}`, ...(host === undefined ? {} : { host }), ...(error === undefined ? {} : { error: error instanceof Error ? error : new Error(String(error)) }) };
  logChannel.publish(record);
}

/** The text a logger gets: the message and, for a caught error, its message and causes. */
function textOf(record: LogRecord): string {
  let text = record.message;
  let cause: unknown = record.error;
  // Causes in the text too: loggers that print only the message still say why.
  for (let depth = 0; cause instanceof Error && depth < 4; depth++, cause = cause.cause) text += `: ${cause.message}`;
  return text;
}

/**
 * @internal Forward `cqlwire:log` records and connection / host lifecycle messages to
 * `logger`; returns the function that stops it. The channels are process-wide: every client
 * in the process logs to every logger subscribed.
 */
export function forwardLogs(logger: Logger): () => void {
  const onLog = (message: unknown): void => {
    const record = message as LogRecord;
    try {
      logger[record.level](textOf(record), record);
    } catch {
      // A throwing logger must not break the driver; there is nowhere else to report it.
    }
  };
  logChannel.subscribe(onLog);
  // Lifecycle messages become records once, however many loggers listen.
  if (forwarders++ === 0) lifecycle(true);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    logChannel.unsubscribe(onLog);
    if (--forwarders === 0) lifecycle(false);
  };
}

let forwarders = 0;

function lifecycle(on: boolean): void {
  const onOpen = (message: unknown): void => {
    const m = message as ConnectionMessage;
    log('debug', 'connection.open', `connection to ${m.host} open (protocol v${m.protocolVersion})`, m.host);
  };
  const onClose = (message: unknown): void => {
    const m = message as ConnectionMessage;
    log('debug', 'connection.close', `connection to ${m.host} closed${m.reason === undefined ? '' : `: ${m.reason}`}`, m.host);
  };
  const onStatus = (message: unknown): void => {
    const m = message as HostStatusMessage;
    log(m.up ? 'info' : 'warn', m.up ? 'host.up' : 'host.down', `host ${m.host} is ${m.up ? 'up' : 'down'}`, m.host);
  };
  if (on) {
    channels.connectionOpen.subscribe(onOpen);
    channels.connectionClose.subscribe(onClose);
    channels.hostStatus.subscribe(onStatus);
    lifecycleHandlers = [onOpen, onClose, onStatus];
  } else if (lifecycleHandlers !== undefined) {
    channels.connectionOpen.unsubscribe(lifecycleHandlers[0]);
    channels.connectionClose.unsubscribe(lifecycleHandlers[1]);
    channels.hostStatus.unsubscribe(lifecycleHandlers[2]);
    lifecycleHandlers = undefined;
  }
}

let lifecycleHandlers: [(m: unknown) => void, (m: unknown) => void, (m: unknown) => void] | undefined;

/** @internal Whether `value` can serve as a {@link Logger}. */
export function isLogger(value: unknown): value is Logger {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['debug'] === 'function' && typeof v['info'] === 'function' && typeof v['warn'] === 'function' && typeof v['error'] === 'function';
}
