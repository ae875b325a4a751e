import { LATENCY_BUCKETS_MS, type LatencySnapshot, type MetricsSnapshot, type RequestMetricsSnapshot } from './metrics.js';

/** Options of {@link prometheusText}. */
export interface PrometheusOptions {
  /** Prefix of every metric name. Default `cqlwire_`. */
  readonly prefix?: string;
  /** Labels added to every sample, e.g. `{ client: 'orders' }`. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** What {@link prometheusText} reads: `client.metrics()`, with the throttle's state if any. */
export type PrometheusInput = MetricsSnapshot & { readonly throttle?: object };

/**
 * The Prometheus text exposition format (version 0.0.4) of a metrics snapshot, for any HTTP
 * server to serve (`Content-Type: text/plain; version=0.0.4`): counters, per-host in-flight
 * requests and connections, latency histograms in seconds with buckets (client-wide and per
 * host), the last minute's latency quantiles, and the throttle's gauges.
 */
export function prometheusText(snapshot: PrometheusInput, options: PrometheusOptions = {}): string {
  const prefix = options.prefix ?? 'cqlwire_';
  const base = options.labels ?? {};
  const out: string[] = [];
  const family = (name: string, type: 'counter' | 'gauge' | 'histogram' | 'summary', help: string): string => {
    const full = prefix + name;
    out.push(`# HELP ${full} ${help}`, `# TYPE ${full} ${type}`);
    return full;
  };
  const scopes: [Record<string, string>, RequestMetricsSnapshot & { inFlight?: number; connections?: number }][] = [[{}, snapshot.session]];
  for (const [host, h] of Object.entries(snapshot.hosts)) scopes.push([{ host }, h]);
  const counter = (name: string, help: string, pick: (m: RequestMetricsSnapshot) => number): void => {
    const full = family(name, 'counter', help);
    for (const [labels, m] of scopes) out.push(sample(full, { ...base, ...scopeLabel(labels) }, pick(m)));
  };
  counter('requests_completed_total', 'Requests that completed successfully.', (m) => m.completed);
  counter('requests_failed_total', 'Requests that failed after retries.', (m) => m.failed);
  counter('retries_total', 'Retries made by the retry policy.', (m) => m.retries);
  counter('ignored_total', 'Errors the retry policy ignored.', (m) => m.ignored);
  counter('speculative_executions_total', 'Speculative executions started.', (m) => m.speculativeExecutions);
  counter('timeouts_total', 'Client-side request timeouts.', (m) => m.timeouts);
  counter('connections_opened_total', 'Connections opened.', (m) => m.connectionsOpened);
  counter('connections_closed_total', 'Connections closed.', (m) => m.connectionsClosed);
  const errors = family('errors_total', 'counter', 'Failed requests by error code.');
  for (const [labels, m] of scopes) for (const [code, n] of Object.entries(m.errors)) out.push(sample(errors, { ...base, ...scopeLabel(labels), code }, n));
  const inFlight = family('in_flight_requests', 'gauge', 'Requests in flight per host.');
  for (const [host, h] of Object.entries(snapshot.hosts)) out.push(sample(inFlight, { ...base, host }, h.inFlight));
  const queued = family('queued_requests', 'gauge', 'Requests waiting for a stream id per host.');
  for (const [host, h] of Object.entries(snapshot.hosts)) out.push(sample(queued, { ...base, host }, h.queued));
  const conns = family('connections', 'gauge', 'Open connections per host.');
  for (const [host, h] of Object.entries(snapshot.hosts)) out.push(sample(conns, { ...base, host }, h.connections));
  const latency = family('request_duration_seconds', 'histogram', 'Latency of successful requests (client-wide: the whole request; per host: one attempt).');
  for (const [labels, m] of scopes) histogram(out, latency, { ...base, ...scopeLabel(labels) }, m.latency);
  const recent = snapshot.session.recentLatency;
  if (recent !== undefined) {
    const q = family('request_duration_last_minute_seconds', 'summary', 'Latency of successful requests in the last minute.');
    for (const [quantile, v] of [['0.5', recent.p50Ms], ['0.95', recent.p95Ms], ['0.99', recent.p99Ms], ['0.999', recent.p999Ms]] as const) out.push(sample(q, { ...base, quantile }, v / 1000));
    out.push(sample(`${q}_sum`, base, recent.sumMs / 1000), sample(`${q}_count`, base, recent.count));
  }
  if (snapshot.throttle !== undefined) {
    for (const [field, v] of Object.entries(snapshot.throttle)) {
      if (typeof v !== 'number') continue;
      const name = family(`throttle_${snakeCase(field)}`, 'gauge', `Throttle: ${field}.`);
      out.push(sample(name, base, v));
    }
  }
  return out.join('\n') + '\n';
}

function histogram(out: string[], name: string, labels: Record<string, string>, l: LatencySnapshot): void {
  LATENCY_BUCKETS_MS.forEach((boundMs, i) => out.push(sample(`${name}_bucket`, { ...labels, le: String(boundMs / 1000) }, l.buckets[i] ?? 0)));
  out.push(sample(`${name}_bucket`, { ...labels, le: '+Inf' }, l.count), sample(`${name}_sum`, labels, l.sumMs / 1000), sample(`${name}_count`, labels, l.count));
}

const scopeLabel = (labels: Record<string, string>): Record<string, string> => (labels['host'] === undefined ? { scope: 'client' } : { scope: 'host', host: labels['host'] });

function sample(name: string, labels: Readonly<Record<string, string>>, value: number): string {
  const entries = Object.entries(labels);
  const text = entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
  return `${name}${text} ${formatValue(value)}`;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function snakeCase(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
