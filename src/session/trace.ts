import { UnexpectedResponseError } from '../errors/driver-errors.js';
import type { ResultPage, Row } from '../results/page.js';
import type { ExecuteOptions, Params } from './options.js';

/** Events of one tracing session. */
export interface QueryTrace {
  /** Trace session id. */
  readonly id: string;
  /** Coordinator address. */
  readonly coordinator: string;
  /** Total duration in microseconds. */
  readonly durationMicros: number;
  /** Request kind. */
  readonly request: string;
  /** Start time. */
  readonly startedAt: Date;
  /** Parameters recorded by the server. */
  readonly parameters: Readonly<Record<string, string>>;
  /** Trace events in order. */
  readonly events: readonly { readonly activity: string; readonly source: string; readonly elapsedMicros: number; readonly thread: string }[];
}

/** Options of {@link Client.getTrace}. */
export interface TraceReadOptions {
  /** Reads of `system_traces.sessions` before giving up. Default 10. */
  readonly attempts?: number;
  /** Pause between reads in ms. Default 200. */
  readonly delayMs?: number;
}

/** How the trace reader runs a query: the session's `execute`. */
export type TraceQuery = (query: string, params: Params, options: ExecuteOptions) => Promise<ResultPage<Row>>;

const BY_SESSION: ExecuteOptions = { hints: [{ kind: 'uuid' }], consistency: 'ONE' };

/**
 * Read a tracing session from `system_traces`. The coordinator writes the session row's
 * duration last, so the session is read again until it has one.
 */
export async function readTrace(query: TraceQuery, traceId: string, options: TraceReadOptions = {}): Promise<QueryTrace> {
  const attempts = options.attempts ?? 10;
  for (let i = 0; i < attempts; i++) {
    const session = (await query('SELECT coordinator, duration, request, started_at, parameters FROM system_traces.sessions WHERE session_id = ?', [traceId], BY_SESSION)).one();
    if (session && session['duration'] !== null && session['duration'] !== undefined) {
      const events = await query('SELECT activity, source, source_elapsed, thread FROM system_traces.events WHERE session_id = ?', [traceId], BY_SESSION);
      const params = session['parameters'] as Map<string, string> | null;
      return {
        id: traceId,
        coordinator: String(session['coordinator']),
        durationMicros: Number(session['duration']),
        request: String(session['request']),
        startedAt: session['started_at'] as Date,
        parameters: params ? Object.fromEntries(params) : {},
        events: events.rows.map((e) => ({
          activity: String(e['activity']),
          source: String(e['source']),
          elapsedMicros: Number(e['source_elapsed']),
          thread: String(e['thread']),
        })),
      };
    }
    await new Promise((r) => setTimeout(r, options.delayMs ?? 200));
  }
  throw new UnexpectedResponseError(`trace ${traceId} not complete after ${attempts} attempts`);
}
